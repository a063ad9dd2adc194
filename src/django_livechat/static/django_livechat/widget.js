/*! django_livechat chat widget. Built by js/widget/build.mjs from js/widget/: edit those. */
(() => {
"use strict";
// widget/config.js
const DEFAULT_LABELS = {"openChat": "Open chat","closeChat": "Close chat","title": "Chat with us","greeting": "Hi! Ask us anything and we will answer here.","inputLabel": "Type your message","placeholder": "Type your message…","send": "Send","online": "Online","connecting": "Connecting…","offline": "Offline","away": "Away","awayText": "No one is here right now. Leave a message and we will reply as soon as we can.","typing": "Support is typing…","sending": "Sending…","failed": "Not delivered.","retry": "Retry","soundOn": "Turn sound on","soundOff": "Turn sound off","unread": "{count} unread","resolved": "This conversation was marked resolved.","reopened": "This conversation was reopened.","refused": "The chat is not available on this site.","error": "Something went wrong. Please try again.","auto": "Automatic reply","charsLeft": "{count} characters left","tooLong": "This message is too long: at most {max} characters.","empty": "Type a message first."
};
const CONFIG_DEFAULTS = {websiteId: "",apiUrl: "",wsUrl: "",wsPathPrefix: "ws/livechat/",theme: "light",color: "#0b6e4f",position: "right",reconnectMaxRetries: 8,reconnectBaseDelay: 1,pollInterval: 3,heartbeatInterval: 25,typingTimeout: 20,maxMessageLength: 4000,sound: true,nonce: ""
};
const THEMES = ["light", "dark", "auto"];
function resolveConfig(sources, base) {const config = { ...CONFIG_DEFAULTS, labels: { ...DEFAULT_LABELS } };
for (const source of sources) {if (!source || typeof source !== "object") continue;
for (const [key, value] of Object.entries(source)) {if (value === null || value === undefined || value === "") continue;
if (key === "labels" && typeof value === "object") Object.assign(config.labels, value);
else if (key in CONFIG_DEFAULTS) config[key] = value;
}
}
if (!THEMES.includes(config.theme)) {config.color = String(config.theme);
config.theme = "light";
}
if (config.position !== "left") config.position = "right";
const api = new URL(String(config.apiUrl || "/livechat/"), base);
if (!api.pathname.endsWith("/")) api.pathname += "/";
api.search = api.hash = "";
config.apiUrl = api.href;
config.wsUrl = socketUrl(config.wsUrl, api, config.wsPathPrefix);
config.websiteId = String(config.websiteId);
config.reconnectMaxRetries = Math.max(0, Math.floor(Number(config.reconnectMaxRetries) || 0));
config.reconnectBaseDelay = positive(config.reconnectBaseDelay, CONFIG_DEFAULTS.reconnectBaseDelay);
config.heartbeatInterval = positive(config.heartbeatInterval, CONFIG_DEFAULTS.heartbeatInterval);
return config;
}
function positive(value, fallback) {return Number(value) > 0 ? Number(value) : fallback;
}
function socketUrl(wsUrl, api, prefix) {const url = new URL(wsUrl || "/" + String(prefix).replace(/^\/+/, "") + "widget/", api);
url.protocol = url.protocol === "https:" || url.protocol === "wss:" ? "wss:" : "ws:";
return url.href;
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

// widget/http.js
const NETWORK = "NETWORK";
class ChatError extends Error {constructor(code, message = "", { status = 0, retryAfter = null } = {}) {super(message || code);
this.code = code;
this.detail = message;
this.status = status;
this.retryAfter = retryAfter;
}
get retryable() {return this.code === NETWORK || this.status >= 500;
}
}
function httpClient(apiUrl, fetchImpl) {async function call(method, path, token, body) {const headers = { Accept: "application/json" };
if (body) headers["Content-Type"] = "application/json";
if (token) headers.Authorization = "Bearer " + token;
let response;
try {response = await fetchImpl(apiUrl + "api/" + path, {method,headers,body: body ? JSON.stringify(body) : undefined,credentials: "omit",cache: "no-store",});
} catch {throw new ChatError(NETWORK);
}
let data = null;
try {data = await response.json();
} catch {data = null;
}
if (!response.ok) {const code = (data && data.code) || (response.status >= 500 ? "INTERNAL_ERROR" : "HTTP_" + response.status);
throw new ChatError(code, (data && data.message) || "", {status: response.status,retryAfter: data && data.retry_after,});
}
return data;
}
return {open: (body) => call("POST", "conversations/", "", body),post: (token, message, clientId) => call("POST", "messages/", token, { message, client_id: clientId }),list: (token, afterSeq) => call("GET", "messages/?after_seq=" + afterSeq, token),widget: (websiteId) => call("GET", "websites/" + websiteId + "/widget/"),};
}

// widget/outbox.js
const PENDING = "pending";
const SENT = "sent";
const FAILED = "failed";
function makeClientId(crypto = globalThis.crypto) {const bytes = crypto.getRandomValues(new Uint8Array(12));
return "c-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
class Outbox {constructor(newId = makeClientId) {this.items = new Map();
this.newId = newId;
}
add(text) {const item = { clientId: this.newId(), text, state: PENDING, error: "", retryable: true, via: "", code: "" };
this.items.set(item.clientId, item);
return item;
}
get(clientId) {return this.items.get(clientId);
}
acknowledge(clientId) {const item = this.items.get(clientId);
if (!item) return undefined;
this.items.delete(clientId);
item.state = SENT;
item.via = "";
return item;
}
fail(clientId, error, retryable, code = "") {const item = this.items.get(clientId);
if (!item || item.state !== PENDING) return undefined;
Object.assign(item, { state: FAILED, error: error || "", retryable: Boolean(retryable), via: "", code });
return item;
}
retry(clientId) {const item = this.items.get(clientId);
if (!item || item.state !== FAILED) return undefined;
Object.assign(item, { state: PENDING, error: "", via: "" });
return item;
}
pending() {return [...this.items.values()].filter((item) => item.state === PENDING);
}
retryable() {return [...this.items.values()].filter((item) => item.state === FAILED && item.retryable);
}
}

// widget/sound.js
class Chime {constructor(lockName, env) {this.lockName = lockName;
this.env = env;
this.leader = false;
this.context = null;
}
arm() {if (this.armed) return;
this.armed = true;
try {const Context = this.env.AudioContext || this.env.webkitAudioContext;
if (Context) this.context = new Context();
} catch {this.context = null;
}
const locks = this.env.navigator && this.env.navigator.locks;
if (!locks) {this.leader = null;
return;
}
locks.request(this.lockName, () => {this.leader = true;
return new Promise(() => {});
}).catch(() => {});
}
shouldPlay(seq, claim) {return this.leader === null ? claim(seq) : this.leader;
}
play() {const context = this.context;
if (!context) return;
try {if (context.state === "suspended") context.resume();
const now = context.currentTime;
const tone = context.createOscillator();
const gain = context.createGain();
tone.frequency.value = 880;
gain.gain.setValueAtTime(0.0001, now);
gain.gain.exponentialRampToValueAtTime(0.12, now + 0.02);
gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.35);
tone.connect(gain).connect(context.destination);
tone.start(now);
tone.stop(now + 0.35);
} catch {}
}
}

// widget/storage.js
const EMPTY = { conversationId: "", visitorToken: "", readSeq: 0, muted: false, soundSeq: 0 };
class VisitorStore {constructor(storage, websiteId) {this.storage = storage;
this.key = "django-livechat:" + websiteId;
this.state = this.read();
this.enabled = Boolean(this.state.conversationId);
}
read() {try {const raw = this.storage && this.storage.getItem(this.key);
return { ...EMPTY, ...(raw ? JSON.parse(raw) : {}) };
} catch {return { ...EMPTY };
}
}
enable() {if (this.enabled) return;
this.enabled = true;
this.write();
}
update(patch) {if (this.enabled) this.state = this.read();
Object.assign(this.state, patch);
if (this.enabled) this.write();
}
write() {try {this.storage.setItem(this.key, JSON.stringify(this.state));
} catch {}
}
changed(event) {if (event.key !== this.key) return null;
const before = this.state;
this.state = this.read();
return before;
}
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

// widget/transport.js
const OPEN = 1;
const CLOSE_FORBIDDEN = 4403;
const ACK_TIMEOUT = 10;
const RETRY_AFTER = 2;
const LATER = "later"; // an item's ``via`` while it waits to be sent again
const CONVERSATION = "";
const CONNECTING = "connecting";
const SOCKET = "socket";
const POLLING = "http";
const REFUSED = "refused";
class Transport {constructor({ config, http, outbox, hooks, env }) {Object.assign(this, { config, http, outbox, hooks, env });
this.backoff = new Backoff({baseDelay: config.reconnectBaseDelay,maxRetries: config.reconnectMaxRetries,random: env.random,});
this.session = null;
this.ws = null;
this.ready = false;
this.state = "";
this.reachable = null;
this.timers = {};
this.opening = null;
this.working = 0; // HTTP posts waiting for the responder's reply
this.freshStart = false;
this.forbidden = null;
this.identifying = false;
this.heartbeat = new Heartbeat({interval: config.heartbeatInterval,beat: () => this.ping(),silent: () => this.silent(),env,});
this.catchUp = new CatchUp({missing: (key, upTo) => this.hooks.lastSeq() < upTo,request: () => this.requestHistory(),env,});
}
connect() {if (this.ws || this.state === REFUSED) return;
this.cancel("reconnect");
if (this.state !== POLLING) this.setState(CONNECTING);
let ws;
try {ws = new this.env.WebSocket(this.config.wsUrl);
} catch {this.later("reconnect", 0, () => this.socketClosed(null, { code: 1006 }));
return;
}
this.ws = ws;
ws.onopen = () => ws === this.ws && this.socketOpened();
ws.onmessage = (event) => ws === this.ws && this.frame(event.data);
ws.onclose = (event) => ws === this.ws && this.socketClosed(ws, event);
}
socketOpened() {this.setState(SOCKET);
this.heartbeat.start();
if (!this.identify()) this.backoff.reset();
}
ping() {this.sendFrame(this.ready ? { type: "ping", last_seq: this.hooks.lastSeq() } : { type: "ping" });
}
silent() {const ws = this.ws;
if (!ws) return;
ws.onopen = ws.onmessage = ws.onclose = null;
ws.close();
this.socketClosed(ws, { code: 1006 });
}
identify() {if (!this.socketOpen()) return false;
this.identifying = true;
if (this.session) {this.historyFrom = this.hooks.lastSeq();
this.catchUp.begin(CONVERSATION);
this.sendFrame({ type: "identify", ...this.rejoin(), last_seq: this.historyFrom });
return true;
}
if (this.outbox.pending().length && !this.opening) {this.sendFrame({ type: "identify", ...this.identity() });
return true;
}
this.identifying = false;
return false;
}
frame(raw) {let frame;
try {frame = JSON.parse(raw);
} catch {return;
}
this.heartbeat.heard();
switch (frame && frame.type) {case "identified":
return this.identified(frame);
case "history":
return this.history(frame);
case "chat_message":
return this.receive(null, [frame]);
case "pong":
this.presence(frame);
return this.checkGap(Number.isInteger(frame.last_seq) ? frame.last_seq : 0);
case "presence":
return this.presence(frame);
case "typing":
return this.hooks.onTyping(frame);
case "status":
return this.hooks.onStatus(frame);
case "error":
return this.socketError(new ChatError(frame.code, frame.message, { retryAfter: frame.retry_after }),frame.client_id,);
}
}
history(frame) {const messages = frame.messages || [];
this.receive(this.historyFrom, messages);
if (frame.has_more && messages.length) {this.historyFrom = messages[messages.length - 1].seq;
this.catchUp.begin(CONVERSATION);
this.sendFrame({ type: "history", last_seq: this.historyFrom });
return;
}
this.catchUp.done(CONVERSATION);
}
checkGap(newest = 0) {const upTo = Math.max(newest, this.hooks.highestSeq());
if (this.ready && upTo > this.hooks.lastSeq()) this.catchUp.note(CONVERSATION, upTo);
}
requestHistory() {if (!this.ready) return false;
this.historyFrom = this.hooks.lastSeq();
this.sendFrame({ type: "history", last_seq: this.historyFrom, reason: "gap" });
return true;
}
identified(frame) {this.identifying = false;
this.presence(frame);
const created = !this.session || this.session.conversationId !== frame.conversation_id;
this.setSession(frame, created);
this.ready = true;
this.freshStart = false;
this.backoff.reset();
this.cancel("poll");
this.setState(SOCKET);
this.retryFailed();
this.flush();
}
socketError(error, clientId) {switch (error.code) {case "FORBIDDEN":
this.forbidden = error;
return;
case "INVALID_WEBSITE":
return this.refuse(error);
case "NOT_IDENTIFIED":
this.ready = false;
this.identify();
return;
}
if (clientId) {const item = this.outbox.get(clientId);
if (item && item.state === PENDING) this.refusedItem(item, error);
return;
}
const unsure = this.outbox.pending().filter((item) => item.via === "ws");
unsure.forEach((item) => this.sendHttp(item));
if (!unsure.length || error.code === "INTERNAL_ERROR") this.hooks.onError(error);
}
refusedItem(item, error) {switch (error.code) {case "UNAVAILABLE": // nothing was stored: the same client_id again later
case "RATE_LIMITED":
return this.retryLater(item, error.retryAfter);
case "INVALID_MESSAGE":
case "MESSAGE_TOO_LONG":
return this.fail(item, error);
default:
return this.sendHttp(item);
}
}
socketClosed(ws, event) {const opened = this.state === SOCKET;
this.ws = null;
this.ready = this.identifying = false;
this.heartbeat.stop();
this.catchUp.reset();
if (ws) ws.onopen = ws.onmessage = ws.onclose = null;
this.hooks.onTyping({ role: "assistant", is_typing: false });
if (event.code === CLOSE_FORBIDDEN) return this.refused();
for (const item of this.outbox.pending()) if (item.via === "ws" || !item.via) this.sendHttp(item);
if (opened || this.reachable === null) this.probe();
else this.startPolling();
this.scheduleReconnect();
}
scheduleReconnect() {if (this.state === REFUSED) return;
let delay = this.backoff.next();
if (delay === null) {delay = probeDelay(this.env.random);
this.setState(POLLING);
this.startPolling();
} else if (this.state !== POLLING) {this.setState(CONNECTING);
}
this.later("reconnect", delay, () => this.connect());
}
refused() {const error = this.forbidden || new ChatError("FORBIDDEN");
this.forbidden = null;
if (this.session && !this.freshStart) {this.freshStart = true;
this.session = null;
this.hooks.onSessionLost();
this.connect();
return;
}
this.refuse(error);
}
refuse(error) {this.setState(REFUSED);
for (const name of Object.keys(this.timers)) this.cancel(name);
this.heartbeat.stop();
this.catchUp.reset();
if (this.ws) {const ws = this.ws;
this.ws = null;
ws.onopen = ws.onmessage = ws.onclose = null;
ws.close();
}
this.ready = false;
for (const item of this.outbox.pending()) this.fail(item, error);
this.hooks.onError(error);
}
send(item) {if (this.state === REFUSED) {this.state = "";
this.freshStart = false;
this.backoff.reset();
}
if (this.ready) return this.sendSocket(item);
if (this.socketOpen()) {if (!this.identifying) this.identify();
return this.watch(item);
}
this.sendHttp(item);
if (!this.ws && this.timers.reconnect === undefined) this.connect();
}
sendSocket(item) {item.via = "ws";
this.sendFrame({ type: "chat_message", message: item.text, client_id: item.clientId });
this.watch(item);
}
watch(item) {this.later("ack:" + item.clientId, ACK_TIMEOUT, () => {if (item.state === PENDING && item.via !== "http") this.sendHttp(item);
});
}
flush() {for (const item of this.outbox.pending()) if (item.via === "ws" || !item.via) this.sendSocket(item);
}
retryLater(item, seconds) {item.via = LATER;
this.cancel("ack:" + item.clientId);
this.later("retry:" + item.clientId, Number(seconds) > 0 ? Number(seconds) : RETRY_AFTER, () => {item.via = "";
if (item.state === PENDING) this.send(item);
});
}
async sendHttp(item) {item.via = "http";
this.cancel("ack:" + item.clientId);
this.setWorking(1);
try {const session = await this.ensureSession();
const answer = await this.http.post(session.visitorToken, item.text, item.clientId);
this.setReachable(true);
this.receive(null, [answer.message, answer.reply].filter(Boolean));
this.startPolling();
} catch (error) {if (error.code === NETWORK) this.setReachable(false);
if (error.code === "UNAVAILABLE" || error.code === "RATE_LIMITED") return this.retryLater(item, error.retryAfter);
this.fail(item, error);
if (error.code === "FORBIDDEN") {this.forbidden = error;
this.refused();
} else if (error.code === "INVALID_WEBSITE") {this.refuse(error);
}
} finally {this.setWorking(-1);
}
}
ensureSession() {if (this.session) return Promise.resolve(this.session);
if (!this.opening) {this.opening = this.http
.open(this.identity())
.then((frame) => {this.setReachable(true);
this.presence(frame);
if (!this.session) this.setSession(frame, true);
this.identify();
return this.session;
})
.finally(() => {this.opening = null;
});
}
return this.opening;
}
retryFailed() {for (const item of this.outbox.retryable()) {this.outbox.retry(item.clientId);
this.hooks.onItem(item);
if (!this.ready) this.send(item);
}
}
fail(item, error) {this.cancel("ack:" + item.clientId);
const detail = error.code === "FORBIDDEN" || error.code === "INVALID_WEBSITE" ? "" : error.detail;
if (this.outbox.fail(item.clientId, detail, error.retryable, error.code)) this.hooks.onItem(item, error);
}
startPolling() {if (!this.session || this.ready || this.state === REFUSED || this.timers.poll !== undefined) return;
this.later("poll", this.config.pollInterval, () => this.poll());
}
async poll() {const session = this.session;
if (!session || this.ready) return;
try {const afterSeq = this.hooks.lastSeq();
const page = await this.http.list(session.visitorToken, afterSeq);
this.setReachable(true);
this.presence(page);
if (session !== this.session) return;
this.receive(afterSeq, page.messages || []);
if (page.has_more && page.messages.length) return this.poll();
} catch (error) {if (error.code === "FORBIDDEN") {this.forbidden = error;
return this.refused();
}
if (error.retryable) this.setReachable(false);
}
this.startPolling();
}
async probe() {if (this.session) {this.cancel("poll");
return this.poll();
}
try {this.presence(await this.http.widget(this.config.websiteId));
this.setReachable(true);
} catch (error) {this.setReachable(error.code !== NETWORK);
}
}
reidentify() {if (!this.session) return;
if (this.socketOpen()) return this.identify();
this.http.open(this.rejoin()).then((frame) => {this.setReachable(true);
this.presence(frame);
if (this.session) this.setSession(frame, frame.conversation_id !== this.session.conversationId);
}, () => {});
}
rejoin() {const identity = this.identity();
const { conversationId, visitorToken, userIdentifier } = this.session;
const named = identity.user_identifier && !userIdentifier ? identity : { website_id: identity.website_id };
return { ...named, conversation_id: conversationId, visitor_token: visitorToken };
}
presence(data) {if (data && Number.isInteger(data.agents_online)) this.hooks.onPresence(data.agents_online);
}
receive(afterSeq, messages) {for (const message of messages) {if (message.role === "user" && message.client_id && this.outbox.acknowledge(message.client_id)) {this.cancel("ack:" + message.client_id);
this.cancel("retry:" + message.client_id);
}
}
this.hooks.onMessages(afterSeq, messages);
this.checkGap();
}
identity() {return { website_id: this.config.websiteId, ...this.hooks.identity() };
}
setSession(frame, created) {this.session = {conversationId: frame.conversation_id,visitorToken: frame.visitor_token,userIdentifier: frame.user_identifier || "",};
this.hooks.onSession(this.session, created);
}
adopt(session) {if (session && this.session && session.conversationId === this.session.conversationId) return;
this.session = session;
this.ready = false;
this.catchUp.reset();
if (!session && this.ws) {const ws = this.ws;
this.ws = null;
ws.onopen = ws.onmessage = ws.onclose = null;
ws.close();
this.heartbeat.stop();
this.connect();
} else if (this.socketOpen()) {this.identify();
} else if (session) {this.connect();
}
}
wake() {if (this.ws || this.state === REFUSED || !this.state) return;
this.backoff.reset();
this.connect();
}
setWorking(delta) {this.working += delta;
this.hooks.onTyping({ role: "assistant", is_typing: this.working > 0, local: true });
}
setState(state) {if (state === this.state) return;
this.state = state;
this.hooks.onState(state, this.reachable);
}
setReachable(reachable) {if (reachable === this.reachable) return;
this.reachable = reachable;
this.hooks.onState(this.state, reachable);
if (reachable) this.retryFailed();
}
socketOpen() {return Boolean(this.ws) && this.ws.readyState === OPEN;
}
sendFrame(frame) {if (this.socketOpen()) this.ws.send(JSON.stringify(frame));
}
later(name, seconds, fn) {this.cancel(name);
this.timers[name] = this.env.setTimeout(() => {delete this.timers[name];
fn();
}, seconds * 1000);
}
cancel(name) {if (this.timers[name] === undefined) return;
this.env.clearTimeout(this.timers[name]);
delete this.timers[name];
}
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

// widget/styles.js
const STYLESHEET = `
:host{all:initial!important;position:fixed!important;z-index:2147483647!important;display:block!important;inset:auto 20px 20px auto!important}
:host([data-position=left]){inset:auto auto 20px 20px!important}
.lc{--brand:#0b6e4f;--on-brand:#fff;--bg:#fff;--fg:#1f2933;--muted:#5f6b7a;--line:#d9dee3;--bubble:#eef1f4;--danger:#c0262d;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);text-align:left;-webkit-text-size-adjust:100%}
.lc[data-theme=dark]{--bg:#1d232b;--fg:#e8edf2;--muted:#a3adb8;--line:#38414c;--bubble:#2b333d;--danger:#ff7b80}
@media (prefers-color-scheme:dark){.lc[data-theme=auto]{--bg:#1d232b;--fg:#e8edf2;--muted:#a3adb8;--line:#38414c;--bubble:#2b333d;--danger:#ff7b80}}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
button{font:inherit;color:inherit;cursor:pointer;margin:0}
button:focus-visible,textarea:focus-visible,.log:focus-visible{outline:2px solid var(--brand);outline-offset:2px}
svg{width:24px;height:24px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.launcher{position:relative;display:grid;place-items:center;width:60px;height:60px;padding:0;border:0;border-radius:50%;background:var(--brand);color:var(--on-brand);box-shadow:0 6px 20px rgba(0,0,0,.28)}
.launcher svg{width:30px;height:30px}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:var(--danger);color:#fff;font-size:13px;font-weight:700;line-height:22px;text-align:center}
.panel{position:absolute;right:0;bottom:76px;display:flex;flex-direction:column;width:min(380px,calc(100vw - 40px));height:min(580px,calc(100vh - 116px));background:var(--bg);border:1px solid var(--line);border-radius:16px;box-shadow:0 16px 48px rgba(0,0,0,.28);overflow:hidden}
:host([data-position=left]) .panel{right:auto;left:0}
header{display:flex;align-items:center;gap:4px;padding:12px 8px 12px 18px;background:var(--brand);color:var(--on-brand)}
.heading{flex:1;min-width:0}
h2{margin:0;font-size:17px;font-weight:650;line-height:1.3}
.status{display:flex;align-items:center;gap:6px;margin:0;font-size:13px;opacity:.92}
.status::before{content:"";width:8px;height:8px;border-radius:50%;background:#a8b3bf}
.status[data-status=online]::before{background:#46e0a5}
.status[data-status=away]::before{background:#f5c451}
.icon{display:grid;place-items:center;width:44px;height:44px;padding:0;border:0;border-radius:10px;background:none}
.icon:hover{background:rgba(127,127,127,.22)}
.log{flex:1;display:flex;flex-direction:column;gap:10px;padding:14px;overflow-y:auto;overscroll-behavior:contain}
.msg{display:flex;flex-direction:column;align-items:flex-start;max-width:85%}
.msg.user{align-self:flex-end;align-items:flex-end}
.bubble{padding:9px 13px;border-radius:16px 16px 16px 4px;background:var(--bubble);white-space:pre-wrap;overflow-wrap:anywhere}
.user .bubble{border-radius:16px 16px 4px 16px;background:var(--brand);color:var(--on-brand)}
.bubble a{color:inherit;text-decoration:underline}
.who,.meta{margin:0 6px;font-size:12px;color:var(--muted)}
.failed .meta{color:var(--danger)}
.failed .bubble{opacity:.75}
.meta button{padding:0 4px;border:0;background:none;font-size:12px;font-weight:700;text-decoration:underline}
.note{align-self:center;max-width:92%;margin:0;font-size:13px;color:var(--muted);text-align:center}
.note.error{color:var(--danger)}
.away{padding:0 16px 8px}
.hint{margin:0;padding:0 16px;font-size:13px;color:var(--muted)}
.hint:empty{display:none}
textarea[aria-invalid]{border-color:var(--danger)}
.send[aria-disabled=true]{opacity:.6;cursor:default}
.typing{margin:0;padding:0 16px 8px;font-size:13px;font-style:italic;color:var(--muted)}
form{display:flex;align-items:flex-end;gap:8px;margin:0;padding:10px;border-top:1px solid var(--line)}
textarea{flex:1;min-width:0;min-height:44px;max-height:132px;margin:0;padding:10px 12px;border:1px solid var(--line);border-radius:12px;background:var(--bg);color:var(--fg);font:inherit;font-size:16px;line-height:1.4;resize:none}
textarea::placeholder{color:var(--muted);opacity:1}
.send{height:44px;padding:0 18px;border:0;border-radius:12px;background:var(--brand);color:var(--on-brand);font-size:16px;font-weight:650}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
@media (max-width:480px){.panel{position:fixed;inset:0;width:auto;height:auto;border:0;border-radius:0}.lc[data-open] .launcher{display:none}}
`;

// widget/view.js
const SVG = "http://www.w3.org/2000/svg";
const ICONS = {chat: "M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-5A8 8 0 1 1 21 12z",close: "M6 6l12 12M18 6L6 18",bell: "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0",mute: "M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 20a2 2 0 0 0 4 0M3 3l18 18",};
class View {constructor(config, actions, doc) {this.labels = config.labels;
this.max = config.maxMessageLength;
this.doc = doc;
this.bySeq = new Map();
this.byClient = new Map();
const L = this.labels;
const h = (tag, attrs, ...children) => this.el(tag, attrs, children);
this.host = doc.createElement("livechat-widget");
this.host.dataset.position = config.position;
const root = this.host.attachShadow({ mode: "open" });
this.style(root, config.nonce);
this.status = h("p", { class: "status" });
this.sound = h("button", { type: "button", class: "icon" });
this.log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": L.title, tabindex: "0" },h("p", { class: "note" }, L.greeting));
this.typingLine = h("p", { class: "typing", "aria-live": "polite", hidden: true }, L.typing);
this.input = h("textarea", {id: "lc-input", rows: "1", placeholder: L.placeholder, autocomplete: "off", "aria-describedby": "lc-hint",});
this.sendButton = h("button", { type: "submit", class: "send", "aria-disabled": "true" }, L.send);
this.hint = h("p", { id: "lc-hint", class: "hint", "aria-live": "polite" });
this.away = h("p", { class: "note away", hidden: true }, L.awayText);
this.form = h("form", {},h("label", { class: "sr", for: "lc-input" }, L.inputLabel),this.input,this.sendButton);
this.panel = h("section", { id: "lc-panel", class: "panel", "aria-label": L.title, hidden: true },h("header", {},h("div", { class: "heading" }, h("h2", {}, L.title), this.status),config.sound ? this.sound : "",h("button", { type: "button", class: "icon close", "aria-label": L.closeChat }, this.icon("close"))),this.log, this.typingLine, this.away, this.hint, this.form);
this.unread = h("span", { id: "lc-unread", class: "sr" });
this.badge = h("span", { class: "badge", "aria-hidden": "true", hidden: true });
this.launcher = h("button", {type: "button", class: "launcher", "aria-label": L.openChat, "aria-expanded": "false","aria-controls": "lc-panel", "aria-describedby": "lc-unread",}, this.icon("chat"), this.badge, this.unread);
this.box = h("div", { class: "lc", "data-theme": config.theme }, this.panel, this.launcher);
root.append(this.box);
this.brand = config.color;
this.launcher.onclick = () => actions.toggle();
this.panel.querySelector(".close").onclick = () => actions.close();
this.sound.onclick = () => actions.mute();
this.panel.onkeydown = (event) => {if (event.key === "Escape") actions.close();
};
const submit = () => {const size = this.checkInput();
if (!size || size > this.max) this.hint.textContent = size ? this.tooLong() : L.empty;
else if (actions.send(this.input.value)) {this.input.value = "";
this.grow();
this.checkInput();
}
this.input.focus();
};
this.form.onsubmit = (event) => {event.preventDefault();
submit();
};
this.input.onkeydown = (event) => {if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {event.preventDefault();
submit();
}
};
this.input.oninput = () => {this.grow();
actions.typing(this.checkInput() > 0);
};
this.retry = (clientId) => actions.retry(clientId);
}
checkInput() {const size = [...this.input.value.trim()].length;
const left = this.max - size;
this.sendButton.setAttribute("aria-disabled", !size);
this.input.toggleAttribute("aria-invalid", left < 0);
this.hint.textContent = left < 0 ? this.tooLong() : left < this.max / 10 ? this.labels.charsLeft.replace("{count}", left) : "";
return size;
}
tooLong() {return this.labels.tooLong.replace("{max}", this.max);
}
el(tag, attrs, children) {const el = this.doc.createElement(tag);
for (const [name, value] of Object.entries(attrs || {})) {if (value === true) el.setAttribute(name, "");
else if (value !== false && value != null) el.setAttribute(name, value);
}
el.append(...children);
return el;
}
icon(name) {const svg = this.doc.createElementNS(SVG, "svg");
const path = this.doc.createElementNS(SVG, "path");
svg.setAttribute("viewBox", "0 0 24 24");
svg.setAttribute("aria-hidden", "true");
path.setAttribute("d", ICONS[name]);
svg.append(path);
return svg;
}
style(root, nonce) {try {const sheet = new CSSStyleSheet();
sheet.replaceSync(STYLESHEET);
root.adoptedStyleSheets = [sheet];
} catch {const style = this.doc.createElement("style");
if (nonce) style.nonce = nonce;
style.textContent = STYLESHEET;
root.append(style);
}
}
mount() {this.doc.body.append(this.host);
if (this.host.showPopover) {this.host.popover = "manual";
this.host.showPopover();
}
this.setBrand(this.brand);
}
setBrand(color) {const box = this.box;
if (!color || !isColor(color)) return;
box.style.setProperty("--brand", color);
const rgb = getComputedStyle(this.launcher).backgroundColor.match(/[\d.]+/g) || [];
const [r, g, b] = rgb.map(Number);
if (0.299 * r + 0.587 * g + 0.114 * b > 170) box.style.setProperty("--on-brand", "#111");
}
setOpen(open, focus = true) {this.panel.hidden = !open;
this.box.toggleAttribute("data-open", open);
this.launcher.setAttribute("aria-expanded", String(open));
this.launcher.setAttribute("aria-label", open ? this.labels.closeChat : this.labels.openChat);
this.launcher.firstChild.replaceWith(this.icon(open ? "close" : "chat"));
if (open) {this.scroll(true);
if (focus) this.input.focus();
}
}
focusLauncher() {this.launcher.focus();
}
setConnection(state, status) {this.host.dataset.connection = state;
this.host.dataset.status = status;
this.status.textContent = status ? this.labels[status] : "";
this.status.dataset.status = status;
this.away.hidden = status !== "away";
}
setTyping(on) {this.typingLine.hidden = !on;
if (on) this.scroll();
}
setUnread(count) {this.badge.hidden = !count;
this.badge.textContent = count > 9 ? "9+" : String(count);
this.unread.textContent = count ? this.labels.unread.replace("{count}", count) : "";
}
setMuted(muted) {this.sound.replaceChildren(this.icon(muted ? "mute" : "bell"));
this.sound.setAttribute("aria-label", muted ? this.labels.soundOn : this.labels.soundOff);
}
message(message) {if (this.bySeq.has(message.seq)) return;
const pending = this.byClient.get(message.client_id);
const { role } = message;
const who = role === "agent" ? message.sender_name : role === "assistant" ? this.labels.auto : "";
const row = this.bubble(role, message.message, who);
row.dataset.seq = message.seq;
const time = new Date(message.timestamp);
if (message.timestamp && !isNaN(time)) {const stamp = this.el("time", { datetime: message.timestamp, title: time.toLocaleString() }, [time.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),]);
row.append(this.el("p", { class: "meta" }, [stamp]));
}
this.bySeq.set(message.seq, row);
const stick = this.nearBottom() || Boolean(pending);
if (pending) {pending.remove();
this.byClient.delete(message.client_id);
}
const next = [...this.log.children].find((child) =>
child.dataset.seq ? Number(child.dataset.seq) > message.seq : Boolean(child.dataset.clientId));
this.log.insertBefore(row, next || null);
this.scroll(stick);
}
item(item) {let row = this.byClient.get(item.clientId);
if (item.state !== PENDING && item.state !== FAILED) return;
if (!row) {row = this.bubble("user", item.text, "");
row.dataset.clientId = item.clientId;
this.byClient.set(item.clientId, row);
this.log.append(row);
this.scroll(true);
}
row.dataset.state = item.state;
row.classList.toggle("failed", item.state === FAILED);
const meta = row.querySelector(".meta") || row.appendChild(this.el("p", { class: "meta" }, []));
if (item.state === PENDING) {meta.replaceChildren(this.labels.sending);
return;
}
const retry = this.el("button", { type: "button" }, [this.labels.retry]);
retry.onclick = () => this.retry(item.clientId);
const reason = item.code === "MESSAGE_TOO_LONG" ? this.tooLong() : item.error;
meta.replaceChildren([this.labels.failed, reason].filter(Boolean).join(" ") + " ", retry);
}
note(text, kind) {this.log.append(this.el("p", { class: "note " + (kind || "") }, [text]));
this.scroll(true);
}
clearMessages() {for (const row of [...this.bySeq.values(), ...this.byClient.values()]) row.remove();
this.bySeq.clear();
this.byClient.clear();
}
bubble(role, text, who) {const bubble = this.el("div", { class: "bubble" }, []);
for (const part of linkify(String(text || ""))) {if (!part.href) {bubble.append(part.text);
continue;
}
const link = this.el("a", { target: "_blank", rel: "noopener noreferrer nofollow ugc" }, [part.text]);
link.href = part.href;
bubble.append(link);
}
const row = this.el("div", { class: "msg " + (role === "user" ? "user" : role) }, []);
if (who) row.append(this.el("span", { class: "who" }, [who]));
row.append(bubble);
return row;
}
grow() {this.input.style.height = "auto";
this.input.style.height = Math.min(this.input.scrollHeight + 2, 132) + "px";
}
nearBottom() {const log = this.log;
return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
}
scroll(force) {if (force || this.nearBottom()) this.log.scrollTop = this.log.scrollHeight;
}
}
function isColor(color) {return typeof CSS === "undefined" || !CSS.supports || CSS.supports("color", color);
}

// widget/controller.js
const EVENTS = ["message", "open", "close", "status", "sound"];
class ChatWidget {constructor(config, env) {this.config = config;
this.env = env;
this.listeners = Object.fromEntries(EVENTS.map((name) => [name, new Set()]));
this.user = {};
this.isOpen = false;
this.agents = undefined;
this.log = new MessageLog();
this.outbox = new Outbox();
this.store = new VisitorStore(localStorageOf(env), config.websiteId);
this.chime = new Chime("django-livechat-sound:" + config.websiteId, env);
this.view = new View(config, {toggle: () => this.toggle(),close: () => {this.close();
this.view.focusLauncher();
},send: (text) => this.send(text),retry: (clientId) => this.retry(clientId),mute: () => this.setMuted(!this.store.state.muted),typing: (on) => this.typing(on),}, env.document);
this.transport = new Transport({config,http: httpClient(config.apiUrl, (...args) => env.fetch(...args)),outbox: this.outbox,hooks: this,env: {WebSocket: env.WebSocket,setTimeout: (fn, ms) => env.setTimeout(fn, ms),clearTimeout: (id) => env.clearTimeout(id),random: Math.random,},});
this.typingOn = { remote: false, local: false };
this.openKey = "django-livechat-open:" + config.websiteId;
this.view.mount();
this.view.setMuted(this.store.state.muted);
env.addEventListener("storage", (event) => this.storageChanged(event));
env.addEventListener("online", () => this.transport.wake());
env.addEventListener("offline", () => this.onState());
env.document.addEventListener("visibilitychange", () => this.updateUnread());
const saved = this.savedSession();
this.baseline = saved ? null : 0;
if (saved) {this.transport.session = saved;
this.transport.connect();
}
if (this.tabStorage()?.getItem(this.openKey)) this.open(false);
}
api() {const api = {version: "1",open: () => this.open(),close: () => this.close(),toggle: () => this.toggle(),setUser: (user) => this.setUser(user),on: (event, fn) => {this.listeners[event].add(fn);
return () => this.listeners[event].delete(fn);
},off: (event, fn) => this.listeners[event].delete(fn),push: (fn) => fn(api),};
return Object.freeze(api);
}
open(focus = true) {this.use();
if (this.isOpen) return;
this.isOpen = true;
this.keepOpen(true);
this.view.setOpen(true, focus);
if (!this.transport.session && this.agents === undefined) this.transport.probe();
this.transport.connect();
this.onState();
this.updateUnread();
this.emit("open");
}
close() {if (!this.isOpen) return;
this.isOpen = false;
this.keepOpen(false);
this.view.setOpen(false);
this.emit("close");
}
toggle() {if (this.isOpen) this.close();
else this.open();
}
setUser(user) {this.user = { ...(user || {}) };
const session = this.transport.session;
const identifier = this.user.identifier ? String(this.user.identifier) : "";
if (!session || session.userIdentifier === identifier) return;
if (session.userIdentifier) {this.transport.adopt(null);
this.onSessionLost();
} else if (identifier) {this.transport.reidentify();
}
}
emit(event, detail) {for (const fn of this.listeners[event]) {try {fn(detail);
} catch (error) {console.error(error);
}
}
}
use() {this.store.enable();
this.chime.arm();
}
send(text) {text = String(text || "").trim();
if (!text) return false;
this.use();
this.typing(false);
const item = this.outbox.add(text);
this.view.item(item);
this.transport.send(item);
return true;
}
retry(clientId) {const item = this.outbox.retry(clientId);
if (!item) return;
this.view.item(item);
this.transport.send(item);
}
setMuted(muted) {this.use();
this.store.update({ muted });
this.view.setMuted(muted);
}
typing(on) {const transport = this.transport;
this.env.clearTimeout(this.typingTimer);
const now = Date.now();
if (on && transport.ready) {if (now - (this.typingSentAt || 0) > 5000) transport.sendFrame({ type: "typing", is_typing: true });
this.typingSentAt = now;
this.typingTimer = this.env.setTimeout(() => this.typing(false), 4000);
} else if (!on && this.typingSentAt) {this.typingSentAt = 0;
transport.sendFrame({ type: "typing", is_typing: false });
}
}
identity() {const { identifier, name, email } = this.user;
const hash = this.user.identifier_hash || this.user.hash;
const { location, navigator, document } = this.env;
const metadata = {page: (location.origin + location.pathname).slice(0, 500),title: String(document.title || "").slice(0, 200),language: navigator.language,browser: String(navigator.userAgent).slice(0, 300),};
if (name) metadata.name = String(name).slice(0, 200);
if (email) metadata.email = String(email).slice(0, 200);
const identity = { metadata };
if (identifier) identity.user_identifier = String(identifier).slice(0, 255);
if (identifier && hash) identity.identifier_hash = String(hash);
return identity;
}
lastSeq() {return this.log.lastSeq;
}
highestSeq() {return this.log.highest;
}
onSession(session, created) {if (created && this.log.highest) this.onSessionLost();
this.store.update({conversationId: session.conversationId,visitorToken: session.visitorToken,userIdentifier: session.userIdentifier,});
}
onSessionLost() {this.store.update({ conversationId: "", visitorToken: "", userIdentifier: "", readSeq: 0 });
this.log.clear();
this.view.clearMessages();
this.baseline = 0;
}
onMessages(afterSeq, messages) {const added = afterSeq === null ? messages.filter((m) => this.log.add(m)) : this.log.addPage(afterSeq, messages);
added.sort((a, b) => a.seq - b.seq);
for (const message of added) this.view.message(message);
if (this.baseline === null && afterSeq !== null) {this.baseline = this.log.highest;
this.updateUnread();
return;
}
const news = added.filter((m) => this.baseline === null || m.seq > this.baseline);
const replies = news.filter((m) => m.role !== "user");
if (replies.length) {this.setTyping("remote", false);
const seq = replies[replies.length - 1].seq;
if (this.config.sound && !this.store.state.muted && this.chime.shouldPlay(seq, (s) => this.claimChime(s))) {this.chime.play();
this.emit("sound", seq);
}
}
for (const message of news) this.emit("message", { ...message });
this.updateUnread();
}
onTyping(event) {if (event.role === "user") return;
this.setTyping(event.local ? "local" : "remote", Boolean(event.is_typing));
}
onStatus(event) {const L = this.config.labels;
if (event.status === "resolved") this.view.note(L.resolved);
else if (event.status === "open") this.view.note(L.reopened);
this.emit("status", event.status);
}
onError(error) {const L = this.config.labels;
this.setTyping("remote", false);
if (error.code === "NETWORK") return; // the status line says "Offline"
const refused = error.code === "FORBIDDEN" || error.code === "INVALID_WEBSITE";
this.view.note(refused ? L.refused : error.detail || L.error, "error");
}
onItem(item) {this.view.item(item);
}
onState() {this.view.setConnection(this.transport.state, this.status());
}
onPresence(count) {this.agents = count;
this.onState();
}
status() {const { state, reachable } = this.transport;
if (state === REFUSED || this.env.navigator.onLine === false) return "offline";
if (state === SOCKET || reachable) return this.agents === 0 ? "away" : "online";
return reachable === false ? "offline" : state ? "connecting" : "";
}
setTyping(source, on) {this.typingOn[source] = on;
if (source === "remote") {this.env.clearTimeout(this.typingExpiry);
if (on) this.typingExpiry = this.env.setTimeout(() => this.setTyping("remote", false), this.config.typingTimeout * 1000);
}
this.view.setTyping(this.typingOn.remote || this.typingOn.local);
}
updateUnread() {if (this.isOpen && this.env.document.visibilityState !== "hidden" && this.log.highest > this.store.state.readSeq) {this.store.update({ readSeq: this.log.highest });
}
this.view.setUnread(this.log.repliesAfter(this.store.state.readSeq));
}
claimChime(seq) {if (this.store.read().soundSeq >= seq) return false;
this.store.update({ soundSeq: seq });
return true;
}
keepOpen(open) {try {if (this.store.enabled) this.tabStorage()[open ? "setItem" : "removeItem"](this.openKey, "1");
} catch {}
}
tabStorage() {try {return this.env.sessionStorage;
} catch {return null;
}
}
savedSession() {const { conversationId, visitorToken, userIdentifier } = this.store.state;
return conversationId && visitorToken ? { conversationId, visitorToken, userIdentifier: userIdentifier || "" } : null;
}
storageChanged(event) {const before = this.store.changed(event);
if (!before) return;
this.store.enabled = true;
const now = this.store.state;
if (now.muted !== before.muted) this.view.setMuted(now.muted);
if (now.conversationId !== before.conversationId && now.conversationId !== this.transport.session?.conversationId) {this.log.clear();
this.view.clearMessages();
this.baseline = 0;
this.transport.adopt(this.savedSession());
}
this.updateUnread();
}
}
function localStorageOf(env) {try {return env.localStorage;
} catch {return null;
}
}

// widget/main.js
const SETTINGS_WAIT = 3000;
function start() {if (window.LiveChat && window.LiveChat.version) return;
const script = document.currentScript;
const element = document.getElementById((script && script.dataset.livechatConfig) || "django-livechat-config");
let fromTag = null;
try {fromTag = element ? JSON.parse(element.textContent) : null;
} catch {console.error("django_livechat: the widget's configuration is not valid JSON");
}
const fallback = script && script.src ? { apiUrl: new URL("/livechat/", script.src).href } : null;
const configure = (settings) => resolveConfig([fallback, fromTag, settings, window.ChatBotConfig], location.href);
let config = configure(null);
if (!config.websiteId) {console.error("django_livechat: no websiteId in the configuration; the chat is off");
return;
}
const nonce = config.nonce || (script && script.nonce) || "";
const queued = Array.isArray(window.LiveChat) ? window.LiveChat : [];
const boot = (settings) => {config = configure(settings);
config.nonce = nonce;
const widget = new ChatWidget(config, window);
if (settings) widget.transport.presence(settings);
const api = widget.api();
window.LiveChat = api;
queued.forEach((fn) => api.push(fn));
document.dispatchEvent(new CustomEvent("livechat:ready", { detail: api }));
};
const settings =
fromTag && fromTag.settingsLoaded
? Promise.resolve(null)
: Promise.race([httpClient(config.apiUrl, (...args) => fetch(...args)).widget(config.websiteId).catch(() => null),new Promise((resolve) => setTimeout(resolve, SETTINGS_WAIT, null)),]);
settings.then((found) => {if (document.body) boot(found);
else document.addEventListener("DOMContentLoaded", () => boot(found), { once: true });
});
}
start();
})();
