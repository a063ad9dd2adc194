/**
 * The visitor's messages on their way: pending until the server's copy with the same
 * ``client_id`` arrives, failed (with a reason, and retryable or not) if it cannot go.
 */

export const PENDING = "pending";
export const SENT = "sent";
export const FAILED = "failed";

/** A random client_id: crypto.getRandomValues works outside secure contexts too. */
export function makeClientId(crypto = globalThis.crypto) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "c-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Outbox {
  constructor(newId = makeClientId) {
    this.items = new Map();
    this.newId = newId;
  }

  add(text) {
    const item = { clientId: this.newId(), text, state: PENDING, error: "", retryable: true, via: "", code: "" };
    this.items.set(item.clientId, item);
    return item;
  }

  get(clientId) {
    return this.items.get(clientId);
  }

  /** The server has it: the item leaves the outbox, and is returned (or undefined). */
  acknowledge(clientId) {
    const item = this.items.get(clientId);
    if (!item) return undefined;
    this.items.delete(clientId);
    item.state = SENT;
    item.via = "";
    return item;
  }

  /** Sending failed; a retryable failure is tried again when the connection comes back. */
  fail(clientId, error, retryable, code = "") {
    const item = this.items.get(clientId);
    if (!item || item.state !== PENDING) return undefined;
    Object.assign(item, { state: FAILED, error: error || "", retryable: Boolean(retryable), via: "", code });
    return item;
  }

  /** Back to pending (the visitor pressed Retry, or the connection came back). */
  retry(clientId) {
    const item = this.items.get(clientId);
    if (!item || item.state !== FAILED) return undefined;
    Object.assign(item, { state: PENDING, error: "", via: "" });
    return item;
  }

  /** Items waiting for the server, oldest first. */
  pending() {
    return [...this.items.values()].filter((item) => item.state === PENDING);
  }

  /** Failed items worth trying again by themselves (network failures). */
  retryable() {
    return [...this.items.values()].filter((item) => item.state === FAILED && item.retryable);
  }
}
