// The agent dashboard: wires the socket, the inbox state, the rendering and the alerts.
// It speaks only the documented agent protocol (docs/protocol.rst, "The agent socket").

import { Agents, avatars, renderOnline } from "./agents.js";
import { assignedNotice, chosenAgent, renderAssignee } from "./assign.js";
import { renderUpload, showProgress } from "./attachments.js";
import { Streams, handoffNote } from "./bots.js";
import { CannedPicker } from "./canned.js";
import { csrfToken } from "./http.js";
import { Inbox } from "./inbox.js";
import { listenForShortcuts, moveIndex, renderShortcuts } from "./keys.js";
import { fillSelect, filterChoices, labelChip, filteredRequest, labelsByWebsite, labelsFrame, passes, renderChips, renderLabelPicker } from "./labels.js";
import { Notes, renderPrivateNote } from "./notes.js";
import { Notifier, TabLeader } from "./notify.js";
import { EmailPreference } from "./preferences.js";
import { renderRatings } from "./ratings.js";
import { Replies } from "./replies.js";
import { Search, SearchBox } from "./search.js";
import { AgentSocket } from "./socket.js";
import { InboxSync } from "./sync.js";
import { translator } from "./text.js";
import { updateTranscriptLinks } from "./transcript.js";
import { Uploads } from "./uploads.js";
import { renderAvailability, renderDetails, renderList, renderMessage, renderNote, renderStream, showStream, typingText, visitorName } from "./view.js";
import { renderPrevious } from "./visitorpanel.js";

const TYPING_RESEND_MS = 3000; // keep the server's typing state alive while keys are hit
const TYPING_IDLE_MS = 4000; // no key for this long: typing stopped
const STATES = {
  connecting: "stateConnecting",
  reconnecting: "stateReconnecting",
  online: "stateOnline",
  offline: "stateOffline",
  "logged-out": "stateLoggedOut",
  forbidden: "stateForbidden",
};
const HASH = /^#conversation=([\w-]+)$/; // the open conversation, so that a reload reopens it

const config = JSON.parse(document.getElementById("livechat-dashboard-config").textContent);
const t = translator(config.strings);
const $ = (id) => document.getElementById(id);
const ui = {
  layout: $("lc-layout"),
  back: $("lc-back"),
  messages: $("lc-messages"),
  visitorBox: $("lc-visitor-box"),
  notifyWhere: $("lc-notify-where"),
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
  actions: $("lc-assign").parentElement,
  send: $("lc-send"),
  attach: $("lc-attach"),
  file: $("lc-file"),
  dropHint: $("lc-drop-hint"),
  readOnly: $("lc-readonly"),
  previousBox: $("lc-previous-box"),
  previous: $("lc-previous"),
  hours: $("lc-hours"),
  ratings: $("lc-ratings"),
  ratingsTables: $("lc-ratings-tables"),
  ratingsLoading: $("lc-ratings-loading"),
  replyLabel: document.querySelector("label[for=lc-input]"),
  noteMode: $("lc-note-mode"),
  canned: $("lc-canned"),
  labels: $("lc-labels"),
  labelPicker: $("lc-label-picker"),
  labelChoices: $("lc-label-choices"),
  assignee: $("lc-assignee"),
  viewers: $("lc-viewers"),
  online: $("lc-online"),
  onlineBox: $("lc-online-box"),
  filterAssignee: $("lc-filter-assignee"),
  filterLabel: $("lc-filter-label"),
  filterWebsite: $("lc-filter-website"),
  notice: $("lc-notice"),
  noticeText: $("lc-notice-text"),
  keys: $("lc-keys"),
  transcript: { txt: $("lc-transcript-txt"), json: $("lc-transcript-json") },
  transcriptNotes: $("lc-transcript-notes"),
};
const baseTitle = document.title;
const typingTimeoutMs = (config.typingTimeout || 10) * 1000 + 2000;

const timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id) };

