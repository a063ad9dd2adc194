// Bot replies in the dashboard: the replies being written (``reply_delta``: the whole text
// so far, keyed by the reply's client_id) until their stored ``chat_message`` (view.js
// draws them), and which conversations are with the bot and which wait for a person (an
// entry's ``bot_state``; the ``handoff`` event).
import { el } from "./elements.js";

const STATE_KEYS = { bot: "botState", waiting: "waitingState" };
const HANDOFF_KEYS = { visitor: "handoffByVisitor", bot: "handoffByBot", agent: "handoffByAgent" };

/** The replies being written, by conversation: conversation_id -> Map(client_id -> text). */
export class Streams {
  constructor() {
    this.byConversation = new Map();
  }

  /** A delta: true when it starts a reply (the first of its client_id). */
  update(event) {
    const id = event.conversation_id;
    if (!this.byConversation.has(id)) this.byConversation.set(id, new Map());
    const replies = this.byConversation.get(id);
    const started = !replies.has(event.client_id);
    replies.set(event.client_id, String(event.text ?? ""));
    return started;
  }

  /** A stored message: the reply with its client_id is finished (true if one was growing). */
  finish(message) {
    const replies = this.byConversation.get(message.conversation_id);
    const found = Boolean(replies && replies.delete(message.client_id));
    if (replies && !replies.size) this.byConversation.delete(message.conversation_id);
    return found;
  }

  text(conversationId, clientId) {
    const replies = this.byConversation.get(conversationId);
    return (replies && replies.get(clientId)) || "";
  }

  /** The conversation's replies being written: [{clientId, text}]. */
  forConversation(conversationId) {
    const replies = this.byConversation.get(conversationId) || new Map();
    return [...replies].map(([clientId, text]) => ({ clientId, text }));
  }
}

/** "Bot" or "Waiting for a person" for an inbox entry; "" once an agent answers (or never a bot). */
export function botStateText(entry, t) {
  const key = STATE_KEYS[entry.bot_state];
  return key ? t(key) : "";
}

/** The inbox entry's tag for its ``bot_state`` (null when there is nothing to say). */
export function botTag(entry, t) {
  const text = botStateText(entry, t);
  if (!text) return null;
  const tag = el("span", { className: `lc-tag lc-bot-${entry.bot_state}`, text });
  tag.dataset.botState = entry.bot_state;
  return tag;
}

/** The thread's line for a ``handoff`` event: who handed the conversation over. */
export function handoffNote(event, t) {
  return t(HANDOFF_KEYS[event.by] || "handoffByVisitor");
}
