// Private notes: written by agents on a conversation, read by agents only. They are not
// messages (no seq; never sent to the visitor): the server keeps them apart, and the
// dashboard shows them in the thread by time, marked as private.
import { el, validDate } from "./elements.js";
import { messageText, messageTime, notSentLine } from "./view.js";

export class Notes {
  /** ``send(frame)`` sends on the agent socket (false if it is not open). */
  constructor({ send }) {
    this.send = send;
    this.stored = new Map(); // conversation_id -> Map(note id -> note)
    this.pending = new Map(); // client_id -> {clientId, conversationId, text, failed, error}
    this.asked = new Set(); // conversations whose notes were asked for on this connection
  }

  /** The notes of a conversation, once per connection (opening it, after a reconnect). */
  request(conversationId) {
    if (this.asked.has(conversationId)) return;
    if (this.send({ type: "notes", conversation_id: conversationId })) this.asked.add(conversationId);
  }

  add(conversationId, text, clientId) {
    const item = { clientId, conversationId, text, failed: false, error: "" };
    this.pending.set(clientId, item);
    this.send({ type: "note", conversation_id: conversationId, text, client_id: clientId });
    return item;
  }

  /** A ``note`` frame (ours or another agent's): stored, and a pending one with its client_id done. */
  received(note) {
    if (!note || !note.id) return;
    const id = note.conversation_id;
    if (!this.stored.has(id)) this.stored.set(id, new Map());
    this.stored.get(id).set(note.id, note);
    if (note.client_id) this.pending.delete(note.client_id);
  }

  /** A ``notes`` answer: the conversation's notes. */
  loaded(event) {
    for (const note of event.notes || []) this.received({ ...note, conversation_id: event.conversation_id });
  }

  /** An ``error`` naming a pending note's client_id: that note failed (kept, to retry). */
  refused(event) {
    const item = event.client_id && this.pending.get(event.client_id);
    if (!item) return undefined;
    item.failed = true;
    item.error = event.message || event.code;
    return item;
  }

  retry(clientId) {
    const item = this.pending.get(clientId);
    if (!item || !item.failed) return undefined;
    item.failed = false;
    item.error = "";
    this.send({ type: "note", conversation_id: item.conversationId, text: item.text, client_id: clientId });
    return item;
  }

  /** The socket is (back) up: notes are asked for again, pending ones sent again (stored once). */
  reconnected() {
    this.asked.clear();
    for (const item of this.pending.values()) {
      if (!item.failed) {
        this.send({ type: "note", conversation_id: item.conversationId, text: item.text, client_id: item.clientId });
      }
    }
  }

  /** A conversation's stored notes, oldest first. */
  forConversation(conversationId) {
    const notes = [...(this.stored.get(conversationId) || new Map()).values()];
    return notes.sort((a, b) => (Date.parse(a.created_at) || 0) - (Date.parse(b.created_at) || 0));
  }

  pendingFor(conversationId) {
    return [...this.pending.values()].filter((item) => item.conversationId === conversationId);
  }
}

/** A note in the thread: marked private, by whom and when; ``pending``/``failed`` for one on its way. */
export function renderPrivateNote(note, { t, pending = false, failed = false, error = "" }) {
  const when = pending ? null : messageTime(note.created_at);
  const item = el(
    "li",
    { className: `lc-private-note${pending ? " lc-pending" : ""}${failed ? " lc-failed" : ""}` },
    el("p", { className: "lc-private-label", text: t("privateNoteLabel") }),
    el(
      "div",
      { className: "lc-msg-head" },
      el("span", { className: "lc-msg-author", text: (note.author && note.author.name) || t("roleAgent") }),
      when
        ? el("time", { className: "lc-msg-time", datetime: when.iso, title: when.full, text: when.short })
        : el("span", { className: "lc-msg-time", text: t(failed ? "notSent" : "sending") }),
    ),
    el("p", { className: "lc-msg-text" }, ...messageText(note.text)),
    failed ? notSentLine(error, { "data-retry-note": note.client_id }, t) : null,
  );
  if (note.id) item.dataset.noteId = note.id;
  const date = validDate(note.created_at);
  if (date) item.dataset.time = String(date.getTime());
  return item;
}