const inbox = new Inbox();
const leader = new TabLeader();
const notifier = new Notifier($("lc-notify"), leader, t);
let selected = null;
let returnTo = null; // viewing an earlier conversation read only: the conversation to go back to
let connection = "connecting";
let outgoingTyping = { conversationId: null, sentAt: 0, idle: null };
let websites = []; // the ``ready`` frame's: [{website_id, name, labels}]
let websiteLabels = new Map(); // website_id -> its labels
let noteMode = false; // the reply box writes a private note
let pendingHit = null; // {conversationId, seq}: a search hit to show once its message is here
let noticeConversation = null; // the conversation the "assigned to you" notice opens

const socket = new AgentSocket(config.socketPath, {
  onEvent: handle,
  onState: (state) => {
    ui.connection.dataset.state = state;
    ui.connection.textContent = STATES[state] ? t(STATES[state]) : state;
    connection = state;
    renderReplyBox();
    if (state !== "online") sync.reset();
  },
  baseDelay: config.reconnectBaseDelay,
  heartbeatInterval: config.heartbeatInterval,
  heartbeat: () => sync.heartbeat(),
});
const send = (frame) => socket.send(frame);
const sync = new InboxSync({ inbox, send, selected: () => selected, env: timers });
const replies = new Replies({ send, env: timers });
const notes = new Notes({ send });
const agents = new Agents();
const streams = new Streams(); // bot replies being written
const search = new SearchBox({
  input: $("lc-search-input"),
  box: $("lc-search-box"),
  list: $("lc-search-results"),
  empty: $("lc-search-empty"),
  search: new Search({ send, env: timers }),
  websiteId: () => ui.filterWebsite.value,
  onOpen: openHit,
  t,
});
const me = () => inbox.me && inbox.me.user_id;
// Before the reply box's own keys: the picker's Enter inserts, it does not send.
const picker = new CannedPicker({
  input: ui.input,
  listbox: ui.canned,
  t,
  context: () => {
    const entry = selected && !returnTo && inbox.conversations.get(selected);
    if (!entry) return null;
    const values = {
      visitor_name: entry.visitor_name || (entry.metadata && entry.metadata.name) || "",
      visitor_email: entry.visitor_email || (entry.metadata && entry.metadata.email) || "",
      agent_name: (inbox.me && inbox.me.name) || config.agentName,
      website_name: entry.website_name,
    };
    return { websiteId: entry.website_id, values };
  },
  onInsert: () => typed(),
});
const uploads = new Uploads({
  url: (conversationId) => `${config.apiRoot}agent/conversations/${encodeURIComponent(conversationId)}/attachments/`,
  csrfToken,
  onChange: uploadChanged,
  onStored: (message) => handlers.chat_message(message),
});

// ---------------------------------------------------------------- server events

