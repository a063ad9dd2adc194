// The agent's replies on their way: pending until the server's chat_message with the
// same client_id arrives. An error naming one acts on it alone: sent again later (the
// server could not store it now: after the server's delay, growing with the shared
// backoff while it keeps refusing), or failed for good, shown so, with a retry.
import { Backoff } from "../shared/backoff.js";

const LATER = new Set(["UNAVAILABLE", "RATE_LIMITED"]);
const RETRY_BASE = 2; // seconds: the first retry's delay when the server names none

export class Replies {
  /**
   * ``send(frame)`` sends on the agent socket (false if it is not open). ``env``:
   * setTimeout, clearTimeout, and optionally random (the backoff's jitter).
   */
  constructor({ send, env }) {
    Object.assign(this, { send, env });
    this.items = new Map(); // client_id -> {clientId, conversationId, message, failed, error, timer}
  }

  add(conversationId, message, clientId) {
    const backoff = new Backoff({ baseDelay: RETRY_BASE, maxRetries: Infinity, random: this.env.random || Math.random });
    const item = { clientId, conversationId, message, failed: false, error: "", timer: null, backoff };
    this.items.set(clientId, item);
    this.deliver(item);
    return item;
  }

  deliver(item) {
    const { conversationId, message, clientId } = item;
    this.send({ type: "agent_message", conversation_id: conversationId, message, client_id: clientId });
  }

  /** The socket is (back) up: everything still pending goes again; the server stores it once. */
  resend() {
    for (const item of this.items.values()) if (!item.failed && item.timer === null) this.deliver(item);
  }

  /** Messages from the server: those carrying a pending reply's client_id confirm it. */
  confirm(messages) {
    for (const message of messages) {
      const item = message.client_id && this.items.get(message.client_id);
      if (!item) continue;
      this.env.clearTimeout(item.timer);
      this.items.delete(message.client_id);
    }
  }

  /** An ``error`` naming a reply: the reply, now failed or waiting, or undefined if not ours. */
  refused(event) {
    const item = this.items.get(event.client_id);
    if (!item) return undefined;
    if (LATER.has(event.code)) {
      this.env.clearTimeout(item.timer);
      // The server's delay at least; longer each time it refuses the same reply again.
      const seconds = Math.max(Number(event.retry_after) || 0, item.backoff.next());
      item.timer = this.env.setTimeout(() => {
        item.timer = null;
        this.deliver(item);
      }, seconds * 1000);
      return item;
    }
    // INVALID_MESSAGE, MESSAGE_TOO_LONG, NOT_FOUND, FORBIDDEN are final; any other
    // (INTERNAL_ERROR) too, for the agent to retry: never "sending…" for ever.
    item.failed = true;
    item.error = event.message || event.code;
    return item;
  }

  /** The agent asked to send a failed reply again (the same client_id). */
  retry(clientId) {
    const item = this.items.get(clientId);
    if (!item || !item.failed) return undefined;
    item.failed = false;
    item.error = "";
    item.backoff.reset();
    this.deliver(item);
    return item;
  }

  forConversation(conversationId) {
    return [...this.items.values()].filter((item) => item.conversationId === conversationId);
  }
}
