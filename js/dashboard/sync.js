// Keeping the dashboard complete although live events can be lost: the inbox's cursor
// and the heartbeat's "what changed since" request, and gap repair. A hole in the
// conversation on screen is filled from its history; for the others the entry is
// refreshed, so that the preview and the unread count are right.
import { CatchUp } from "../shared/catchup.js";

export class InboxSync {
  /**
   * ``send(frame)`` sends on the agent socket (false if it is not open); ``selected()``
   * is the conversation on screen, or null. ``env``: setTimeout, clearTimeout.
   */
  constructor({ inbox, send, selected, env }) {
    Object.assign(this, { inbox, send, selected });
    this.cursor = null;
    this.catchUp = new CatchUp({
      missing: (id, upTo) => inbox.held(id, id === selected()) < upTo,
      request: (id) =>
        id === selected()
          ? this.send({ type: "history", conversation_id: id, last_seq: inbox.lastSeq(id), reason: "gap" })
          : this.send({ type: "conversation", conversation_id: id }),
      env,
    });
  }

  /** The heartbeat: what changed since the last answer (a plain ping before the first). */
  heartbeat() {
    return this.cursor ? { type: "conversations", changed_since: this.cursor } : { type: "ping" };
  }

  /**
   * A ``conversations`` answer: a full list replaces the inbox, a delta is merged, and so
   * is a filtered list (it has ``filters``).
   */
  conversations(event) {
    const entries = event.conversations || [];
    if (event.filters) {
      // The answer to a filtered request: more conversations to hold (older ones the first
      // page did not have); the cursor stays the whole inbox's.
      this.inbox.merge(entries);
      return;
    }
    if (typeof event.cursor === "string") this.cursor = event.cursor;
    if (event.changed_since === undefined) {
      this.inbox.replaceAll(entries);
      return;
    }
    this.inbox.merge(entries);
    const open = this.selected();
    for (const entry of entries) {
      if (entry.conversation_id === open && entry.last_seq > this.inbox.lastSeq(open)) {
        this.catchUp.note(open, entry.last_seq);
      }
    }
    // More changed than one answer holds: the whole list again.
    if (event.has_more) this.send({ type: "conversations" });
  }

  /** The thread on screen from the last seq held (on opening it, after a reconnect). */
  requestHistory(conversationId) {
    const frame = { type: "history", conversation_id: conversationId, last_seq: this.inbox.lastSeq(conversationId) };
    if (this.send(frame)) this.catchUp.begin(conversationId);
  }

  /** A live message, once stored: a hole below it is repaired unless it fills by itself. */
  message(message) {
    const id = message.conversation_id;
    if (this.inbox.held(id, id === this.selected()) < message.seq) this.catchUp.note(id, message.seq);
  }

  /** The server answered for a conversation (its history, or its entry). */
  answered(conversationId) {
    this.catchUp.done(conversationId);
  }

  /** The socket is gone: the reconnect brings the inbox and the thread on screen again. */
  reset() {
    this.catchUp.reset();
  }
}