const handlers = {
  ready(event) {
    inbox.me = event.agent;
    ui.hours.hidden = !renderAvailability(ui.hours, event.websites, t);
    websites = Array.isArray(event.websites) ? event.websites : [];
    websiteLabels = labelsByWebsite(websites);
    picker.setReplies(event.canned);
    agents.reset();
    renderFilters();
    // Catch up after a reconnect: the open thread, then replies still waiting to go.
    if (selected) sync.requestHistory(selected);
    replies.resend();
    notes.reconnected();
    if (selected) {
      notes.request(selected);
      tellViewing(selected);
    }
  },
  canned(event) {
    picker.setReplies(event.replies);
  },
  note(event) {
    notes.received(event.note);
    if (event.note) refresh(event.note.conversation_id);
  },
  notes(event) {
    notes.loaded(event);
    refresh(event.conversation_id);
  },
  search_results(event) {
    search.results(event);
  },
  assigned_to_you(event) {
    if (!event.conversation) return;
    const entry = inbox.upsert(event.conversation);
    noticeConversation = entry.conversation_id;
    ui.noticeText.textContent = assignedNotice(event, visitorName(entry, t), t);
    ui.notice.hidden = false;
    refresh(entry.conversation_id);
  },
  agents(event) {
    agents.update(event);
    ui.onlineBox.hidden = !renderOnline(ui.online, agents.online(), me(), t);
    renderFilters();
    refresh(selected);
  },
  conversations(event) {
    sync.conversations(event);
    if (event.changed_since === undefined) {
      $("lc-more").hidden = !event.has_more;
      if (selected && !inbox.conversations.has(selected)) {
        // The open conversation fell off the first page: keep it.
        socket.send({ type: "conversation", conversation_id: selected });
      }
      const wanted = wantedConversation();
      if (!selected && wanted) select(wanted);
    }
    refresh(selected);
  },
  conversation(event) {
    inbox.upsert(event.conversation);
    // The conversation the address names, asked for because the inbox's first page lacked it.
    if (!selected && event.conversation.conversation_id === wantedConversation()) select(wantedConversation());
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
    uploads.confirm(event.messages);
    for (const message of event.messages) streams.finish({ conversation_id: event.conversation_id, ...message });
    inbox.addHistory(event.conversation_id, event.messages);
    if (event.has_more) sync.requestHistory(event.conversation_id);
    else sync.answered(event.conversation_id);
    refresh(event.conversation_id);
    markRead();
  },
  chat_message(message) {
    const id = message.conversation_id;
    if (!inbox.conversations.has(id)) socket.send({ type: "conversation", conversation_id: id });
    streams.finish(message); // the stored reply replaces the growing one
    replies.confirm([message]);
    uploads.confirm([message]);
    inbox.addMessage(message);
    sync.message(message);
    inbox.setTyping({ conversation_id: id, role: message.role, agent: null, is_typing: false }, 0);
    refresh(id);
    markRead();
  },
  reply_delta(event) {
    const id = event.conversation_id;
    if (streams.update(event)) {
      // The first delta: the bot's typing ends, the reply shows instead.
      inbox.setTyping({ conversation_id: id, role: "assistant", agent: null, is_typing: false }, 0);
      refresh(id);
    } else if (id === selected) {
      const nearBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 80;
      showStream(ui.messages, { clientId: event.client_id, text: streams.text(id, event.client_id) }, t);
      if (nearBottom) ui.log.scrollTop = ui.log.scrollHeight;
    }
  },
  handoff(event) {
    if (!inbox.handoff(event)) return;
    if (event.conversation_id === selected) ui.messages.append(renderNote(handoffNote(event, t)));
    refresh(event.conversation_id);
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
    if (event.conversation_id === selected) ui.messages.append(renderNote(statusNote(event)));
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
    const reply = event.client_id ? replies.refused(event) || notes.refused(event) : undefined;
    if (reply) refresh(reply.conversationId);
    if (!reply || reply.failed) showAlert(event.message || event.code);
  },
  ratings(event) {
    renderRatings(ui.ratingsTables, event, t, document.documentElement.lang || undefined);
    ui.ratingsLoading.hidden = true;
  },
  pong() {},
};

function statusNote(event) {
  const resolved = event.status === "resolved";
  if (event.by) return t(resolved ? "resolvedBy" : "reopenedBy", { name: event.by.name });
  return t(resolved ? "resolvedNote" : "reopenedByVisitor");
}

function handle(event) {
  const handler = handlers[event.type];
  if (handler) handler(event);
}

// ---------------------------------------------------------------- agent actions

function wantedConversation() {
  const match = HASH.exec(location.hash);
  return match ? match[1] : null;
}

/** Open a conversation; ``earlierOf`` names the one whose earlier conversation it is (read only). */
function select(conversationId, earlierOf = null) {
  ui.layout.dataset.view = "conversation"; // phones show one of the list and the conversation
  if (selected === conversationId) return;
  stopTyping();
  selected = conversationId;
  returnTo = earlierOf && earlierOf !== conversationId ? earlierOf : null;
  // The address names the conversation being served, not the earlier one glanced at.
  if (!returnTo && location.hash !== `#conversation=${conversationId}`) {
    history.replaceState(null, "", `#conversation=${conversationId}`);
  }
  ui.messages.replaceChildren();
  picker.close();
  if (!inbox.conversations.has(conversationId)) socket.send({ type: "conversation", conversation_id: conversationId });
  sync.requestHistory(conversationId);
  notes.request(conversationId);
  tellViewing(conversationId);
  refresh(conversationId);
  if (returnTo) $("lc-readonly-back").focus();
  else ui.input.focus();
}

