// The agent dashboard: wires the socket, the inbox state, the rendering and the alerts.
// It speaks only the documented agent protocol (docs/protocol.rst, "The agent socket").

import { Inbox } from "./dashboard/inbox.js";
import { Notifier, TabLeader } from "./dashboard/notify.js";
import { Replies } from "./dashboard/replies.js";
import { AgentSocket } from "./dashboard/socket.js";
import { InboxSync } from "./dashboard/sync.js";
import { renderDetails, renderList, renderMessage, renderNote, typingText, visitorName } from "./dashboard/view.js";

const TYPING_RESEND_MS = 3000; // keep the server's typing state alive while keys are hit
const TYPING_IDLE_MS = 4000; // no key for this long: typing stopped
const STATES = {
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  online: "Online",
  offline: "Offline — reconnecting",
  "logged-out": "Logged out: reload the page to log in again.",
  forbidden: "Not allowed: this account is not a live chat agent.",
};

const config = JSON.parse(document.getElementById("livechat-dashboard-config").textContent);
const $ = (id) => document.getElementById(id);
const ui = {
  connection: $("lc-connection"),
  list: $("lc-list"),
  empty: $("lc-inbox-empty"),
  filter: $("lc-filter"),
  unreadTotal: $("lc-unread-total"),
  conversation: $("lc-conversation"),
  placeholder: $("lc-placeholder"),
  title: $("lc-title"),
  subtitle: $("lc-subtitle"),
  log: $("lc-log"),
  typing: $("lc-typing"),
  reply: $("lc-reply"),
  input: $("lc-input"),
  details: $("lc-details"),
  assign: $("lc-assign"),
  resolve: $("lc-resolve"),
  reopen: $("lc-reopen"),
};
const baseTitle = document.title;
const typingTimeoutMs = (config.typingTimeout || 10) * 1000 + 2000;

const timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id) };

const inbox = new Inbox();
const leader = new TabLeader();
const notifier = new Notifier($("lc-notify"), leader);
let selected = null;
let outgoingTyping = { conversationId: null, sentAt: 0, idle: null };

const socket = new AgentSocket(config.socketPath, {
  onEvent: handle,
  onState: (state) => {
    ui.connection.dataset.state = state;
    ui.connection.textContent = STATES[state] || state;
    ui.reply.querySelector("button").disabled = state === "logged-out" || state === "forbidden";
    if (state !== "online") sync.reset();
  },
  baseDelay: config.reconnectBaseDelay,
  heartbeatInterval: config.heartbeatInterval,
  heartbeat: () => sync.heartbeat(),
});
const send = (frame) => socket.send(frame);
const sync = new InboxSync({ inbox, send, selected: () => selected, env: timers });
const replies = new Replies({ send, env: timers });

// ---------------------------------------------------------------- server events

