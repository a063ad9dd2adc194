// The dashboard's state: conversations, their messages and who types.
// Plain data and rules; no DOM and no socket.
import { MessageLog } from "../shared/messages.js";

const STATUS_ORDER = { open: 0, resolved: 1 };

export class Inbox {
  constructor() {
    this.me = null; // {user_id, name}
    this.conversations = new Map(); // conversation_id -> inbox entry
    this.logs = new Map(); // conversation_id -> MessageLog of the messages received
    this.reported = new Map(); // conversation_id -> the last_seq the server's entries said
    this.typing = new Map(); // conversation_id -> Map(who -> {label, role, until})
  }

  /** Merge a conversation entry from the server (a snapshot, an answer, an event). */
  upsert(entry) {
    const id = entry.conversation_id;
    this.reported.set(id, Math.max(this.reported.get(id) || 0, entry.last_seq || 0));
    const known = this.conversations.get(entry.conversation_id) || {};
    const merged = { ...known, ...entry };
    // A message seen live may be newer than the entry the server sent a moment ago.
    if (known.last_message && (!entry.last_message || known.last_message.seq > entry.last_message.seq)) {
      merged.last_message = known.last_message;
      merged.last_seq = Math.max(known.last_seq || 0, entry.last_seq || 0);
      merged.last_message_at = known.last_message_at;
    }
    this.conversations.set(entry.conversation_id, merged);
    return merged;
  }

  /** A full list: it replaces the inbox. */
  replaceAll(entries) {
    const fresh = new Set(entries.map((e) => e.conversation_id));
    for (const id of this.conversations.keys()) {
      if (!fresh.has(id)) this.conversations.delete(id);
    }
    this.merge(entries);
  }

  /** The conversations that changed (a ``changed_since`` answer): merged into the inbox. */
  merge(entries) {
    entries.forEach((entry) => this.upsert(entry));
  }

  log(conversationId) {
    if (!this.logs.has(conversationId)) this.logs.set(conversationId, new MessageLog());
    return this.logs.get(conversationId);
  }

  /** Store a message; true if it is new. Updates the entry's preview and unread count. */
  addMessage(message) {
    const id = message.conversation_id;
    if (!this.log(id).add(message)) return false;
    const entry = this.conversations.get(id);
    if (entry) {
      if (!entry.last_message || message.seq >= entry.last_message.seq) {
        entry.last_message = message;
        entry.last_seq = message.seq;
        entry.last_message_at = message.timestamp;
      }
      // An agent answered: the conversation is with a person now (the server's entries agree).
      if (message.role === "agent" && entry.bot_state) entry.bot_state = "agent";
      if (message.role === "user" && message.seq > (entry.last_read_seq || 0) && !message.fromHistory) {
        entry.unread = (entry.unread || 0) + 1;
      }
    }
    return true;
  }

  /**
   * A ``handoff`` event: the conversation waits for a person, unless an agent answered
   * already. Returns the entry, or undefined for a conversation not in the inbox.
   */
  handoff(event) {
    const entry = this.conversations.get(event.conversation_id);
    if (!entry) return undefined;
    entry.handoff_at = event.handoff_at || entry.handoff_at;
    if (entry.bot_state !== "agent") entry.bot_state = "waiting";
    return entry;
  }

  /**
   * A history page: the messages after a seq at most the thread's ``lastSeq`` now (so
   * the seqs it skips after that do not exist, and stop holding ``lastSeq`` back).
   */
  addHistory(conversationId, messages) {
    const log = this.log(conversationId);
    const afterSeq = log.lastSeq;
    messages.forEach((m) => this.addMessage({ ...m, fromHistory: true }));
    log.addPage(afterSeq, messages);
    return this.thread(conversationId);
  }

  thread(conversationId) {
    return this.logs.has(conversationId) ? this.logs.get(conversationId).list() : [];
  }

  /** The seq after which to ask for a thread's history: all before it is here. */
  lastSeq(conversationId) {
    return this.logs.has(conversationId) ? this.logs.get(conversationId).lastSeq : 0;
  }

  /** The newest seq in the thread. */
  highest(conversationId) {
    return this.logs.has(conversationId) ? this.logs.get(conversationId).highest : 0;
  }

  /**
   * Up to which seq nothing of a conversation is missing: in its thread (``wholeThread``,
   * the conversation on screen), or counting what the server's entry already summed up
   * (the others, whose threads are not loaded).
   */
  held(conversationId, wholeThread) {
    const log = this.log(conversationId);
    if (wholeThread) return log.lastSeq;
    return log.contiguousFrom(Math.max(log.lastSeq, this.reported.get(conversationId) || 0));
  }

  read(event) {
    const entry = this.conversations.get(event.conversation_id);
    if (!entry) return;
    entry.last_read_seq = Math.max(entry.last_read_seq || 0, event.last_read_seq);
    entry.unread = event.unread;
  }

  totalUnread() {
    let total = 0;
    for (const entry of this.conversations.values()) total += entry.unread || 0;
    return total;
  }

  /** The list as shown: open first, then by last activity, newest first. */
  sorted(filter) {
    const me = this.me && this.me.user_id;
    const activity = (e) => Date.parse(e.last_message_at || "") || 0;
    return [...this.conversations.values()]
      .filter((e) => {
        if (filter === "open" || filter === "resolved") return e.status === filter;
        if (filter === "mine") return e.assigned_agent && e.assigned_agent.user_id === me;
        return true;
      })
      .sort(
        (a, b) =>
          (STATUS_ORDER[a.status] ?? 2) - (STATUS_ORDER[b.status] ?? 2) ||
          activity(b) - activity(a) ||
          Date.parse(b.created_at) - Date.parse(a.created_at),
      );
  }

  /** Someone types (or stops) in a conversation; ``until`` bounds a lost "stop". */
  setTyping(event, timeoutMs) {
    const id = event.conversation_id;
    if (!this.typing.has(id)) this.typing.set(id, new Map());
    // Which agent: ``by`` (or the older ``agent``); this agent's own typing is not news.
    const agent = event.by || event.agent || null;
    if (agent && this.me && String(agent.user_id) === String(this.me.user_id)) return;
    const who = agent ? `agent:${agent.user_id}` : event.role;
    const people = this.typing.get(id);
    if (event.is_typing) {
      // The words are the view's: here only who it is (an agent's name, if an agent).
      people.set(who, { role: event.role, name: agent ? agent.name : "", until: Date.now() + timeoutMs });
    } else {
      people.delete(who);
    }
  }

  typists(conversationId) {
    const people = this.typing.get(conversationId);
    if (!people) return [];
    const now = Date.now();
    for (const [who, typist] of people) if (typist.until < now) people.delete(who);
    return [...people.values()];
  }
}