/** Back to the list (phones): the conversation closes, the list item it came from gets the focus. */
function backToList() {
  const closed = returnTo || selected;
  stopTyping();
  selected = null;
  returnTo = null;
  ui.layout.dataset.view = "list";
  tellViewing(null);
  history.replaceState(null, "", location.pathname + location.search);
  refresh(null);
  const item = closed && [...ui.list.querySelectorAll("[data-conversation-id]")].find((b) => b.dataset.conversationId === closed);
  if (item) item.focus();
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

/** Tell the other agents which conversation this dashboard shows. */
function tellViewing(conversationId) {
  const frame = agents.viewingFrame(conversationId);
  if (frame && socket.send(frame)) agents.sentViewing(conversationId);
}

/** Open a search hit: its conversation, then (once loaded) the message that matched. */
function openHit(conversationId, seq) {
  pendingHit = Number.isInteger(seq) ? { conversationId, seq } : null;
  if (selected === conversationId && !returnTo) renderConversation();
  else select(conversationId);
}

function typed() {
  if (!selected || noteMode) return;
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
  const entries = inbox.sorted("all").filter((entry) => passes(entry, currentFilters(), me()));
  renderList(ui.list, entries, {
    selected,
    typistsOf: (id) => inbox.typists(id),
    viewersOf: (id) => avatars(agents.viewers(id, me()), t),
    chips: (labels) => labels.map(labelChip),
    t,
  });
  ui.empty.hidden = entries.length > 0;
  const unread = inbox.totalUnread();
  ui.unreadTotal.hidden = unread === 0;
  ui.unreadTotal.textContent = unread ? t("unreadCount", { count: unread }) : "";
  document.title = unread ? t("titleUnread", { count: unread, title: baseTitle }) : baseTitle;
}

function currentFilters() {
  return {
    status: ui.filter.value,
    label: ui.filterLabel.value,
    assignee: ui.filterAssignee.value,
    website: ui.filterWebsite.value,
  };
}

/** The filter bar's choices: the labels, agents and websites known now. */
function renderFilters() {
  const choices = filterChoices({ websites, labels: websiteLabels, agents: agents.online(), me: me() });
  fillSelect(ui.filterLabel, 1, choices.labelOptions);
  fillSelect(ui.filterAssignee, 3, choices.agentOptions);
  fillSelect(ui.filterWebsite, 1, choices.websiteOptions);
  ui.filterWebsite.parentElement.hidden = websites.length < 2;
  ui.filterLabel.parentElement.hidden = choices.labelOptions.length === 0;
}

let pickerFor = ""; // the conversation and labels the label picker shows
/** The label picker: drawn again for another conversation or other labels, else only ticked. */
function renderLabels(entry) {
  renderChips(ui.labels, entry.labels);
  const available = websiteLabels.get(entry.website_id) || [];
  const key = `${entry.conversation_id}:${available.map((label) => label.id).join(",")}`;
  if (key !== pickerFor) {
    pickerFor = key;
    renderLabelPicker(ui.labelChoices, available, entry);
  } else {
    const has = new Set((entry.labels || []).map((label) => String(label.id)));
    for (const box of ui.labelChoices.querySelectorAll("input")) box.checked = has.has(box.value);
  }
  ui.labelPicker.hidden = available.length === 0 || Boolean(returnTo);
}

function renderConversation() {
  const entry = selected && inbox.conversations.get(selected);
  ui.conversation.hidden = !entry;
  ui.placeholder.hidden = Boolean(entry);
  if (!entry) return;
  ui.title.textContent = visitorName(entry, t);
  ui.subtitle.textContent = [entry.website_name, t(entry.status === "resolved" ? "resolved" : "open")].join(" · ");
  const mine = entry.assigned_agent && inbox.me && entry.assigned_agent.user_id === inbox.me.user_id;
  ui.assign.disabled = Boolean(mine);
  ui.assign.textContent = t(mine ? "assignedToYou" : "assignToMe");
  ui.resolve.hidden = entry.status === "resolved";
  ui.reopen.hidden = entry.status !== "resolved";
  ui.actions.hidden = Boolean(returnTo);
  renderLabels(entry);
  if (document.activeElement !== ui.assignee) {
    const mates = agents.online(entry.website_id);
    renderAssignee(ui.assignee, entry, inbox.me ? [inbox.me, ...mates] : mates, t);
  }
  const viewers = agents.viewers(entry.conversation_id, me());
  ui.viewers.hidden = !viewers.length;
  ui.viewers.textContent = viewers.length ? t("alsoViewing", { names: viewers.map((agent) => agent.name).join(", ") }) : "";
  updateTranscriptLinks(ui.transcript, config.apiRoot, entry.conversation_id, ui.transcriptNotes.checked);
  renderReplyBox();
  renderDetails(ui.details, entry, t);
  ui.previousBox.hidden = renderPrevious(ui.previous, entry.previous, t) === 0;
  renderThread(entry);
  ui.typing.textContent = typingText(inbox.typists(selected), t);
}

function renderThread(entry) {
  // Append what is new rather than redraw, so reading and selecting text are not disturbed.
  const nearBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 80;
  for (const node of ui.messages.querySelectorAll(".lc-pending, .lc-streaming")) node.remove();
  const shown = new Set([...ui.messages.querySelectorAll("[data-seq]")].map((node) => Number(node.dataset.seq)));
  for (const message of inbox.thread(entry.conversation_id)) {
    if (shown.has(message.seq)) continue;
    const node = renderMessage(message, { t });
    const at = Date.parse(message.timestamp);
    if (!Number.isNaN(at)) node.dataset.time = String(at);
    const after = [...ui.messages.querySelectorAll("[data-seq]")].find((n) => Number(n.dataset.seq) > message.seq);
    ui.messages.insertBefore(node, after || null);
  }
  // Private notes among the messages, by time.
  const noted = new Set([...ui.messages.querySelectorAll("[data-note-id]")].map((node) => node.dataset.noteId));
  for (const note of notes.forConversation(entry.conversation_id)) {
    if (noted.has(note.id)) continue;
    const node = renderPrivateNote(note, { t });
    const at = Number(node.dataset.time);
    const after = [...ui.messages.querySelectorAll("[data-time]")].find((n) => Number(n.dataset.time) > at);
    ui.messages.insertBefore(node, after || null);
  }
  for (const item of streams.forConversation(entry.conversation_id)) ui.messages.append(renderStream(item, t));
  for (const item of replies.forConversation(entry.conversation_id)) {
    const message = { role: "agent", sender_name: inbox.me?.name, message: item.message, client_id: item.clientId };
    ui.messages.append(renderMessage(message, { pending: true, failed: item.failed, error: item.error, t }));
  }
  for (const item of uploads.forConversation(entry.conversation_id)) ui.messages.append(renderUpload(item, t));
  for (const item of notes.pendingFor(entry.conversation_id)) {
    const note = { text: item.text, author: inbox.me, client_id: item.clientId };
    ui.messages.append(renderPrivateNote(note, { t, pending: true, failed: item.failed, error: item.error }));
  }
  if (nearBottom) ui.log.scrollTop = ui.log.scrollHeight;
  showHit(entry.conversation_id);
}

/** A search hit waiting for its message: once here, scrolled to and marked. */
function showHit(conversationId) {
  if (!pendingHit || pendingHit.conversationId !== conversationId) return;
  const node = ui.messages.querySelector(`[data-seq="${pendingHit.seq}"]`);
  if (!node) return;
  pendingHit = null;
  for (const old of ui.messages.querySelectorAll(".lc-hit-message")) old.classList.remove("lc-hit-message");
  node.classList.add("lc-hit-message");
  node.scrollIntoView({ block: "center" });
}

/** The reply box: off while signed out, and for an earlier conversation (read only). */
function renderReplyBox() {
  const closed = connection === "logged-out" || connection === "forbidden";
  ui.readOnly.hidden = !returnTo;
  ui.input.disabled = Boolean(returnTo);
  ui.reply.dataset.mode = noteMode ? "note" : "reply";
  ui.noteMode.setAttribute("aria-pressed", String(noteMode));
  ui.noteMode.disabled = Boolean(returnTo) || closed;
  ui.replyLabel.textContent = t(noteMode ? "privateNoteLabel" : "replyLabel");
  ui.input.placeholder = t(noteMode ? "notePlaceholder" : "replyPlaceholder");
  ui.send.textContent = t(noteMode ? "addNote" : "send");
  ui.attach.disabled = Boolean(returnTo) || closed;
  ui.send.disabled = Boolean(returnTo) || closed;
}

/** An upload moved on: its bar in place, or the thread again when it failed or ended. */
function uploadChanged(item) {
  if (item.conversationId !== selected) return;
  const node = [...ui.messages.querySelectorAll("[data-upload]")].find((n) => n.dataset.upload === item.clientId);
  if (item.done) {
    if (node) node.remove();
    return;
  }
  if (!node || item.failed || !showProgress(node, item)) renderConversation();
}

function upload(files) {
  if (!selected || returnTo || connection === "logged-out" || connection === "forbidden") return;
  for (const file of files) uploads.add(selected, file, newClientId());
  renderConversation();
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
for (const filter of [ui.filter, ui.filterAssignee, ui.filterLabel, ui.filterWebsite]) {
  filter.addEventListener("change", () => {
    renderInbox();
    const request = filteredRequest(currentFilters());
    if (request) socket.send(request);
  });
}
ui.back.addEventListener("click", backToList);
addEventListener("hashchange", () => {
  const wanted = wantedConversation();
  if (wanted) select(wanted);
});
ui.reply.addEventListener("submit", (event) => {
  event.preventDefault();
  const message = ui.input.value.trim();
  if (!selected || !message) return;
  if (noteMode) {
    notes.add(selected, message, newClientId());
  } else {
    stopTyping();
    replies.add(selected, message, newClientId());
  }
  ui.input.value = "";
  renderConversation();
});
ui.input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    ui.reply.requestSubmit();
  } else if (event.key === "Escape") {
    // Out of the box, back to the list: the page's shortcuts work again.
    event.preventDefault();
    focusListItem(selected) || ui.input.blur();
  }
});
ui.log.addEventListener("click", (event) => {
  const button = event.target.closest("[data-retry]");
  if (button && replies.retry(button.dataset.retry)) renderConversation();
  const again = event.target.closest("[data-retry-upload]");
  if (again && uploads.retry(again.dataset.retryUpload)) renderConversation();
  const note = event.target.closest("[data-retry-note]");
  if (note && notes.retry(note.dataset.retryNote)) renderConversation();
});
ui.attach.addEventListener("click", () => ui.file.click());
ui.file.addEventListener("change", () => {
  upload([...ui.file.files]);
  ui.file.value = "";
});
ui.input.addEventListener("paste", (event) => {
  const images = [...(event.clipboardData?.files || [])].filter((file) => file.type.startsWith("image/"));
  if (!images.length) return;
  event.preventDefault();
  upload(images);
});
const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
ui.conversation.addEventListener("dragover", (event) => {
  if (!carriesFiles(event) || returnTo) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
  ui.dropHint.hidden = false;
});
ui.conversation.addEventListener("dragleave", (event) => {
  if (!ui.conversation.contains(event.relatedTarget)) ui.dropHint.hidden = true;
});
ui.conversation.addEventListener("drop", (event) => {
  ui.dropHint.hidden = true;
  if (!carriesFiles(event)) return;
  event.preventDefault();
  upload([...event.dataTransfer.files]);
});
ui.previous.addEventListener("click", (event) => {
  const button = event.target.closest("[data-previous-id]");
  if (button) select(button.dataset.previousId, returnTo || selected);
});
$("lc-readonly-back").addEventListener("click", () => returnTo && select(returnTo));
$("lc-ratings-open").addEventListener("click", () => {
  ui.ratings.showModal();
  askRatings();
});
$("lc-ratings-refresh").addEventListener("click", askRatings);
$("lc-ratings-close").addEventListener("click", () => ui.ratings.close());