const handlers = {
  ready(event) {
    inbox.me = event.agent;
    // Catch up after a reconnect: the open thread, then replies still waiting to go.
    if (selected) sync.requestHistory(selected);
    replies.resend();
  },
  conversations(event) {
    sync.conversations(event);
    if (event.changed_since === undefined) {
      $("lc-more").hidden = !event.has_more;
      if (selected && !inbox.conversations.has(selected)) {
        // The open conversation fell off the first page: keep it.
        socket.send({ type: "conversation", conversation_id: selected });
      }
      const wanted = location.hash.slice(1);
      if (!selected && wanted && inbox.conversations.has(wanted)) select(wanted);
    }
    refresh(selected);
  },
  conversation(event) {
    inbox.upsert(event.conversation);
    sync.answered(event.conversation.conversation_id);
    refresh(event.conversation.conversation_id);
  },
  new_conversation(event) {
    inbox.upsert(event.conversation);
    notifier.newConversation(event.conversation);
    renderInbox();
  },
  history(event) {
    inbox.upsert(event.conversation);
    replies.confirm(event.messages);
    inbox.addHistory(event.conversation_id, event.messages);
    if (event.has_more) sync.requestHistory(event.conversation_id);
    else sync.answered(event.conversation_id);
    refresh(event.conversation_id);
    markRead();
  },
  chat_message(message) {
    const id = message.conversation_id;
    if (!inbox.conversations.has(id)) socket.send({ type: "conversation", conversation_id: id });
    replies.confirm([message]);
    inbox.addMessage(message);
    sync.message(message);
    inbox.setTyping({ conversation_id: id, role: message.role, agent: null, is_typing: false }, 0);
    refresh(id);
    markRead();
  },
  typing(event) {
    inbox.setTyping(event, typingTimeoutMs);
    refresh(event.conversation_id);
    // A lost "stopped" must not leave the indicator up: look again after the timeout.
    setTimeout(() => refresh(event.conversation_id), typingTimeoutMs + 50);
  },
  status(event) {
    const entry = inbox.conversations.get(event.conversation_id);
    if (!entry) return;
    entry.status = event.status;
    if (event.conversation_id === selected) {
      const who = event.by ? event.by.name : "the visitor's new message";
      ui.log.append(renderNote(`${event.status === "resolved" ? "Resolved" : "Reopened"} by ${who}`));
    }
    refresh(event.conversation_id);
  },
  assignment(event) {
    const entry = inbox.conversations.get(event.conversation_id);
    if (!entry) return;
    entry.assigned_agent = event.assigned_agent;
    refresh(event.conversation_id);
  },
  read(event) {
    inbox.read(event);
    renderInbox();
  },
  error(event) {
    // An error naming a reply acts on it alone: failed (say so), or sent again later.
    const reply = event.client_id ? replies.refused(event) : undefined;
    if (reply) refresh(reply.conversationId);
    if (!reply || reply.failed) showAlert(event.message || event.code);
  },
  pong() {},
};

function handle(event) {
  const handler = handlers[event.type];
  if (handler) handler(event);
}

// ---------------------------------------------------------------- agent actions

function select(conversationId) {
  if (selected === conversationId) return;
  stopTyping();
  selected = conversationId;
  history.replaceState(null, "", `#${conversationId}`);
  ui.log.replaceChildren();
  sync.requestHistory(conversationId);
  refresh(conversationId);
  ui.input.focus();
}

function markRead() {
  if (!selected || document.visibilityState !== "visible") return;
  const entry = inbox.conversations.get(selected);
  const seq = inbox.highest(selected);
  if (entry && seq > (entry.last_read_seq || 0)) {
    entry.last_read_seq = seq; // not again until the server says otherwise
    socket.send({ type: "mark_read", conversation_id: selected, seq });
  }
}

function typed() {
  if (!selected) return;
  const now = Date.now();
  if (outgoingTyping.conversationId !== selected || now - outgoingTyping.sentAt > TYPING_RESEND_MS) {
    if (socket.send({ type: "typing", conversation_id: selected, is_typing: true })) {
      outgoingTyping = { ...outgoingTyping, conversationId: selected, sentAt: now };
    }
  }
  clearTimeout(outgoingTyping.idle);
  outgoingTyping.idle = setTimeout(stopTyping, TYPING_IDLE_MS);
}

function stopTyping() {
  clearTimeout(outgoingTyping.idle);
  if (outgoingTyping.conversationId) {
    socket.send({ type: "typing", conversation_id: outgoingTyping.conversationId, is_typing: false });
  }
  outgoingTyping = { conversationId: null, sentAt: 0, idle: null };
}

