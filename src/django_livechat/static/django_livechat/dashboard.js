/*! django_livechat agent dashboard. Built by js/dashboard/build.mjs from js/dashboard/: edit those. */
(() => {
"use strict";
// dashboard/elements.js
function el(tag, attributes = {}, ...children) {const node = document.createElement(tag);
for (const [name, value] of Object.entries(attributes)) {if (value === false || value === null || value === undefined) continue;
if (name === "className") node.className = value;
else if (name === "text") node.textContent = value;
else node.setAttribute(name, value === true ? "" : value);
}
node.append(...children.filter((child) => child !== null && child !== undefined));
return node;
}
function validDate(timestamp) {const date = new Date(timestamp);
return timestamp && !Number.isNaN(date.getTime()) ? date : null;
}

// dashboard/agents.js
class Agents {constructor() {this.byWebsite = new Map();
this.viewingSent = undefined;
}
update(event) {this.byWebsite.set(event.website_id, Array.isArray(event.agents) ? event.agents : []);
}
online(websiteId) {const lists = websiteId === undefined ? [...this.byWebsite.values()] : [this.byWebsite.get(websiteId) || []];
const found = new Map();
for (const agent of lists.flat()) if (!found.has(String(agent.user_id))) found.set(String(agent.user_id), agent);
return [...found.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));
}
viewers(conversationId, me) {const found = new Map();
for (const agent of [...this.byWebsite.values()].flat()) {if (String(agent.user_id) === String(me)) continue;
if ((agent.viewing || []).includes(conversationId)) found.set(String(agent.user_id), agent);
}
return [...found.values()];
}
viewingFrame(conversationId) {if (conversationId === this.viewingSent) return null;
return { type: "viewing", conversation_id: conversationId };
}
sentViewing(conversationId) {this.viewingSent = conversationId;
}
reset() {this.viewingSent = undefined;
this.byWebsite.clear();
}
}
function initials(name) {const words = String(name || "?").trim().split(/\s+/).filter(Boolean);
return (words.length > 1 ? words[0][0] + words[words.length - 1][0] : (words[0] || "?").slice(0, 2)).toUpperCase();
}
function avatars(agents, t) {if (!agents.length) return null;
const names = agents.map((agent) => agent.name).join(", ");
return el("span",{ className: "lc-viewers", title: t("viewingNow", { names }) },el("span", { className: "lc-visually-hidden", text: t("viewingNow", { names }) }),...agents.map((agent) => el("span", { className: "lc-avatar", "aria-hidden": "true", text: initials(agent.name) })),);
}
function renderOnline(list, agents, me, t) {const others = agents.filter((agent) => String(agent.user_id) !== String(me));
list.replaceChildren(...others.map((agent) =>
el("li",{ className: "lc-online-agent" },el("span", { className: "lc-avatar", "aria-hidden": "true", text: initials(agent.name) }),el("span", { text: agent.name }),),),);
return others.length;
}

// dashboard/assign.js
function assignFrame(conversationId, agentId) {const frame = { type: "assign", conversation_id: conversationId };
if (agentId !== undefined) frame.agent_id = agentId;
return frame;
}
function assigneeChoices(entry, agents, t) {const choices = [{ value: "", text: t("nobody") }];
const seen = new Set();
for (const agent of agents) {if (seen.has(String(agent.user_id))) continue;
seen.add(String(agent.user_id));
choices.push({ value: String(agent.user_id), text: agent.name });
}
const current = entry.assigned_agent;
if (current && !seen.has(String(current.user_id))) choices.push({ value: String(current.user_id), text: current.name });
return { choices, value: current ? String(current.user_id) : "" };
}
function renderAssignee(select, entry, agents, t) {const { choices, value } = assigneeChoices(entry, agents, t);
select.replaceChildren(...choices.map((choice) => el("option", { value: choice.value, text: choice.text })));
select.value = value;
}
function chosenAgent(value) {if (!value) return null;
return /^\d+$/.test(value) ? Number(value) : value;
}
function assignedNotice(event, visitor, t) {return event.by ? t("assignedYouBy", { name: event.by.name, visitor }) : t("assignedYouAuto", { visitor });
}

// dashboard/attachments.js
const FILE_LINK_REL = "noopener noreferrer";
const UNITS = ["B", "KB", "MB", "GB"];
function fileSize(bytes) {let value = Number(bytes) || 0;
let unit = 0;
while (value >= 1024 && unit < UNITS.length - 1) {value /= 1024;
unit += 1;
}
const digits = unit === 0 || value >= 10 ? 0 : 1;
return `${value.toFixed(digits)} ${UNITS[unit]}`;
}
function safeUrl(url) {if (typeof url !== "string" || !url) return null;
if (url.startsWith("/") && !url.startsWith("//")) return url;
return /^https?:\/\//i.test(url) ? url : null;
}
function renderAttachment(attachment, t) {const url = safeUrl(attachment.url);
const thumbnail = safeUrl(attachment.thumbnail_url);
const name = String(attachment.name || t("attachment"));
const size = fileSize(attachment.size);
if (attachment.is_image && thumbnail && url) {return el("a",{ className: "lc-attachment lc-attachment-image", href: url, target: "_blank", rel: FILE_LINK_REL, title: name },el("img", { src: thumbnail, alt: name, loading: "lazy" }),);
}
const label = [el("span", { className: "lc-attachment-name", text: name })," ",el("span", { className: "lc-attachment-size", text: size }),];
if (!url) return el("span", { className: "lc-attachment lc-attachment-file" }, ...label);
return el("a",{className: "lc-attachment lc-attachment-file",href: url,download: name,rel: FILE_LINK_REL,"aria-label": t("downloadFile", { name, size }),},...label,);
}
function renderUpload(item, t) {const node = el("li",{ className: `lc-msg lc-msg-agent lc-pending lc-upload${item.failed ? " lc-failed" : ""}` },el("div",{ className: "lc-msg-head" },el("span", { className: "lc-msg-author", text: item.name }),el("span", { className: "lc-msg-time", text: fileSize(item.size) }),),item.failed
? el("p",{ className: "lc-msg-error" },el("span", { text: item.error ? t("uploadFailedBecause", { reason: item.error }) : t("uploadFailed") })," ",el("button", { type: "button", "data-retry-upload": item.clientId, text: t("retry") }),)
: progressBar(item, t),);
node.dataset.upload = item.clientId;
return node;
}
function progressBar(item, t) {const fill = el("span", { className: "lc-progress-bar" });
fill.style.width = `${item.progress}%`;
return el("div",{className: "lc-progress",role: "progressbar","aria-valuemin": "0","aria-valuemax": "100","aria-valuenow": String(item.progress),"aria-label": t("uploading", { name: item.name }),},fill,);
}
function showProgress(node, item) {const bar = node.querySelector("[role=progressbar]");
if (!bar) return false;
bar.setAttribute("aria-valuenow", String(item.progress));
bar.firstChild.style.width = `${item.progress}%`;
return true;
}

// dashboard/bots.js
const STATE_KEYS = { bot: "botState", waiting: "waitingState" };
const HANDOFF_KEYS = { visitor: "handoffByVisitor", bot: "handoffByBot", agent: "handoffByAgent" };
class Streams {constructor() {this.byConversation = new Map();
}
update(event) {const id = event.conversation_id;
if (!this.byConversation.has(id)) this.byConversation.set(id, new Map());
const replies = this.byConversation.get(id);
const started = !replies.has(event.client_id);
replies.set(event.client_id, String(event.text ?? ""));
return started;
}
finish(message) {const replies = this.byConversation.get(message.conversation_id);
const found = Boolean(replies && replies.delete(message.client_id));
if (replies && !replies.size) this.byConversation.delete(message.conversation_id);
return found;
}
text(conversationId, clientId) {const replies = this.byConversation.get(conversationId);
return (replies && replies.get(clientId)) || "";
}
forConversation(conversationId) {const replies = this.byConversation.get(conversationId) || new Map();
return [...replies].map(([clientId, text]) => ({ clientId, text }));
}
}
function botStateText(entry, t) {const key = STATE_KEYS[entry.bot_state];
return key ? t(key) : "";
}
function botTag(entry, t) {const text = botStateText(entry, t);
if (!text) return null;
const tag = el("span", { className: `lc-tag lc-bot-${entry.bot_state}`, text });
tag.dataset.botState = entry.bot_state;
return tag;
}
function handoffNote(event, t) {return t(HANDOFF_KEYS[event.by] || "handoffByVisitor");
}

// dashboard/canned.js
const PLACEHOLDERS = ["visitor_name", "visitor_email", "agent_name", "website_name"];
const MAX_SHOWN = 12;
const TRIGGER = /^\/([\w-]*)$/; // "/" and what follows it, alone in the box
function fillPlaceholders(text, values = {}) {const known = new Set(PLACEHOLDERS);
return String(text).replace(/( ?)\{(\w+)\}( ?)/g, (whole, before, name, after) => {if (!known.has(name)) return whole;
const value = values[name] === null || values[name] === undefined ? "" : String(values[name]).trim();
if (value) return `${before}${value}${after}`;
return before && after ? " " : "";
});
}
function matchReplies(replies, query, websiteId) {const wanted = String(query || "").toLowerCase();
const usable = (replies || []).filter((reply) => !reply.website_id || reply.website_id === websiteId);
const starts = usable.filter((reply) => reply.shortcut.toLowerCase().startsWith(wanted));
const inside = usable.filter((reply) =>
!starts.includes(reply) &&
(reply.shortcut.toLowerCase().includes(wanted) || reply.text.toLowerCase().includes(wanted)),);
const byShortcut = (a, b) => a.shortcut.localeCompare(b.shortcut);
return [...starts.sort(byShortcut), ...inside.sort(byShortcut)].slice(0, MAX_SHOWN);
}
function pickerQuery(value) {const match = TRIGGER.exec(value);
return match ? match[1] : null;
}
class CannedPicker {constructor({ input, listbox, context, onInsert = () => {}, t }) {Object.assign(this, { input, listbox, context, onInsert, t });
this.replies = [];
this.shown = [];
this.active = -1;
input.setAttribute("aria-autocomplete", "list");
input.setAttribute("aria-controls", listbox.id);
input.addEventListener("input", () => this.update());
input.addEventListener("keydown", (event) => this.key(event));
input.addEventListener("blur", () => this.close());
listbox.addEventListener("mousedown", (event) => event.preventDefault());
listbox.addEventListener("click", (event) => {const option = event.target.closest("[data-index]");
if (option) this.insert(Number(option.dataset.index));
});
}
setReplies(replies) {this.replies = Array.isArray(replies) ? replies : [];
if (this.isOpen) this.update();
}
get isOpen() {return !this.listbox.hidden;
}
update() {const query = pickerQuery(this.input.value);
const context = this.context();
if (query === null || !context) return this.close();
this.shown = matchReplies(this.replies, query, context.websiteId);
this.active = this.shown.length ? 0 : -1;
this.render();
}
render() {const options = this.shown.map((reply, index) => {const option = el("li",{ role: "option", id: `${this.listbox.id}-${index}`, "aria-selected": String(index === this.active) },el("span", { className: "lc-canned-shortcut", text: `/${reply.shortcut}` }),el("span", { className: "lc-canned-text", text: reply.text }),reply.personal ? el("span", { className: "lc-tag", text: this.t("cannedPersonal") }) : null,);
option.dataset.index = String(index);
return option;
});
if (!options.length) options.push(el("li", { className: "lc-canned-none", text: this.t("cannedNone") }));
this.listbox.replaceChildren(...options);
this.listbox.hidden = false;
if (this.active >= 0) this.input.setAttribute("aria-activedescendant", `${this.listbox.id}-${this.active}`);
else this.input.removeAttribute("aria-activedescendant");
}
close() {this.listbox.hidden = true;
this.shown = [];
this.active = -1;
this.input.removeAttribute("aria-activedescendant");
}
key(event) {if (!this.isOpen) return;
const moves = { ArrowDown: 1, ArrowUp: -1 };
if (event.key in moves && this.shown.length) {this.active = (this.active + moves[event.key] + this.shown.length) % this.shown.length;
this.render();
} else if ((event.key === "Enter" || event.key === "Tab") && this.active >= 0) {this.insert(this.active);
} else if (event.key === "Escape") {this.close();
} else {return;
}
event.preventDefault();
event.stopImmediatePropagation();
}
insert(index) {const reply = this.shown[index];
const context = this.context();
if (!reply || !context) return;
this.input.value = fillPlaceholders(reply.text, context.values);
this.close();
this.input.focus();
this.onInsert(reply);
}
}

// dashboard/http.js
function csrfToken(doc = document) {const field = doc.querySelector("input[name=csrfmiddlewaretoken]");
return field ? field.value : "";
}
async function requestJson(method, url, body, { fetch = globalThis.fetch, token = csrfToken } = {}) {const headers = { Accept: "application/json" };
if (method !== "GET") headers["X-CSRFToken"] = token();
if (body !== undefined) headers["Content-Type"] = "application/json";
let response;
try {response = await fetch(url, {method,headers,credentials: "same-origin",body: body === undefined ? undefined : JSON.stringify(body),});
} catch {return { ok: false, status: 0, data: null };
}
let data = null;
try {data = await response.json();
} catch {data = null;
}
return { ok: response.ok, status: response.status, data };
}

// shared/messages.js
class MessageLog {constructor() {this.clear();
}
clear() {this.bySeq = new Map();
this.absent = new Set();
this.lastSeq = 0;
this.highest = 0;
}
add(message) {const seq = message && message.seq;
if (!Number.isInteger(seq) || seq < 1 || this.bySeq.has(seq)) return false;
this.bySeq.set(seq, message);
this.absent.delete(seq);
this.highest = Math.max(this.highest, seq);
this.advance();
return true;
}
addPage(afterSeq, messages) {const added = messages.filter((message) => this.add(message));
const top = messages.reduce((max, m) => (Number.isInteger(m.seq) ? Math.max(max, m.seq) : max), 0);
for (let seq = afterSeq + 1; seq < top; seq++) if (!this.bySeq.has(seq)) this.absent.add(seq);
this.advance();
return added;
}
advance() {this.lastSeq = this.contiguousFrom(this.lastSeq);
}
contiguousFrom(seq) {while (this.bySeq.has(seq + 1) || this.absent.has(seq + 1)) seq++;
return seq;
}
has(seq) {return this.bySeq.has(seq);
}
repliesAfter(seq) {let count = 0;
for (const [s, message] of this.bySeq) if (s > seq && message.role !== "user") count++;
return count;
}
list() {return [...this.bySeq.keys()].sort((a, b) => a - b).map((seq) => this.bySeq.get(seq));
}
}

// dashboard/inbox.js
const STATUS_ORDER = { open: 0, resolved: 1 };
class Inbox {constructor() {this.me = null;
this.conversations = new Map();
this.logs = new Map();
this.reported = new Map(); // conversation_id -> the last_seq the server's entries said
this.typing = new Map();
}
upsert(entry) {const id = entry.conversation_id;
this.reported.set(id, Math.max(this.reported.get(id) || 0, entry.last_seq || 0));
const known = this.conversations.get(entry.conversation_id) || {};
const merged = { ...known, ...entry };
if (known.last_message && (!entry.last_message || known.last_message.seq > entry.last_message.seq)) {merged.last_message = known.last_message;
merged.last_seq = Math.max(known.last_seq || 0, entry.last_seq || 0);
merged.last_message_at = known.last_message_at;
}
this.conversations.set(entry.conversation_id, merged);
return merged;
}
replaceAll(entries) {const fresh = new Set(entries.map((e) => e.conversation_id));
for (const id of this.conversations.keys()) {if (!fresh.has(id)) this.conversations.delete(id);
}
this.merge(entries);
}
merge(entries) {entries.forEach((entry) => this.upsert(entry));
}
log(conversationId) {if (!this.logs.has(conversationId)) this.logs.set(conversationId, new MessageLog());
return this.logs.get(conversationId);
}
addMessage(message) {const id = message.conversation_id;
if (!this.log(id).add(message)) return false;
const entry = this.conversations.get(id);
if (entry) {if (!entry.last_message || message.seq >= entry.last_message.seq) {entry.last_message = message;
entry.last_seq = message.seq;
entry.last_message_at = message.timestamp;
}
if (message.role === "agent" && entry.bot_state) entry.bot_state = "agent";
if (message.role === "user" && message.seq > (entry.last_read_seq || 0) && !message.fromHistory) {entry.unread = (entry.unread || 0) + 1;
}
}
return true;
}
handoff(event) {const entry = this.conversations.get(event.conversation_id);
if (!entry) return undefined;
entry.handoff_at = event.handoff_at || entry.handoff_at;
if (entry.bot_state !== "agent") entry.bot_state = "waiting";
return entry;
}
addHistory(conversationId, messages) {const log = this.log(conversationId);
const afterSeq = log.lastSeq;
messages.forEach((m) => this.addMessage({ ...m, fromHistory: true }));
log.addPage(afterSeq, messages);
return this.thread(conversationId);
}
thread(conversationId) {return this.logs.has(conversationId) ? this.logs.get(conversationId).list() : [];
}
lastSeq(conversationId) {return this.logs.has(conversationId) ? this.logs.get(conversationId).lastSeq : 0;
}
highest(conversationId) {return this.logs.has(conversationId) ? this.logs.get(conversationId).highest : 0;
}
held(conversationId, wholeThread) {const log = this.log(conversationId);
if (wholeThread) return log.lastSeq;
return log.contiguousFrom(Math.max(log.lastSeq, this.reported.get(conversationId) || 0));
}
read(event) {const entry = this.conversations.get(event.conversation_id);
if (!entry) return;
entry.last_read_seq = Math.max(entry.last_read_seq || 0, event.last_read_seq);
entry.unread = event.unread;
}
totalUnread() {let total = 0;
for (const entry of this.conversations.values()) total += entry.unread || 0;
return total;
}
sorted(filter) {const me = this.me && this.me.user_id;
const activity = (e) => Date.parse(e.last_message_at || "") || 0;
return [...this.conversations.values()]
.filter((e) => {if (filter === "open" || filter === "resolved") return e.status === filter;
if (filter === "mine") return e.assigned_agent && e.assigned_agent.user_id === me;
return true;
})
.sort((a, b) =>
(STATUS_ORDER[a.status] ?? 2) - (STATUS_ORDER[b.status] ?? 2) ||
activity(b) - activity(a) ||
Date.parse(b.created_at) - Date.parse(a.created_at),);
}
setTyping(event, timeoutMs) {const id = event.conversation_id;
if (!this.typing.has(id)) this.typing.set(id, new Map());
const agent = event.by || event.agent || null;
if (agent && this.me && String(agent.user_id) === String(this.me.user_id)) return;
const who = agent ? `agent:${agent.user_id}` : event.role;
const people = this.typing.get(id);
if (event.is_typing) {people.set(who, { role: event.role, name: agent ? agent.name : "", until: Date.now() + timeoutMs });
} else {people.delete(who);
}
}
typists(conversationId) {const people = this.typing.get(conversationId);
if (!people) return [];
const now = Date.now();
for (const [who, typist] of people) if (typist.until < now) people.delete(who);
return [...people.values()];
}
}

// dashboard/keys.js
const SHORTCUTS = [{ keys: ["j", "ArrowDown"], action: "next" },{ keys: ["k", "ArrowUp"], action: "previous" },{ keys: ["Enter"], action: "open" },{ keys: ["r"], action: "reply" },{ keys: ["e"], action: "resolve" },{ keys: ["a"], action: "assign" },{ keys: ["/"], action: "search" },{ keys: ["?"], action: "help" },];
const LABEL_KEYS = {next: "keyNext",previous: "keyPrevious",open: "keyOpen",reply: "keyReply",resolve: "keyResolve",assign: "keyAssign",search: "keySearch",help: "keyHelp",};
const KEY_NAMES = { ArrowDown: "↓", ArrowUp: "↑" };
const ARROWS = new Set(["ArrowDown", "ArrowUp"]);
function typingIn(target) {if (!target || !target.tagName) return false;
const tag = target.tagName.toUpperCase();
return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable === true;
}
function keyAction(event, { inList = false } = {}) {if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return null;
if (typingIn(event.target)) return null;
if (ARROWS.has(event.key) && !inList) return null;
if (event.key === "Enter") return null;
const shortcut = SHORTCUTS.find((item) => item.keys.includes(event.key));
return shortcut ? shortcut.action : null;
}
function listenForShortcuts(doc, { list, blocked, actions }) {doc.addEventListener("keydown", (event) => {if (blocked()) return;
const inList = list.contains(event.target) || event.target === doc.body;
const action = keyAction(event, { inList });
if (!action || !actions[action]) return;
event.preventDefault();
actions[action]();
});
}
function moveIndex(current, count, action) {if (!count) return -1;
if (current < 0) return action === "previous" ? count - 1 : 0;
return Math.max(0, Math.min(count - 1, current + (action === "previous" ? -1 : 1)));
}
function renderShortcuts(dl, t) {const rows = [];
for (const shortcut of SHORTCUTS) {const keys = shortcut.keys.map((key) => el("kbd", { text: KEY_NAMES[key] || key }));
const joined = keys.flatMap((kbd, index) => (index ? [" ", t("keyOr"), " ", kbd] : [kbd]));
rows.push(el("dt", {}, ...joined), el("dd", { text: t(LABEL_KEYS[shortcut.action]) }));
}
dl.replaceChildren(...rows);
}

// dashboard/labels.js
const COLOR = /^#[0-9a-fA-F]{6}$/;
function labelChip(label) {const dot = COLOR.test(label.color || "") ? el("span", { className: "lc-label-dot", "aria-hidden": "true" }) : null;
if (dot) dot.style.background = label.color;
const chip = el("span", { className: "lc-label" }, dot, el("span", { text: label.name }));
chip.dataset.labelId = String(label.id);
return chip;
}
function renderChips(container, labels) {container.replaceChildren(...(labels || []).map(labelChip));
container.hidden = !(labels || []).length;
}
function labelsByWebsite(websites) {const found = new Map();
for (const site of Array.isArray(websites) ? websites : []) {if (site && site.website_id) found.set(site.website_id, Array.isArray(site.labels) ? site.labels : []);
}
return found;
}
function renderLabelPicker(fieldset, websiteLabels, entry) {const has = new Set((entry.labels || []).map((label) => String(label.id)));
const boxes = websiteLabels.map((label) => {const box = el("input", { type: "checkbox", value: String(label.id), checked: has.has(String(label.id)) });
return el("label", { className: "lc-label-choice" }, box, labelChip(label));
});
fieldset.replaceChildren(...[...fieldset.children].filter((child) => child.tagName === "LEGEND"), ...boxes);
return websiteLabels.length;
}
function labelsFrame(conversationId, boxes) {const ids = [...boxes].filter((box) => box.checked).map((box) => box.value);
return { type: "labels", conversation_id: conversationId, labels: ids.map((id) => (/^\d+$/.test(id) ? Number(id) : id)) };
}
const NO_FILTERS = { status: "all", label: "", assignee: "anyone", website: "" };
function filteredRequest(filters) {const { status, label, assignee, website } = { ...NO_FILTERS, ...filters };
const frame = { type: "conversations" };
if (status === "open" || status === "resolved") frame.status = status;
if (label && /^\d+$/.test(String(label))) frame.label = Number(label);
if (assignee && assignee !== "anyone") frame.assignee = assignee;
if (website) frame.website_id = website;
return Object.keys(frame).length > 1 ? frame : null;
}
function passes(entry, filters, me) {const { status, label, assignee, website } = { ...NO_FILTERS, ...filters };
if ((status === "open" || status === "resolved") && entry.status !== status) return false;
if (status === "waiting" && (entry.bot_state !== "waiting" || entry.status === "resolved")) return false;
if (website && entry.website_id !== website) return false;
if (label && !(entry.labels || []).some((item) => String(item.id) === String(label))) return false;
const assigned = entry.assigned_agent ? String(entry.assigned_agent.user_id) : null;
if (assignee === "me") return assigned !== null && assigned === String(me);
if (assignee === "none") return assigned === null;
if (assignee !== "anyone" && assignee) return assigned === String(assignee);
return true;
}
function filterChoices({ websites, labels, agents, me }) {const several = websites.length > 1;
const labelOptions = [];
for (const site of websites) {for (const label of labels.get(site.website_id) || []) {labelOptions.push({ value: String(label.id), text: several ? `${label.name} (${site.name})` : label.name });
}
}
const agentOptions = agents
.filter((agent) => String(agent.user_id) !== String(me))
.map((agent) => ({ value: String(agent.user_id), text: agent.name }));
const websiteOptions = websites.map((site) => ({ value: site.website_id, text: site.name }));
return { labelOptions, agentOptions, websiteOptions };
}
function fillSelect(select, keep, options) {const current = select.value;
const fixed = [...select.children].slice(0, keep);
const shown = [...select.children].slice(keep).map((option) => `${option.value}\n${option.textContent}`);
const wanted = options.map((option) => `${option.value}\n${option.text}`);
if (shown.join("\n\n") === wanted.join("\n\n")) return;
const added = options.map((option) => el("option", { value: option.value, text: option.text }));
select.replaceChildren(...fixed, ...added);
select.value = [...fixed, ...added].some((option) => option.value === current) ? current : fixed[0].value;
}

// shared/linkify.js
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"\]}*_]$/;
function trimUrl(url) {for (;;) {if (TRAILING.test(url)) url = url.slice(0, -1);
else if (url.endsWith(")") && url.split("(").length < url.split(")").length) url = url.slice(0, -1);
else return url;
}
}
function safeHref(candidate) {try {const url = new URL(candidate);
return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
} catch {return null;
}
}
function linkify(text) {const parts = [];
let at = 0;
for (const match of String(text).matchAll(URL_PATTERN)) {const url = trimUrl(match[0]);
const href = safeHref(url);
if (!href) continue;
if (match.index > at) parts.push({ text: text.slice(at, match.index) });
parts.push({ text: url, href });
at = match.index + url.length;
}
if (at < text.length) parts.push({ text: text.slice(at) });
return parts;
}

// dashboard/visitorpanel.js
const STARS = 5;
function contactOf(entry) {const meta = entry.metadata || {};
const pick = (own, fromMeta) => (typeof own === "string" && own ? own : typeof fromMeta === "string" ? fromMeta : "");
return { name: pick(entry.visitor_name, meta.name), email: pick(entry.visitor_email, meta.email) };
}
function answerText(value, t) {if (typeof value === "boolean") return t(value ? "yes" : "no");
if (Array.isArray(value)) return value.map(String).join(", ");
if (value === null || value === undefined || typeof value === "object") return "";
return String(value);
}
function prechatRows(entry, t) {const prechat = entry.prechat && typeof entry.prechat === "object" ? entry.prechat : {};
const answers = prechat.fields && typeof prechat.fields === "object" ? prechat.fields : prechat;
const definitions = Array.isArray(entry.prechat_fields) ? entry.prechat_fields : [];
const labels = new Map(definitions.filter((f) => f && f.name).map((f) => [f.name, f.label || f.name]));
const rows = [];
for (const [name, value] of Object.entries(answers)) {if (name === "consent_at" || name === "consent" || name === "fields") continue;
const text = answerText(value, t);
if (text) rows.push([`prechat-${name}`, labels.get(name) || name, text]);
}
const consent = validDate(prechat.consent_at);
if (consent) rows.push(["consent", t("detailConsent"), t("consentGiven", { time: consent.toLocaleString() })]);
return rows;
}
function stars(rating) {const full = Math.max(0, Math.min(STARS, Math.round(Number(rating) || 0)));
return "★".repeat(full) + "☆".repeat(STARS - full);
}
function ratingNodes(rating, t) {const picture = el("span", { className: "lc-stars", "aria-hidden": "true", text: stars(rating) });
return [picture, " ", t("ratingValue", { rating })];
}
function ratingRows(entry, t) {if (!Number.isInteger(entry.rating)) return [];
const rows = [["rating", t("detailRating"), entry.rating]];
if (entry.rating_comment) rows.push(["rating-comment", t("detailRatingComment"), String(entry.rating_comment)]);
return rows;
}
function renderPrevious(list, previous, t) {const items = (Array.isArray(previous) ? previous : []).map((earlier) => {const started = validDate(earlier.created_at);
const last = earlier.last_message;
const lastText = last ? String(last.message || (last.attachment && last.attachment.name) || "") : "";
const when = started ? started.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" }) : "";
const status = t(earlier.status === "resolved" ? "resolved" : "open");
const rated = Number.isInteger(earlier.rating) ? t("ratingValue", { rating: earlier.rating }) : null;
const button = el("button",{ type: "button", className: "lc-previous-item" },el("span",{ className: "lc-previous-top" },el("time", { datetime: started ? started.toISOString() : null, text: when }),el("span", { className: "lc-tag", text: status }),rated
? el("span",{ className: "lc-tag lc-rating", title: rated },el("span", { "aria-hidden": "true", text: "★ " }),String(earlier.rating),)
: null,),el("span", { className: "lc-previous-preview", text: lastText || t("noMessages") }),);
const label = [t("openEarlier", { date: when }), status, rated, lastText].filter(Boolean).join(", ");
button.setAttribute("aria-label", label);
button.dataset.previousId = String(earlier.conversation_id);
return el("li", {}, button);
});
list.replaceChildren(...items);
return items.length;
}

// dashboard/view.js
const ROLE_KEYS = { user: "roleVisitor", assistant: "roleAssistant", agent: "roleAgent", system: "roleSystem" };
const LINK_REL = "noopener noreferrer nofollow";
const EMAIL = /^[^\s@?&#<>"]+@[^\s@?&#<>"]+$/;
function time(timestamp, now = new Date()) {const date = validDate(timestamp);
if (!date) return "";
return date.toDateString() === now.toDateString()
? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
: date.toLocaleDateString([], { month: "short", day: "numeric" });
}
function messageTime(timestamp, now = new Date()) {const date = validDate(timestamp);
if (!date) return null;
const clock = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const short =
date.toDateString() === now.toDateString()
? clock
: `${date.toLocaleDateString([], { month: "short", day: "numeric" })} ${clock}`;
return { short, full: date.toLocaleString([], { dateStyle: "full", timeStyle: "medium" }), iso: date.toISOString() };
}
function visitorName(entry, t) {const { name } = contactOf(entry);
return name || entry.visitor_identifier || t("visitorNumbered", { id: entry.conversation_id.slice(0, 8) });
}
function roleName(role, t) {return ROLE_KEYS[role] ? t(ROLE_KEYS[role]) : role;
}
function preview(entry, typists, t) {if (typists.some((typist) => typist.role === "user")) return t("typingPreview");
const last = entry.last_message;
if (!last) return t("noMessages");
const text = last.message || (last.attachment && last.attachment.name) || "";
if (last.role === "user") return text;
return t("previewFrom", { name: last.sender_name || roleName(last.role, t), message: text });
}
function rated(entry) {return entry.status === "resolved" && Number.isInteger(entry.rating);
}
function renderList(list, entries, { selected, typistsOf, t, viewersOf = () => null, chips = () => null }) {const items = entries.map((entry) => {const unread = entry.unread || 0;
const name = visitorName(entry, t);
const label = [name,entry.visitor_identifier && entry.visitor_identifier !== name ? entry.visitor_identifier : null,entry.status === "resolved" ? t("resolved") : null,botStateText(entry, t) || null,rated(entry) ? t("ratedLabel", { rating: entry.rating }) : null,unread ? t("unreadCount", { count: unread }) : null,]
.filter(Boolean)
.join(", ");
const button = el("button",{type: "button",className: "lc-item","aria-current": entry.conversation_id === selected ? "true" : null,"aria-label": label,"data-status": entry.status,},el("span",{ className: "lc-item-top" },el("span", { className: "lc-item-name", text: name }),el("time", { className: "lc-item-time", text: time(entry.last_message_at || entry.created_at) }),),el("span",{ className: "lc-item-bottom" },el("span", { className: "lc-item-preview", text: preview(entry, typistsOf(entry.conversation_id), t) }),unread ? el("span", { className: "lc-badge lc-unread", text: String(unread) }) : null,),el("span",{ className: "lc-item-meta" },el("span", { text: entry.website_name || "" }),entry.status === "resolved" ? el("span", { className: "lc-tag", text: t("resolved") }) : null,botTag(entry, t),entry.assigned_agent ? el("span", { className: "lc-tag", text: entry.assigned_agent.name }) : null,rated(entry) ? el("span", { className: "lc-tag lc-rating", text: `★ ${entry.rating}` }) : null,viewersOf(entry.conversation_id),),entry.labels && entry.labels.length ? el("span", { className: "lc-item-labels" }, ...chips(entry.labels)) : null,);
button.dataset.conversationId = entry.conversation_id;
return el("li", {}, button);
});
list.replaceChildren(...items);
}
function messageText(text) {return linkify(String(text ?? "")).map((part) =>
part.href
? el("a", { href: part.href, rel: LINK_REL, target: "_blank", text: part.text })
: document.createTextNode(part.text),);
}
function stamp(message, { pending, failed }, t) {if (pending) return el("span", { className: "lc-msg-time", text: t(failed ? "notSent" : "sending") });
const when = messageTime(message.timestamp);
if (!when) return null;
return el("time", { className: "lc-msg-time", datetime: when.iso, title: when.full, text: when.short });
}
function notSentLine(error, retryData, t) {return el("p",{ className: "lc-msg-error" },el("span", { text: error ? t("notSentBecause", { reason: error }) : t("notSent") })," ",el("button", { type: "button", ...retryData, text: t("retry") }),);
}
function renderMessage(message, { pending = false, failed = false, error = "", t }) {const author = message.role === "agent" ? message.sender_name || t("roleAgent") : roleName(message.role, t);
const item = el("li",{ className: `lc-msg lc-msg-${message.role}${pending ? " lc-pending" : ""}${failed ? " lc-failed" : ""}` },el("div",{ className: "lc-msg-head" },el("span", { className: "lc-msg-author", text: author }),stamp(message, { pending, failed }, t),),message.message ? el("p", { className: "lc-msg-text" }, ...messageText(message.message)) : null,message.attachment && typeof message.attachment === "object" ? renderAttachment(message.attachment, t) : null,failed ? notSentLine(error, { "data-retry": message.client_id }, t) : null,);
if (message.seq) item.dataset.seq = String(message.seq);
if (message.client_id) item.dataset.clientId = message.client_id;
return item;
}
function renderStream(item, t) {const node = el("li",{ className: "lc-msg lc-msg-assistant lc-streaming", "aria-busy": "true" },el("div",{ className: "lc-msg-head" },el("span", { className: "lc-msg-author", text: t("roleAssistant") }),el("span", { className: "lc-msg-time", text: t("botWriting") }),),el("p", { className: "lc-msg-text" }, ...messageText(item.text)),);
node.dataset.stream = item.clientId;
return node;
}
function showStream(messages, item, t) {let node = [...messages.children].find((n) => n.dataset.stream === item.clientId);
if (node) node.children[1].replaceChildren(...messageText(item.text));
else messages.append((node = renderStream(item, t)));
return node;
}
function renderNote(text) {return el("li", { className: "lc-note", text });
}
function browserName(userAgent, t) {if (!userAgent) return "";
const browser = [["Edge", /Edg\/(\d+)/],["Opera", /OPR\/(\d+)/],["Firefox", /Firefox\/(\d+)/],["Chrome", /Chrome\/(\d+)/],["Safari", /Version\/(\d+)[\d.]* .*Safari/],].find(([, pattern]) => pattern.test(userAgent));
if (!browser) return userAgent;
const system = [["Android", /Android/],["iOS", /iPhone|iPad/],["Windows", /Windows/],["macOS", /Mac OS X/],["Linux", /Linux/],].find(([, pattern]) => pattern.test(userAgent));
const name = `${browser[0]} ${browser[1].exec(userAgent)[1]}`;
return system ? t("browserOn", { browser: name, system: system[0] }) : name;
}
const EXTRA_KEYS = { title: "detailPageTitle", language: "detailLanguage" };
const KNOWN = new Set(["name", "email", "page", "browser", "user_agent", "identity_verified"]);
function identity(entry, meta, t) {if (!entry.visitor_identifier) return t("notIdentified");
return t(meta.identity_verified ? "verified" : "notVerified");
}
function renderDetails(dl, entry, t) {const meta = entry.metadata || {};
const contact = contactOf(entry);
const started = validDate(entry.created_at);
const rows = [["name", t("detailName"), contact.name],["identifier", t("detailIdentifier"), entry.visitor_identifier || t("anonymous")],["email", t("detailEmail"), contact.email],["identity", t("detailIdentity"), identity(entry, meta, t)],["page", t("detailPage"), meta.page],["browser", t("detailBrowser"), browserName(meta.browser || meta.user_agent, t)],["website", t("detailWebsite"), entry.website_name],["started", t("detailStarted"), started ? started.toLocaleString() : ""],["status", t("detailStatus"), t(entry.status === "resolved" ? "resolved" : "open")],["assigned", t("detailAssignedTo"), entry.assigned_agent ? entry.assigned_agent.name : t("nobody")],...ratingRows(entry, t),...prechatRows(entry, t),];
for (const [key, value] of Object.entries(meta)) {if (!KNOWN.has(key) && value !== null && typeof value !== "object") {rows.push([key, EXTRA_KEYS[key] ? t(EXTRA_KEYS[key]) : key, String(value)]);
}
}
const nodes = [];
for (const [key, term, value] of rows) {if (value === undefined || value === null || value === "") continue;
const dd = el("dd", {}, ...detailValue(key, value, t));
dd.dataset.detail = key;
if (key === "identity") dd.dataset.verified = String(Boolean(meta.identity_verified));
if (key === "browser" && meta.browser) dd.title = String(meta.browser);
nodes.push(el("dt", { text: term }), dd);
}
dl.replaceChildren(...nodes);
}
function detailValue(key, value, t) {if (key === "page") return messageText(value);
if (key === "rating") return ratingNodes(value, t);
if (key === "email" && EMAIL.test(value)) return [el("a", { href: `mailto:${value}`, text: String(value) })];
return [String(value)];
}
function typingText(typists, t) {if (!typists.length) return "";
if (typists.length === 1 && typists[0].role === "agent" && typists[0].name) {return t("typingReply", { name: typists[0].name });
}
const names = typists.map((typist) => {if (typist.role === "user") return t("theVisitor");
return typist.name || t("theAutomaticReply");
});
if (names.length === 1) return t("typingOne", { name: names[0] });
return t("typingMany", { names: names.slice(0, -1).join(", "), last: names[names.length - 1] });
}
function renderAvailability(list, websites, t) {const known = (Array.isArray(websites) ? websites : []).filter((site) => site && site.availability && typeof site.availability.open === "boolean",);
list.replaceChildren(...known.map((site) => {const open = site.availability.open;
const text = t(open ? "websiteOpen" : "websiteClosed", { name: site.name });
const item = el("li", { className: "lc-hours-item", text });
item.dataset.open = String(open);
return item;
}),);
return known.length;
}

// dashboard/notes.js
class Notes {constructor({ send }) {this.send = send;
this.stored = new Map();
this.pending = new Map();
this.asked = new Set();
}
request(conversationId) {if (this.asked.has(conversationId)) return;
if (this.send({ type: "notes", conversation_id: conversationId })) this.asked.add(conversationId);
}
add(conversationId, text, clientId) {const item = { clientId, conversationId, text, failed: false, error: "" };
this.pending.set(clientId, item);
this.send({ type: "note", conversation_id: conversationId, text, client_id: clientId });
return item;
}
received(note) {if (!note || !note.id) return;
const id = note.conversation_id;
if (!this.stored.has(id)) this.stored.set(id, new Map());
this.stored.get(id).set(note.id, note);
if (note.client_id) this.pending.delete(note.client_id);
}
loaded(event) {for (const note of event.notes || []) this.received({ ...note, conversation_id: event.conversation_id });
}
refused(event) {const item = event.client_id && this.pending.get(event.client_id);
if (!item) return undefined;
item.failed = true;
item.error = event.message || event.code;
return item;
}
retry(clientId) {const item = this.pending.get(clientId);
if (!item || !item.failed) return undefined;
item.failed = false;
item.error = "";
this.send({ type: "note", conversation_id: item.conversationId, text: item.text, client_id: clientId });
return item;
}
reconnected() {this.asked.clear();
for (const item of this.pending.values()) {if (!item.failed) {this.send({ type: "note", conversation_id: item.conversationId, text: item.text, client_id: item.clientId });
}
}
}
forConversation(conversationId) {const notes = [...(this.stored.get(conversationId) || new Map()).values()];
return notes.sort((a, b) => (Date.parse(a.created_at) || 0) - (Date.parse(b.created_at) || 0));
}
pendingFor(conversationId) {return [...this.pending.values()].filter((item) => item.conversationId === conversationId);
}
}
function renderPrivateNote(note, { t, pending = false, failed = false, error = "" }) {const when = pending ? null : messageTime(note.created_at);
const item = el("li",{ className: `lc-private-note${pending ? " lc-pending" : ""}${failed ? " lc-failed" : ""}` },el("p", { className: "lc-private-label", text: t("privateNoteLabel") }),el("div",{ className: "lc-msg-head" },el("span", { className: "lc-msg-author", text: (note.author && note.author.name) || t("roleAgent") }),when
? el("time", { className: "lc-msg-time", datetime: when.iso, title: when.full, text: when.short })
: el("span", { className: "lc-msg-time", text: t(failed ? "notSent" : "sending") }),),el("p", { className: "lc-msg-text" }, ...messageText(note.text)),failed ? notSentLine(error, { "data-retry-note": note.client_id }, t) : null,);
if (note.id) item.dataset.noteId = note.id;
const date = validDate(note.created_at);
if (date) item.dataset.time = String(date.getTime());
return item;
}

// dashboard/notify.js
const CHANNEL = "django-livechat-dashboard";
const HEARTBEAT_MS = 2000;
const FORGET_MS = 5000;
const PREFERENCE_KEY = "django-livechat-dashboard-notify";
class TabLeader {constructor() {this.id = Math.random().toString(36).slice(2);
this.born = Date.now();
this.peers = new Map();
this.channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;
}
start() {if (!this.channel) return;
const hello = () => this.channel.postMessage({ type: "hello", id: this.id, born: this.born });
this.channel.onmessage = ({ data }) => {if (!data || data.id === this.id) return;
if (data.type === "hello") {const known = this.peers.has(data.id);
this.peers.set(data.id, { born: data.born, seen: Date.now() });
if (!known) hello();
}
if (data.type === "bye") this.peers.delete(data.id);
};
hello();
setInterval(hello, HEARTBEAT_MS);
addEventListener("pagehide", () => this.channel.postMessage({ type: "bye", id: this.id }));
}
isLeader() {const now = Date.now();
for (const [id, peer] of this.peers) {if (now - peer.seen > FORGET_MS) this.peers.delete(id);
else if (peer.born < this.born || (peer.born === this.born && id < this.id)) return false;
}
return true;
}
}
class Notifier {constructor(select, leader, t) {this.select = select;
this.leader = leader;
this.t = t;
this.audio = null;
try {select.value = localStorage.getItem(PREFERENCE_KEY) || "off";
} catch {select.value = "off";
}
select.addEventListener("change", () => this.choose(select.value));
}
choose(value) {try {localStorage.setItem(PREFERENCE_KEY, value);
} catch {}
if (value === "desktop" && "Notification" in window && Notification.permission === "default") {Notification.requestPermission();
}
if (value === "sound") this.beep();
}
newConversation(entry) {const mode = this.select.value;
if (mode === "off" || !this.leader.isLeader()) return;
const who = entry.visitor_identifier || this.t("aVisitor");
if (mode === "desktop" && "Notification" in window && Notification.permission === "granted") {const note = new Notification(this.t("newConversation"), {body: this.t("newConversationOn", { visitor: who, website: entry.website_name }),tag: entry.conversation_id,});
note.onclick = () => {window.focus();
location.hash = `conversation=${entry.conversation_id}`;
};
return;
}
this.beep();
}
beep() {const Context = window.AudioContext || window.webkitAudioContext;
if (!Context) return;
this.audio = this.audio || new Context();
const oscillator = this.audio.createOscillator();
const gain = this.audio.createGain();
oscillator.frequency.value = 880;
gain.gain.setValueAtTime(0.15, this.audio.currentTime);
gain.gain.exponentialRampToValueAtTime(0.001, this.audio.currentTime + 0.4);
oscillator.connect(gain).connect(this.audio.destination);
oscillator.start();
oscillator.stop(this.audio.currentTime + 0.4);
}
}

// dashboard/preferences.js
const CHOICES = new Set(["off", "immediate", "daily"]);
class EmailPreference {constructor({ select, url, onError, request = requestJson }) {Object.assign(this, { select, url, onError, request });
this.saved = null;
select.disabled = true;
select.addEventListener("change", () => this.choose(select.value));
}
async load() {const answer = await this.request("GET", this.url);
const value = answer.ok && answer.data ? answer.data.email_notifications : undefined;
if (!CHOICES.has(value)) return false;
this.saved = value;
this.select.value = value;
this.select.disabled = false;
return true;
}
async choose(value) {if (!CHOICES.has(value) || value === this.saved) return;
this.select.disabled = true;
const answer = await this.request("PUT", this.url, { email_notifications: value });
this.select.disabled = false;
if (answer.ok) {const stored = answer.data && answer.data.email_notifications;
this.saved = CHOICES.has(stored) ? stored : value;
this.select.value = this.saved;
return;
}
this.select.value = this.saved;
this.onError(answer.data && (answer.data.message || answer.data.code));
}
}

// dashboard/ratings.js
function averageText(average, count, locale) {if (!count || typeof average !== "number" || Number.isNaN(average)) return "–";
return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(average);
}
function table(caption, rows, t, locale) {const head = el("tr",{},el("th", { scope: "col", text: t("ratingsName") }),el("th", { scope: "col", text: t("ratingsAverage") }),el("th", { scope: "col", text: t("ratingsCount") }),);
const body = rows.map((row) =>
el("tr",{},el("th", { scope: "row", text: String(row.name ?? "") }),el("td", { text: averageText(row.average, row.count, locale) }),el("td", { text: String(row.count || 0) }),),);
if (!body.length) body.push(el("tr", {}, el("td", { colspan: "3", text: t("ratingsNone") })));
return el("table",{ className: "lc-ratings-table" },el("caption", { text: caption }),el("thead", {}, head),el("tbody", {}, ...body),);
}
function renderRatings(container, frame, t, locale) {const websites = Array.isArray(frame.websites) ? frame.websites : [];
const agents = Array.isArray(frame.agents) ? frame.agents : [];
container.replaceChildren(table(t("ratingsByWebsite"), websites, t, locale),table(t("ratingsByAgent"), agents, t, locale),);
}

// shared/backoff.js
const MAX_DELAY = 30;
function backoffDelay(attempt, baseDelay, random = Math.random, maxDelay = MAX_DELAY) {const ceiling = Math.max(baseDelay, Math.min(maxDelay, baseDelay * 2 ** attempt));
return ceiling / 2 + (random() * ceiling) / 2;
}
class Backoff {constructor({ baseDelay, maxRetries, random = Math.random, maxDelay = MAX_DELAY }) {Object.assign(this, { baseDelay, maxRetries, random, maxDelay });
this.attempt = 0;
}
get exhausted() {return this.attempt >= this.maxRetries;
}
next() {if (this.exhausted) return null;
return backoffDelay(this.attempt++, this.baseDelay, this.random, this.maxDelay);
}
reset() {this.attempt = 0;
}
}
function probeDelay(random = Math.random, maxDelay = MAX_DELAY) {return maxDelay * (1 + random());
}

// dashboard/replies.js
const LATER = new Set(["UNAVAILABLE", "RATE_LIMITED"]);
const RETRY_BASE = 2; // seconds: the first retry's delay when the server names none
class Replies {constructor({ send, env }) {Object.assign(this, { send, env });
this.items = new Map();
}
add(conversationId, message, clientId) {const backoff = new Backoff({ baseDelay: RETRY_BASE, maxRetries: Infinity, random: this.env.random || Math.random });
const item = { clientId, conversationId, message, failed: false, error: "", timer: null, backoff };
this.items.set(clientId, item);
this.deliver(item);
return item;
}
deliver(item) {const { conversationId, message, clientId } = item;
this.send({ type: "agent_message", conversation_id: conversationId, message, client_id: clientId });
}
resend() {for (const item of this.items.values()) if (!item.failed && item.timer === null) this.deliver(item);
}
confirm(messages) {for (const message of messages) {const item = message.client_id && this.items.get(message.client_id);
if (!item) continue;
this.env.clearTimeout(item.timer);
this.items.delete(message.client_id);
}
}
refused(event) {const item = this.items.get(event.client_id);
if (!item) return undefined;
if (LATER.has(event.code)) {this.env.clearTimeout(item.timer);
const seconds = Math.max(Number(event.retry_after) || 0, item.backoff.next());
item.timer = this.env.setTimeout(() => {item.timer = null;
this.deliver(item);
}, seconds * 1000);
return item;
}
item.failed = true;
item.error = event.message || event.code;
return item;
}
retry(clientId) {const item = this.items.get(clientId);
if (!item || !item.failed) return undefined;
item.failed = false;
item.error = "";
item.backoff.reset();
this.deliver(item);
return item;
}
forConversation(conversationId) {return [...this.items.values()].filter((item) => item.conversationId === conversationId);
}
}

// dashboard/search.js
const MIN_QUERY = 2;
const MAX_QUERY = 200;
const WAIT_MS = 250;
class Search {constructor({ send, env }) {Object.assign(this, { send, env });
this.query = "";
this.timer = null;
}
typed(text, websiteId = "") {this.env.clearTimeout(this.timer);
const query = String(text).trim();
if (query.length < MIN_QUERY || query.length > MAX_QUERY) {this.query = "";
return false;
}
this.timer = this.env.setTimeout(() => this.ask(query, websiteId), WAIT_MS);
return true;
}
ask(query, websiteId = "") {this.env.clearTimeout(this.timer);
this.query = query;
const frame = { type: "search", query };
if (websiteId) frame.website_id = websiteId;
return this.send(frame);
}
results(event) {if (!this.query || event.query !== this.query) return null;
return Array.isArray(event.results) ? event.results : [];
}
clear() {this.env.clearTimeout(this.timer);
this.query = "";
}
}
function renderResults(list, results, t) {const items = results.map((hit) => {const who = hit.visitor_name || hit.visitor_email || hit.visitor_identifier || t("aVisitor");
const button = el("button",{ type: "button", className: "lc-hit" },el("span",{ className: "lc-item-top" },el("span", { className: "lc-item-name", text: who }),el("time", { className: "lc-item-time", text: time(hit.created_at) }),),el("span", { className: "lc-hit-snippet", text: hit.snippet || "" }),hit.status === "resolved" ? el("span", { className: "lc-tag", text: t("resolved") }) : null,);
button.dataset.conversationId = hit.conversation_id;
if (Number.isInteger(hit.seq)) button.dataset.seq = String(hit.seq);
return el("li", {}, button);
});
list.replaceChildren(...items);
return items.length;
}
class SearchBox {constructor({ input, box, list, empty, search, websiteId, onOpen, t }) {Object.assign(this, { input, box, list, empty, search, websiteId, onOpen, t });
input.addEventListener("input", () => {if (!search.typed(input.value, websiteId())) box.hidden = true;
});
input.addEventListener("keydown", (event) => this.key(event));
list.addEventListener("click", (event) => {const hit = event.target.closest("[data-conversation-id]");
if (hit) onOpen(hit.dataset.conversationId, hit.dataset.seq ? Number(hit.dataset.seq) : null);
});
}
key(event) {if (event.key === "Enter") {event.preventDefault();
const query = this.input.value.trim();
if (query.length >= MIN_QUERY && query.length <= MAX_QUERY) this.search.ask(query, this.websiteId());
} else if (event.key === "Escape") {this.input.value = "";
this.search.clear();
this.box.hidden = true;
} else if (event.key === "ArrowDown") {const first = this.list.querySelector("button");
if (first) {event.preventDefault();
first.focus();
}
}
}
results(event) {const results = this.search.results(event);
if (results === null) return;
this.box.hidden = false;
this.empty.hidden = renderResults(this.list, results, this.t) > 0;
}
focus() {this.input.focus();
}
}

// shared/heartbeat.js
const DEFAULT_HEARTBEAT = 25;
function silenceLimit(interval) {return 2 * interval + 5;
}
class Heartbeat {constructor({ interval, beat, silent, env }) {Object.assign(this, { beat, silent, env });
this.interval = Number(interval) > 0 ? Number(interval) : DEFAULT_HEARTBEAT;
this.running = false;
this.beatTimer = this.silenceTimer = null;
}
start() {this.stop();
this.running = true;
this.schedule();
this.heard();
}
schedule() {this.beatTimer = this.env.setTimeout(() => {this.beat();
if (this.running) this.schedule();
}, this.interval * 1000);
}
heard() {if (!this.running) return;
this.env.clearTimeout(this.silenceTimer);
this.silenceTimer = this.env.setTimeout(() => {this.stop();
this.silent();
}, silenceLimit(this.interval) * 1000);
}
stop() {this.running = false;
this.env.clearTimeout(this.beatTimer);
this.env.clearTimeout(this.silenceTimer);
this.beatTimer = this.silenceTimer = null;
}
}

// dashboard/socket.js
const CLOSED_FOR_GOOD = {4401: "logged-out",4403: "forbidden", // not an agent, or the page's origin is not the host's
};
const OPEN = 1;
function browser() {return {WebSocket: globalThis.WebSocket,location: globalThis.location,setTimeout: (fn, ms) => setTimeout(fn, ms),clearTimeout: (id) => clearTimeout(id),random: Math.random,};
}
class AgentSocket {constructor(path, { onEvent, onState, baseDelay = 1, heartbeatInterval, heartbeat, env = browser() }) {const { protocol, host } = env.location;
this.url = `${protocol === "https:" ? "wss" : "ws"}://${host}${path}`;
Object.assign(this, { onEvent, onState, env });
this.backoff = new Backoff({ baseDelay: Math.max(0.25, baseDelay), maxRetries: Infinity, random: env.random });
this.heartbeat = new Heartbeat({interval: heartbeatInterval,beat: () => this.send(heartbeat ? heartbeat() : { type: "ping" }),silent: () => this.silent(),env,});
this.ws = null;
this.timer = null;
}
connect() {this.env.clearTimeout(this.timer);
this.timer = null;
this.onState(this.backoff.attempt ? "reconnecting" : "connecting");
const ws = new this.env.WebSocket(this.url);
this.ws = ws;
ws.addEventListener("open", () => {if (this.ws !== ws) return;
this.backoff.reset();
this.heartbeat.start();
this.onState("online");
});
ws.addEventListener("message", (event) => {if (this.ws !== ws) return;
this.heartbeat.heard();
let data;
try {data = JSON.parse(event.data);
} catch {return;
}
if (data && typeof data.type === "string") this.onEvent(data);
});
ws.addEventListener("close", (event) => {if (this.ws === ws) this.lost(event.code);
});
}
lost(code) {this.ws = null;
this.heartbeat.stop();
const final = CLOSED_FOR_GOOD[code];
this.onState(final || "offline");
if (final) return;
this.timer = this.env.setTimeout(() => this.connect(), this.backoff.next() * 1000);
}
silent() {const ws = this.ws;
if (!ws) return;
this.lost(1006);
ws.close();
}
get open() {return this.ws !== null && this.ws.readyState === OPEN;
}
send(frame) {if (!this.open) return false;
this.ws.send(JSON.stringify(frame));
return true;
}
nudge() {if (!this.ws && this.timer) {this.backoff.reset();
this.connect();
}
}
}

// shared/catchup.js
const GRACE = 1;
const ANSWER_TIMEOUT = 15;
class CatchUp {constructor({ missing, request, env, grace = GRACE }) {Object.assign(this, { missing, request, env, grace });
this.wanted = new Map();
this.waiting = new Map();
this.inFlight = new Map();
}
note(key, upTo) {this.wanted.set(key, Math.max(this.wanted.get(key) || 0, upTo));
if (this.waiting.has(key) || this.inFlight.has(key)) return;
this.waiting.set(key, this.env.setTimeout(() => this.check(key), this.grace * 1000));
}
check(key) {this.waiting.delete(key);
const upTo = this.wanted.get(key);
this.wanted.delete(key);
if (upTo && this.missing(key, upTo) && this.request(key)) this.begin(key);
}
begin(key) {this.env.clearTimeout(this.inFlight.get(key));
this.inFlight.set(key, this.env.setTimeout(() => this.done(key), ANSWER_TIMEOUT * 1000));
}
done(key) {if (!this.inFlight.has(key)) return;
this.env.clearTimeout(this.inFlight.get(key));
this.inFlight.delete(key);
if (this.wanted.has(key)) this.note(key, 0);
}
reset() {for (const timer of [...this.waiting.values(), ...this.inFlight.values()]) this.env.clearTimeout(timer);
this.wanted.clear();
this.waiting.clear();
this.inFlight.clear();
}
}

// dashboard/sync.js
class InboxSync {constructor({ inbox, send, selected, env }) {Object.assign(this, { inbox, send, selected });
this.cursor = null;
this.catchUp = new CatchUp({missing: (id, upTo) => inbox.held(id, id === selected()) < upTo,request: (id) =>
id === selected()
? this.send({ type: "history", conversation_id: id, last_seq: inbox.lastSeq(id), reason: "gap" })
: this.send({ type: "conversation", conversation_id: id }),env,});
}
heartbeat() {return this.cursor ? { type: "conversations", changed_since: this.cursor } : { type: "ping" };
}
conversations(event) {const entries = event.conversations || [];
if (event.filters) {this.inbox.merge(entries);
return;
}
if (typeof event.cursor === "string") this.cursor = event.cursor;
if (event.changed_since === undefined) {this.inbox.replaceAll(entries);
return;
}
this.inbox.merge(entries);
const open = this.selected();
for (const entry of entries) {if (entry.conversation_id === open && entry.last_seq > this.inbox.lastSeq(open)) {this.catchUp.note(open, entry.last_seq);
}
}
if (event.has_more) this.send({ type: "conversations" });
}
requestHistory(conversationId) {const frame = { type: "history", conversation_id: conversationId, last_seq: this.inbox.lastSeq(conversationId) };
if (this.send(frame)) this.catchUp.begin(conversationId);
}
message(message) {const id = message.conversation_id;
if (this.inbox.held(id, id === this.selected()) < message.seq) this.catchUp.note(id, message.seq);
}
answered(conversationId) {this.catchUp.done(conversationId);
}
reset() {this.catchUp.reset();
}
}

// dashboard/text.js
function format(template, values = {}) {return String(template).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
function translator(strings) {return (key, values) => format(strings && key in strings ? strings[key] : key, values);
}

// dashboard/transcript.js
const FORMATS = ["txt", "json"];
function transcriptUrl(apiRoot, conversationId, format, withNotes = false) {const path = `${apiRoot}agent/conversations/${encodeURIComponent(conversationId)}/transcript/`;
return `${path}?format=${format}${withNotes ? "&notes=1" : ""}`;
}
function updateTranscriptLinks(links, apiRoot, conversationId, withNotes) {for (const format of FORMATS) links[format].setAttribute("href", transcriptUrl(apiRoot, conversationId, format, withNotes));
}

// dashboard/uploads.js
function browserRequests() {return { XMLHttpRequest: globalThis.XMLHttpRequest, FormData: globalThis.FormData };
}
class Uploads {constructor({ url, csrfToken, onChange, onStored, env = browserRequests() }) {Object.assign(this, { url, csrfToken, onChange, onStored, env });
this.items = new Map();
}
add(conversationId, file, clientId) {const item = { clientId, conversationId, file, name: file.name || "", size: file.size || 0 };
Object.assign(item, { progress: 0, failed: false, error: "", xhr: null });
this.items.set(clientId, item);
this.deliver(item);
return item;
}
deliver(item) {const xhr = new this.env.XMLHttpRequest();
item.xhr = xhr;
const form = new this.env.FormData();
form.append("file", item.file, item.name);
form.append("client_id", item.clientId);
xhr.open("POST", this.url(item.conversationId));
xhr.setRequestHeader("X-CSRFToken", this.csrfToken());
xhr.setRequestHeader("Accept", "application/json");
xhr.upload.addEventListener("progress", (event) => {if (!event.lengthComputable || item.xhr !== xhr) return;
item.progress = Math.min(99, Math.floor((event.loaded / event.total) * 100));
this.onChange(item);
});
xhr.addEventListener("load", () => {if (item.xhr === xhr) this.answered(item, xhr);
});
xhr.addEventListener("error", () => {if (item.xhr === xhr) this.fail(item, "");
});
xhr.send(form);
}
answered(item, xhr) {let body = null;
try {body = JSON.parse(xhr.responseText);
} catch {body = null;
}
if (xhr.status >= 200 && xhr.status < 300) {const message = body && body.message && typeof body.message === "object" ? body.message : null;
this.done(item);
if (message) this.onStored(message);
return;
}
this.fail(item, (body && (body.message || body.code)) || "");
}
fail(item, error) {item.failed = true;
item.error = error;
item.xhr = null;
this.onChange(item);
}
done(item) {item.xhr = null;
this.items.delete(item.clientId);
this.onChange({ ...item, progress: 100, done: true });
}
confirm(messages) {for (const message of messages) {const item = message.client_id && this.items.get(message.client_id);
if (!item) continue;
this.done(item);
}
}
retry(clientId) {const item = this.items.get(clientId);
if (!item || !item.failed) return undefined;
Object.assign(item, { failed: false, error: "", progress: 0 });
this.deliver(item);
return item;
}
forConversation(conversationId) {return [...this.items.values()].filter((item) => item.conversationId === conversationId);
}
}

// dashboard/main.js
const TYPING_RESEND_MS = 3000; // keep the server's typing state alive while keys are hit
const TYPING_IDLE_MS = 4000;
const STATES = {connecting: "stateConnecting",reconnecting: "stateReconnecting",online: "stateOnline",offline: "stateOffline","logged-out": "stateLoggedOut",forbidden: "stateForbidden",};
const HASH = /^#conversation=([\w-]+)$/;
const config = JSON.parse(document.getElementById("livechat-dashboard-config").textContent);
const t = translator(config.strings);
const $ = (id) => document.getElementById(id);
const ui = {layout: $("lc-layout"),back: $("lc-back"),messages: $("lc-messages"),visitorBox: $("lc-visitor-box"),notifyWhere: $("lc-notify-where"),connection: $("lc-connection"),list: $("lc-list"),empty: $("lc-inbox-empty"),filter: $("lc-filter"),unreadTotal: $("lc-unread-total"),conversation: $("lc-conversation"),placeholder: $("lc-placeholder"),title: $("lc-title"),subtitle: $("lc-subtitle"),log: $("lc-log"),typing: $("lc-typing"),reply: $("lc-reply"),input: $("lc-input"),details: $("lc-details"),assign: $("lc-assign"),resolve: $("lc-resolve"),reopen: $("lc-reopen"),actions: $("lc-assign").parentElement,send: $("lc-send"),attach: $("lc-attach"),file: $("lc-file"),dropHint: $("lc-drop-hint"),readOnly: $("lc-readonly"),previousBox: $("lc-previous-box"),previous: $("lc-previous"),hours: $("lc-hours"),ratings: $("lc-ratings"),ratingsTables: $("lc-ratings-tables"),ratingsLoading: $("lc-ratings-loading"),replyLabel: document.querySelector("label[for=lc-input]"),noteMode: $("lc-note-mode"),canned: $("lc-canned"),labels: $("lc-labels"),labelPicker: $("lc-label-picker"),labelChoices: $("lc-label-choices"),assignee: $("lc-assignee"),viewers: $("lc-viewers"),online: $("lc-online"),onlineBox: $("lc-online-box"),filterAssignee: $("lc-filter-assignee"),filterLabel: $("lc-filter-label"),filterWebsite: $("lc-filter-website"),notice: $("lc-notice"),noticeText: $("lc-notice-text"),keys: $("lc-keys"),transcript: { txt: $("lc-transcript-txt"), json: $("lc-transcript-json") },transcriptNotes: $("lc-transcript-notes"),};
const baseTitle = document.title;
const typingTimeoutMs = (config.typingTimeout || 10) * 1000 + 2000;
const timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id) };
const inbox = new Inbox();
const leader = new TabLeader();
const notifier = new Notifier($("lc-notify"), leader, t);
let selected = null;
let returnTo = null;
let connection = "connecting";
let outgoingTyping = { conversationId: null, sentAt: 0, idle: null };
let websites = []; // the ``ready`` frame's: [{website_id, name, labels}]
let websiteLabels = new Map();
let noteMode = false;
let pendingHit = null;
let noticeConversation = null; // the conversation the "assigned to you" notice opens
const socket = new AgentSocket(config.socketPath, {onEvent: handle,onState: (state) => {ui.connection.dataset.state = state;
ui.connection.textContent = STATES[state] ? t(STATES[state]) : state;
connection = state;
renderReplyBox();
if (state !== "online") sync.reset();
},baseDelay: config.reconnectBaseDelay,heartbeatInterval: config.heartbeatInterval,heartbeat: () => sync.heartbeat(),});
const send = (frame) => socket.send(frame);
const sync = new InboxSync({ inbox, send, selected: () => selected, env: timers });
const replies = new Replies({ send, env: timers });
const notes = new Notes({ send });
const agents = new Agents();
const streams = new Streams();
const search = new SearchBox({input: $("lc-search-input"),box: $("lc-search-box"),list: $("lc-search-results"),empty: $("lc-search-empty"),search: new Search({ send, env: timers }),websiteId: () => ui.filterWebsite.value,onOpen: openHit,t,});
const me = () => inbox.me && inbox.me.user_id;
const picker = new CannedPicker({input: ui.input,listbox: ui.canned,t,context: () => {const entry = selected && !returnTo && inbox.conversations.get(selected);
if (!entry) return null;
const values = {visitor_name: entry.visitor_name || (entry.metadata && entry.metadata.name) || "",visitor_email: entry.visitor_email || (entry.metadata && entry.metadata.email) || "",agent_name: (inbox.me && inbox.me.name) || config.agentName,website_name: entry.website_name,};
return { websiteId: entry.website_id, values };
},onInsert: () => typed(),});
const uploads = new Uploads({url: (conversationId) => `${config.apiRoot}agent/conversations/${encodeURIComponent(conversationId)}/attachments/`,csrfToken,onChange: uploadChanged,onStored: (message) => handlers.chat_message(message),});
const handlers = {ready(event) {inbox.me = event.agent;
ui.hours.hidden = !renderAvailability(ui.hours, event.websites, t);
websites = Array.isArray(event.websites) ? event.websites : [];
websiteLabels = labelsByWebsite(websites);
picker.setReplies(event.canned);
agents.reset();
renderFilters();
if (selected) sync.requestHistory(selected);
replies.resend();
notes.reconnected();
if (selected) {notes.request(selected);
tellViewing(selected);
}
},canned(event) {picker.setReplies(event.replies);
},note(event) {notes.received(event.note);
if (event.note) refresh(event.note.conversation_id);
},notes(event) {notes.loaded(event);
refresh(event.conversation_id);
},search_results(event) {search.results(event);
},assigned_to_you(event) {if (!event.conversation) return;
const entry = inbox.upsert(event.conversation);
noticeConversation = entry.conversation_id;
ui.noticeText.textContent = assignedNotice(event, visitorName(entry, t), t);
ui.notice.hidden = false;
refresh(entry.conversation_id);
},agents(event) {agents.update(event);
ui.onlineBox.hidden = !renderOnline(ui.online, agents.online(), me(), t);
renderFilters();
refresh(selected);
},conversations(event) {sync.conversations(event);
if (event.changed_since === undefined) {$("lc-more").hidden = !event.has_more;
if (selected && !inbox.conversations.has(selected)) {socket.send({ type: "conversation", conversation_id: selected });
}
const wanted = wantedConversation();
if (!selected && wanted) select(wanted);
}
refresh(selected);
},conversation(event) {inbox.upsert(event.conversation);
if (!selected && event.conversation.conversation_id === wantedConversation()) select(wantedConversation());
sync.answered(event.conversation.conversation_id);
refresh(event.conversation.conversation_id);
},new_conversation(event) {inbox.upsert(event.conversation);
notifier.newConversation(event.conversation);
renderInbox();
},history(event) {inbox.upsert(event.conversation);
replies.confirm(event.messages);
uploads.confirm(event.messages);
for (const message of event.messages) streams.finish({ conversation_id: event.conversation_id, ...message });
inbox.addHistory(event.conversation_id, event.messages);
if (event.has_more) sync.requestHistory(event.conversation_id);
else sync.answered(event.conversation_id);
refresh(event.conversation_id);
markRead();
},chat_message(message) {const id = message.conversation_id;
if (!inbox.conversations.has(id)) socket.send({ type: "conversation", conversation_id: id });
streams.finish(message);
replies.confirm([message]);
uploads.confirm([message]);
inbox.addMessage(message);
sync.message(message);
inbox.setTyping({ conversation_id: id, role: message.role, agent: null, is_typing: false }, 0);
refresh(id);
markRead();
},reply_delta(event) {const id = event.conversation_id;
if (streams.update(event)) {inbox.setTyping({ conversation_id: id, role: "assistant", agent: null, is_typing: false }, 0);
refresh(id);
} else if (id === selected) {const nearBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 80;
showStream(ui.messages, { clientId: event.client_id, text: streams.text(id, event.client_id) }, t);
if (nearBottom) ui.log.scrollTop = ui.log.scrollHeight;
}
},handoff(event) {if (!inbox.handoff(event)) return;
if (event.conversation_id === selected) ui.messages.append(renderNote(handoffNote(event, t)));
refresh(event.conversation_id);
},typing(event) {inbox.setTyping(event, typingTimeoutMs);
refresh(event.conversation_id);
setTimeout(() => refresh(event.conversation_id), typingTimeoutMs + 50);
},status(event) {const entry = inbox.conversations.get(event.conversation_id);
if (!entry) return;
entry.status = event.status;
if (event.conversation_id === selected) ui.messages.append(renderNote(statusNote(event)));
refresh(event.conversation_id);
},assignment(event) {const entry = inbox.conversations.get(event.conversation_id);
if (!entry) return;
entry.assigned_agent = event.assigned_agent;
refresh(event.conversation_id);
},read(event) {inbox.read(event);
renderInbox();
},error(event) {const reply = event.client_id ? replies.refused(event) || notes.refused(event) : undefined;
if (reply) refresh(reply.conversationId);
if (!reply || reply.failed) showAlert(event.message || event.code);
},ratings(event) {renderRatings(ui.ratingsTables, event, t, document.documentElement.lang || undefined);
ui.ratingsLoading.hidden = true;
},pong() {},};
function statusNote(event) {const resolved = event.status === "resolved";
if (event.by) return t(resolved ? "resolvedBy" : "reopenedBy", { name: event.by.name });
return t(resolved ? "resolvedNote" : "reopenedByVisitor");
}
function handle(event) {const handler = handlers[event.type];
if (handler) handler(event);
}
function wantedConversation() {const match = HASH.exec(location.hash);
return match ? match[1] : null;
}
function select(conversationId, earlierOf = null) {ui.layout.dataset.view = "conversation";
if (selected === conversationId) return;
stopTyping();
selected = conversationId;
returnTo = earlierOf && earlierOf !== conversationId ? earlierOf : null;
if (!returnTo && location.hash !== `#conversation=${conversationId}`) {history.replaceState(null, "", `#conversation=${conversationId}`);
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
function backToList() {const closed = returnTo || selected;
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
function markRead() {if (!selected || document.visibilityState !== "visible") return;
const entry = inbox.conversations.get(selected);
const seq = inbox.highest(selected);
if (entry && seq > (entry.last_read_seq || 0)) {entry.last_read_seq = seq;
socket.send({ type: "mark_read", conversation_id: selected, seq });
}
}
function tellViewing(conversationId) {const frame = agents.viewingFrame(conversationId);
if (frame && socket.send(frame)) agents.sentViewing(conversationId);
}
function openHit(conversationId, seq) {pendingHit = Number.isInteger(seq) ? { conversationId, seq } : null;
if (selected === conversationId && !returnTo) renderConversation();
else select(conversationId);
}
function typed() {if (!selected || noteMode) return;
const now = Date.now();
if (outgoingTyping.conversationId !== selected || now - outgoingTyping.sentAt > TYPING_RESEND_MS) {if (socket.send({ type: "typing", conversation_id: selected, is_typing: true })) {outgoingTyping = { ...outgoingTyping, conversationId: selected, sentAt: now };
}
}
clearTimeout(outgoingTyping.idle);
outgoingTyping.idle = setTimeout(stopTyping, TYPING_IDLE_MS);
}
function stopTyping() {clearTimeout(outgoingTyping.idle);
if (outgoingTyping.conversationId) {socket.send({ type: "typing", conversation_id: outgoingTyping.conversationId, is_typing: false });
}
outgoingTyping = { conversationId: null, sentAt: 0, idle: null };
}
function newClientId() {const random = crypto.getRandomValues(new Uint32Array(2));
return `a-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}
function renderInbox() {const entries = inbox.sorted("all").filter((entry) => passes(entry, currentFilters(), me()));
renderList(ui.list, entries, {selected,typistsOf: (id) => inbox.typists(id),viewersOf: (id) => avatars(agents.viewers(id, me()), t),chips: (labels) => labels.map(labelChip),t,});
ui.empty.hidden = entries.length > 0;
const unread = inbox.totalUnread();
ui.unreadTotal.hidden = unread === 0;
ui.unreadTotal.textContent = unread ? t("unreadCount", { count: unread }) : "";
document.title = unread ? t("titleUnread", { count: unread, title: baseTitle }) : baseTitle;
}
function currentFilters() {return {status: ui.filter.value,label: ui.filterLabel.value,assignee: ui.filterAssignee.value,website: ui.filterWebsite.value,};
}
function renderFilters() {const choices = filterChoices({ websites, labels: websiteLabels, agents: agents.online(), me: me() });
fillSelect(ui.filterLabel, 1, choices.labelOptions);
fillSelect(ui.filterAssignee, 3, choices.agentOptions);
fillSelect(ui.filterWebsite, 1, choices.websiteOptions);
ui.filterWebsite.parentElement.hidden = websites.length < 2;
ui.filterLabel.parentElement.hidden = choices.labelOptions.length === 0;
}
let pickerFor = "";
function renderLabels(entry) {renderChips(ui.labels, entry.labels);
const available = websiteLabels.get(entry.website_id) || [];
const key = `${entry.conversation_id}:${available.map((label) => label.id).join(",")}`;
if (key !== pickerFor) {pickerFor = key;
renderLabelPicker(ui.labelChoices, available, entry);
} else {const has = new Set((entry.labels || []).map((label) => String(label.id)));
for (const box of ui.labelChoices.querySelectorAll("input")) box.checked = has.has(box.value);
}
ui.labelPicker.hidden = available.length === 0 || Boolean(returnTo);
}
function renderConversation() {const entry = selected && inbox.conversations.get(selected);
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
if (document.activeElement !== ui.assignee) {const mates = agents.online(entry.website_id);
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
function renderThread(entry) {const nearBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 80;
for (const node of ui.messages.querySelectorAll(".lc-pending, .lc-streaming")) node.remove();
const shown = new Set([...ui.messages.querySelectorAll("[data-seq]")].map((node) => Number(node.dataset.seq)));
for (const message of inbox.thread(entry.conversation_id)) {if (shown.has(message.seq)) continue;
const node = renderMessage(message, { t });
const at = Date.parse(message.timestamp);
if (!Number.isNaN(at)) node.dataset.time = String(at);
const after = [...ui.messages.querySelectorAll("[data-seq]")].find((n) => Number(n.dataset.seq) > message.seq);
ui.messages.insertBefore(node, after || null);
}
const noted = new Set([...ui.messages.querySelectorAll("[data-note-id]")].map((node) => node.dataset.noteId));
for (const note of notes.forConversation(entry.conversation_id)) {if (noted.has(note.id)) continue;
const node = renderPrivateNote(note, { t });
const at = Number(node.dataset.time);
const after = [...ui.messages.querySelectorAll("[data-time]")].find((n) => Number(n.dataset.time) > at);
ui.messages.insertBefore(node, after || null);
}
for (const item of streams.forConversation(entry.conversation_id)) ui.messages.append(renderStream(item, t));
for (const item of replies.forConversation(entry.conversation_id)) {const message = { role: "agent", sender_name: inbox.me?.name, message: item.message, client_id: item.clientId };
ui.messages.append(renderMessage(message, { pending: true, failed: item.failed, error: item.error, t }));
}
for (const item of uploads.forConversation(entry.conversation_id)) ui.messages.append(renderUpload(item, t));
for (const item of notes.pendingFor(entry.conversation_id)) {const note = { text: item.text, author: inbox.me, client_id: item.clientId };
ui.messages.append(renderPrivateNote(note, { t, pending: true, failed: item.failed, error: item.error }));
}
if (nearBottom) ui.log.scrollTop = ui.log.scrollHeight;
showHit(entry.conversation_id);
}
function showHit(conversationId) {if (!pendingHit || pendingHit.conversationId !== conversationId) return;
const node = ui.messages.querySelector(`[data-seq="${pendingHit.seq}"]`);
if (!node) return;
pendingHit = null;
for (const old of ui.messages.querySelectorAll(".lc-hit-message")) old.classList.remove("lc-hit-message");
node.classList.add("lc-hit-message");
node.scrollIntoView({ block: "center" });
}
function renderReplyBox() {const closed = connection === "logged-out" || connection === "forbidden";
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
function uploadChanged(item) {if (item.conversationId !== selected) return;
const node = [...ui.messages.querySelectorAll("[data-upload]")].find((n) => n.dataset.upload === item.clientId);
if (item.done) {if (node) node.remove();
return;
}
if (!node || item.failed || !showProgress(node, item)) renderConversation();
}
function upload(files) {if (!selected || returnTo || connection === "logged-out" || connection === "forbidden") return;
for (const file of files) uploads.add(selected, file, newClientId());
renderConversation();
}
function refresh(conversationId) {renderInbox();
if (conversationId === selected) renderConversation();
}
let alertTimer = null;
function showAlert(text) {const alert = $("lc-alert");
alert.textContent = text;
alert.hidden = false;
clearTimeout(alertTimer);
alertTimer = setTimeout(() => {alert.hidden = true;
}, 6000);
}
ui.list.addEventListener("click", (event) => {const button = event.target.closest("[data-conversation-id]");
if (button) select(button.dataset.conversationId);
});
for (const filter of [ui.filter, ui.filterAssignee, ui.filterLabel, ui.filterWebsite]) {filter.addEventListener("change", () => {renderInbox();
const request = filteredRequest(currentFilters());
if (request) socket.send(request);
});
}
ui.back.addEventListener("click", backToList);
addEventListener("hashchange", () => {const wanted = wantedConversation();
if (wanted) select(wanted);
});
ui.reply.addEventListener("submit", (event) => {event.preventDefault();
const message = ui.input.value.trim();
if (!selected || !message) return;
if (noteMode) {notes.add(selected, message, newClientId());
} else {stopTyping();
replies.add(selected, message, newClientId());
}
ui.input.value = "";
renderConversation();
});
ui.input.addEventListener("keydown", (event) => {if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {event.preventDefault();
ui.reply.requestSubmit();
} else if (event.key === "Escape") {event.preventDefault();
focusListItem(selected) || ui.input.blur();
}
});
ui.log.addEventListener("click", (event) => {const button = event.target.closest("[data-retry]");
if (button && replies.retry(button.dataset.retry)) renderConversation();
const again = event.target.closest("[data-retry-upload]");
if (again && uploads.retry(again.dataset.retryUpload)) renderConversation();
const note = event.target.closest("[data-retry-note]");
if (note && notes.retry(note.dataset.retryNote)) renderConversation();
});
ui.attach.addEventListener("click", () => ui.file.click());
ui.file.addEventListener("change", () => {upload([...ui.file.files]);
ui.file.value = "";
});
ui.input.addEventListener("paste", (event) => {const images = [...(event.clipboardData?.files || [])].filter((file) => file.type.startsWith("image/"));
if (!images.length) return;
event.preventDefault();
upload(images);
});
const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
ui.conversation.addEventListener("dragover", (event) => {if (!carriesFiles(event) || returnTo) return;
event.preventDefault();
event.dataTransfer.dropEffect = "copy";
ui.dropHint.hidden = false;
});
ui.conversation.addEventListener("dragleave", (event) => {if (!ui.conversation.contains(event.relatedTarget)) ui.dropHint.hidden = true;
});
ui.conversation.addEventListener("drop", (event) => {ui.dropHint.hidden = true;
if (!carriesFiles(event)) return;
event.preventDefault();
upload([...event.dataTransfer.files]);
});
ui.previous.addEventListener("click", (event) => {const button = event.target.closest("[data-previous-id]");
if (button) select(button.dataset.previousId, returnTo || selected);
});
$("lc-readonly-back").addEventListener("click", () => returnTo && select(returnTo));
$("lc-ratings-open").addEventListener("click", () => {ui.ratings.showModal();
askRatings();
});
$("lc-ratings-refresh").addEventListener("click", askRatings);
$("lc-ratings-close").addEventListener("click", () => ui.ratings.close());
function askRatings() {if (socket.send({ type: "ratings" })) ui.ratingsLoading.hidden = ui.ratingsTables.childElementCount > 0;
}
const emailPreference = new EmailPreference({select: $("lc-email-pref"),url: `${config.apiRoot}agent/preferences/`,onError: (reason) => showAlert(reason || t("preferenceNotSaved")),});
emailPreference.load().then((shown) => ($("lc-email-pref-field").hidden = !shown));
ui.input.addEventListener("input", () => (ui.input.value ? typed() : stopTyping()));
ui.input.addEventListener("blur", stopTyping);
ui.assign.addEventListener("click", () => socket.send({ type: "assign", conversation_id: selected }));
ui.assignee.addEventListener("change", () => {if (selected) socket.send({ type: "assign", conversation_id: selected, agent_id: chosenAgent(ui.assignee.value) });
});
ui.labelChoices.addEventListener("change", () => {if (selected) socket.send(labelsFrame(selected, ui.labelChoices.querySelectorAll("input")));
});
ui.noteMode.addEventListener("click", () => {noteMode = !noteMode;
if (noteMode) stopTyping();
renderReplyBox();
ui.input.focus();
});
ui.transcriptNotes.addEventListener("change", () => selected && renderConversation());
$("lc-notice-open").addEventListener("click", () => {ui.notice.hidden = true;
if (noticeConversation) select(noticeConversation);
});
$("lc-notice-close").addEventListener("click", () => (ui.notice.hidden = true));
$("lc-keys-open").addEventListener("click", () => ui.keys.showModal());
$("lc-keys-close").addEventListener("click", () => ui.keys.close());
renderShortcuts($("lc-keys-list"), t);
renderShortcuts($("lc-keys-inline"), t);
function listItems() {return [...ui.list.querySelectorAll("[data-conversation-id]")];
}
function focusListItem(conversationId) {const item = conversationId && listItems().find((button) => button.dataset.conversationId === conversationId);
if (!item || !item.offsetParent) return false;
item.focus();
return true;
}
const keyActions = {next: () => moveFocus("next"),previous: () => moveFocus("previous"),reply: () => selected && !returnTo && ui.input.focus(),resolve: () => {const entry = selected && inbox.conversations.get(selected);
if (entry && entry.status !== "resolved" && !returnTo) socket.send({ type: "resolve", conversation_id: selected });
},assign: () => selected && !returnTo && socket.send({ type: "assign", conversation_id: selected }),search: () => search.focus(),help: () => ui.keys.showModal(),};
function moveFocus(action) {if (ui.layout.dataset.view === "conversation" && phone.matches) backToList();
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
function showAlertTab() {ui.notifyWhere.hidden = $("lc-notify").value === "off" || leader.isLeader();
}
leader.start();
setInterval(showAlertTab, 1000);
$("lc-notify").addEventListener("change", showAlertTab);
const phone = matchMedia("(max-width: 640px)");
ui.visitorBox.open = !phone.matches;
phone.addEventListener("change", () => (ui.visitorBox.open = !phone.matches));
if (wantedConversation()) ui.layout.dataset.view = "conversation";
socket.connect();
})();