function askRatings() {
  if (socket.send({ type: "ratings" })) ui.ratingsLoading.hidden = ui.ratingsTables.childElementCount > 0;
}

const emailPreference = new EmailPreference({
  select: $("lc-email-pref"),
  url: `${config.apiRoot}agent/preferences/`,
  onError: (reason) => showAlert(reason || t("preferenceNotSaved")),
});
emailPreference.load().then((shown) => ($("lc-email-pref-field").hidden = !shown));
ui.input.addEventListener("input", () => (ui.input.value ? typed() : stopTyping()));
ui.input.addEventListener("blur", stopTyping);
ui.assign.addEventListener("click", () => socket.send({ type: "assign", conversation_id: selected }));
ui.assignee.addEventListener("change", () => {
  if (selected) socket.send({ type: "assign", conversation_id: selected, agent_id: chosenAgent(ui.assignee.value) });
});
ui.labelChoices.addEventListener("change", () => {
  if (selected) socket.send(labelsFrame(selected, ui.labelChoices.querySelectorAll("input")));
});
ui.noteMode.addEventListener("click", () => {
  noteMode = !noteMode;
  if (noteMode) stopTyping();
  renderReplyBox();
  ui.input.focus();
});
ui.transcriptNotes.addEventListener("change", () => selected && renderConversation());
$("lc-notice-open").addEventListener("click", () => {
  ui.notice.hidden = true;
  if (noticeConversation) select(noticeConversation);
});
$("lc-notice-close").addEventListener("click", () => (ui.notice.hidden = true));
$("lc-keys-open").addEventListener("click", () => ui.keys.showModal());
$("lc-keys-close").addEventListener("click", () => ui.keys.close());
renderShortcuts($("lc-keys-list"), t);
renderShortcuts($("lc-keys-inline"), t);