function newClientId() {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `a-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}

// ---------------------------------------------------------------- rendering

function renderInbox() {
  const entries = inbox.sorted(ui.filter.value);
  renderList(ui.list, entries, { selected, typistsOf: (id) => inbox.typists(id) });
  ui.empty.hidden = entries.length > 0;
  const unread = inbox.totalUnread();
  ui.unreadTotal.hidden = unread === 0;
  ui.unreadTotal.textContent = unread ? `${unread} unread` : "";
  document.title = unread ? `(${unread}) ${baseTitle}` : baseTitle;
}

function renderConversation() {
  const entry = selected && inbox.conversations.get(selected);
  ui.conversation.hidden = !entry;
  ui.placeholder.hidden = Boolean(entry);
  if (!entry) return;
  ui.title.textContent = visitorName(entry);
  ui.subtitle.textContent = [entry.website_name, entry.status === "resolved" ? "Resolved" : "Open"].join(" · ");
  const mine = entry.assigned_agent && inbox.me && entry.assigned_agent.user_id === inbox.me.user_id;
  ui.assign.disabled = Boolean(mine);
  ui.assign.textContent = mine ? "Assigned to you" : "Assign to me";
  ui.resolve.hidden = entry.status === "resolved";
  ui.reopen.hidden = entry.status !== "resolved";
  renderDetails(ui.details, entry);
  renderThread(entry);
  ui.typing.textContent = typingText(inbox.typists(selected));
}

function renderThread(entry) {
  // Append what is new rather than redraw, so reading and selecting text are not disturbed.
  const nearBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 80;
  for (const node of ui.log.querySelectorAll(".lc-pending")) node.remove();
  const shown = new Set([...ui.log.querySelectorAll("[data-seq]")].map((node) => Number(node.dataset.seq)));
  for (const message of inbox.thread(entry.conversation_id)) {
    if (shown.has(message.seq)) continue;
    const node = renderMessage(message);
    const after = [...ui.log.querySelectorAll("[data-seq]")].find((n) => Number(n.dataset.seq) > message.seq);
    ui.log.insertBefore(node, after || null);
  }
  for (const item of replies.forConversation(entry.conversation_id)) {
    const message = { role: "agent", sender_name: inbox.me?.name, message: item.message, client_id: item.clientId };
    ui.log.append(renderMessage(message, { pending: true, failed: item.failed, error: item.error }));
  }
  if (nearBottom) ui.log.scrollTop = ui.log.scrollHeight;
}

function refresh(conversationId) {
  renderInbox();
  if (conversationId === selected) renderConversation();
}

let alertTimer = null;
function showAlert(text) {
  const alert = $("lc-alert");
  alert.textContent = text;
  alert.hidden = false;
  clearTimeout(alertTimer);
  alertTimer = setTimeout(() => {
    alert.hidden = true;
  }, 6000);
}

// ---------------------------------------------------------------- page events

ui.list.addEventListener("click", (event) => {
  const button = event.target.closest("[data-conversation-id]");
  if (button) select(button.dataset.conversationId);
});
ui.filter.addEventListener("change", renderInbox);
ui.reply.addEventListener("submit", (event) => {
  event.preventDefault();
  const message = ui.input.value.trim();
  if (!selected || !message) return;
  stopTyping();
  replies.add(selected, message, newClientId());
  ui.input.value = "";
  renderConversation();
});
ui.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.reply.requestSubmit();
  }
});
ui.log.addEventListener("click", (event) => {
  const button = event.target.closest("[data-retry]");
  if (button && replies.retry(button.dataset.retry)) renderConversation();
});
ui.input.addEventListener("input", () => (ui.input.value ? typed() : stopTyping()));
ui.input.addEventListener("blur", stopTyping);
ui.assign.addEventListener("click", () => socket.send({ type: "assign", conversation_id: selected }));
ui.resolve.addEventListener("click", () => socket.send({ type: "resolve", conversation_id: selected }));
ui.reopen.addEventListener("click", () => socket.send({ type: "reopen", conversation_id: selected }));
document.addEventListener("visibilitychange", markRead);
addEventListener("online", () => socket.nudge());

leader.start();
// Which tab alerts, for the curious (and the browser tests): <body data-alert-tab="true">.
setInterval(() => (document.body.dataset.alertTab = String(leader.isLeader())), 1000);
socket.connect();