// ---------------------------------------------------------------- the keyboard

function listItems() {
  return [...ui.list.querySelectorAll("[data-conversation-id]")];
}

function focusListItem(conversationId) {
  const item = conversationId && listItems().find((button) => button.dataset.conversationId === conversationId);
  if (!item || !item.offsetParent) return false; // not shown (a phone showing the conversation)
  item.focus();
  return true;
}

const keyActions = {
  next: () => moveFocus("next"),
  previous: () => moveFocus("previous"),
  reply: () => selected && !returnTo && ui.input.focus(),
  resolve: () => {
    const entry = selected && inbox.conversations.get(selected);
    if (entry && entry.status !== "resolved" && !returnTo) socket.send({ type: "resolve", conversation_id: selected });
  },
  assign: () => selected && !returnTo && socket.send({ type: "assign", conversation_id: selected }),
  search: () => search.focus(),
  help: () => ui.keys.showModal(),
};

function moveFocus(action) {
  if (ui.layout.dataset.view === "conversation" && phone.matches) backToList();
  const items = listItems();
  let current = items.indexOf(document.activeElement);
  if (current < 0) current = items.findIndex((button) => button.dataset.conversationId === selected);
  const next = moveIndex(current, items.length, action);
  if (next >= 0) items[next].focus();
}

listenForShortcuts(document, { list: ui.list, blocked: () => ui.keys.open || ui.ratings.open, actions: keyActions });
ui.resolve.addEventListener("click", () => socket.send({ type: "resolve", conversation_id: selected }));
ui.reopen.addEventListener("click", () => socket.send({ type: "reopen", conversation_id: selected }));
document.addEventListener("visibilitychange", markRead);
addEventListener("online", () => socket.nudge());

// With alerts on and several tabs open, the others say which one plays them.
function showAlertTab() {
  ui.notifyWhere.hidden = $("lc-notify").value === "off" || leader.isLeader();
}

leader.start();
setInterval(showAlertTab, 1000);
$("lc-notify").addEventListener("change", showAlertTab);
// The visitor's details are folded on a phone, where the conversation needs the room.
const phone = matchMedia("(max-width: 640px)");
ui.visitorBox.open = !phone.matches;
phone.addEventListener("change", () => (ui.visitorBox.open = !phone.matches));
if (wantedConversation()) ui.layout.dataset.view = "conversation";
socket.connect();
