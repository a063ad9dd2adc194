import assert from "node:assert/strict";
import { test } from "node:test";

import { MessageLog } from "../../js/shared/messages.js";
import { ChatError, NETWORK } from "../../js/widget/http.js";
import { FAILED, Outbox, PENDING, SENT } from "../../js/widget/outbox.js";
import { reidentify } from "../../js/widget/reidentify.js";
import { POLLING, REFUSED, SOCKET, Transport } from "../../js/widget/transport.js";
import { FakeClock, settle, socketClass } from "./fakes.mjs";

/** The HTTP API: ``stored`` is the conversation on the server, ``failures`` what to throw. */
function fakeHttp() {
  const http = {
    calls: [],
    failures: {},
    stored: [],
    extra: {}, // fields every answer carries (agents_online)
    async open(body) {
      http.calls.push(["open", body]);
      if (http.failures.open) throw http.failures.open;
      return { type: "identified", conversation_id: "conv-1", visitor_token: "token-1", user_identifier: "" };
    },
    async post(token, message, clientId) {
      http.calls.push(["post", token, message, clientId]);
      if (http.failures.post) throw http.failures.post;
      const seq = http.stored.length;
      const stored = { seq: seq + 1, role: "user", message, client_id: clientId };
      const reply = { seq: seq + 2, role: "assistant", message: "auto" };
      http.stored.push(stored, reply);
      return { message: stored, reply };
    },
    async list(token, afterSeq) {
      http.calls.push(["list", token, afterSeq]);
      if (http.failures.list) throw http.failures.list;
      return { messages: http.stored.filter((m) => m.seq > afterSeq), has_more: false, ...http.extra };
    },
    async widget(websiteId) {
      http.calls.push(["widget", websiteId]);
      if (http.failures.widget) throw http.failures.widget;
      return { website_id: websiteId, theme: "dark", ...http.extra };
    },
  };
  return http;
}

function setup({ session = null, retries = 2, heartbeat = 25 } = {}) {
  const clock = new FakeClock();
  const WebSocket = socketClass();
  const http = fakeHttp();
  const log = new MessageLog();
  const outbox = new Outbox();
  const events = { typing: [], errors: [], sessions: [], lost: 0, states: [], presence: [], reachable: [], availability: [], deltas: [], handoffs: [] };
  const hooks = {
    identity: () => ({ metadata: { page: "/" } }),
    lastSeq: () => log.lastSeq,
    highestSeq: () => log.highest,
    onSession: (s, created, frame) => events.sessions.push({ ...s, created, rated: frame.rated }),
    onSessionLost: () => events.lost++,
    onMessages: (after, messages) => (after === null ? messages.forEach((m) => log.add(m)) : log.addPage(after, messages)),
    onTyping: (event) => events.typing.push(event.is_typing),
    onStatus: () => {},
    onDelta: (event) => events.deltas.push(event.text),
    onHandoff: (event) => events.handoffs.push(event.by),
    onError: (error) => events.errors.push(error.code),
    onItem: () => {},
    onState: (state, reachable) => events.states.push(state) && events.reachable.push(reachable),
    onPresence: (count) => events.presence.push(count),
    onAvailability: (patch) => events.availability.push(patch),
  };
  const config = {
    websiteId: "site-1",
    wsUrl: "ws://chat.example/ws/livechat/widget/",
    reconnectMaxRetries: retries,
    reconnectBaseDelay: 1,
    pollInterval: 3,
    heartbeatInterval: heartbeat,
  };
  const env = { WebSocket, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: () => 0 };
  const transport = new Transport({ config, http, outbox, hooks, env });
  transport.session = session;
  return { transport, clock, sockets: WebSocket.all, http, log, outbox, events };
}

const SESSION = { conversationId: "conv-1", visitorToken: "token-1", userIdentifier: "" };
const IDENTIFIED = { type: "identified", conversation_id: "conv-1", visitor_token: "token-1", user_identifier: "" };

async function socketReady(t) {
  t.transport.connect();
  t.sockets.at(-1).open();
  t.sockets.at(-1).receive(IDENTIFIED);
  await settle();
}

test("a message goes over HTTP at once while the socket is not open", async () => {
  const t = setup();
  t.transport.connect(); // still connecting
  const item = t.outbox.add("hello");
  t.transport.send(item);
  await settle();
  assert.deepEqual(t.http.calls.map((c) => c[0]), ["open", "post"]);
  assert.equal(t.http.calls[0][1].website_id, "site-1");
  assert.deepEqual(t.http.calls[1], ["post", "token-1", "hello", item.clientId]);
  assert.equal(item.state, SENT);
  assert.deepEqual(t.log.list().map((m) => m.message), ["hello", "auto"]);
  assert.deepEqual(t.events.typing, [true, false], "typing while the HTTP reply is awaited, then off");
  assert.equal(t.events.sessions[0].created, true);
});

test("over an open socket: identify, then the message; the echo by client_id confirms it", async () => {
  const t = setup();
  t.transport.connect();
  const socket = t.sockets[0];
  socket.open();
  const item = t.outbox.add("hello");
  t.transport.send(item);
  assert.deepEqual(socket.sent.map((f) => f.type), ["identify"]);
  assert.equal(socket.sent[0].website_id, "site-1");
  assert.equal(socket.sent[0].visitor_token, undefined);
  socket.receive(IDENTIFIED);
  assert.deepEqual(socket.sent[1], { type: "chat_message", message: "hello", client_id: item.clientId });
  assert.equal(item.state, PENDING);
  socket.receive({ type: "chat_message", seq: 1, role: "user", message: "hello", client_id: item.clientId });
  assert.equal(item.state, SENT);
  assert.deepEqual(t.http.calls, []);
  assert.equal(t.transport.state, SOCKET);
});

test("a socket message not echoed in time is sent over HTTP (same client_id)", async () => {
  const t = setup({ session: SESSION });
  await socketReady(t);
  const item = t.outbox.add("hello");
  t.transport.send(item);
  t.clock.advance(10_000);
  await settle();
  assert.deepEqual(t.http.calls.map((c) => c.slice(0, 1).concat(c[3])), [["post", item.clientId]]);
  assert.equal(item.state, SENT);
});

test("an error frame that names no message: HTTP answers for each unconfirmed one", async () => {
  const t = setup({ session: SESSION });
  await socketReady(t);
  const item = t.outbox.add("hello");
  t.transport.send(item);
  t.http.failures.post = new ChatError("MESSAGE_TOO_LONG", "The message is too long.", { status: 413 });
  t.sockets[0].receive({ type: "error", code: "UNKNOWN_TYPE", message: "Unknown type." });
  await settle();
  assert.equal(t.http.calls.length, 1);
  assert.equal(item.state, FAILED);
  assert.equal(item.error, "The message is too long.");
  assert.equal(item.retryable, false, "waits for the visitor's Retry");
  assert.deepEqual(t.events.errors, [], "shown on the message, not twice");
});

test("no message waits for a reconnect: unconfirmed ones go over HTTP when the socket drops", async () => {
  const t = setup({ session: SESSION });
  await socketReady(t);
  const item = t.outbox.add("hello");
  t.transport.send(item);
  t.sockets[0].drop();
  await settle();
  assert.deepEqual(t.http.calls.map((c) => c[0]).sort(), ["list", "post"], "and a poll at once: is HTTP up?");
  assert.equal(item.state, SENT);
});

test("backoff with jitter up to the retry limit, then HTTP polling and a socket try now and then", async () => {
  const t = setup({ session: SESSION, retries: 2 });
  t.transport.connect();
  t.sockets[0].drop();
  await settle(); // the first failure polls at once (does HTTP work?), then every 3 s
  assert.deepEqual(t.http.calls.map((c) => c[0]), ["list"]);
  assert.deepEqual(t.clock.delays(), [500, 3000], "first retry after base/2 (random 0); a poll");
  t.clock.advance(500);
  assert.equal(t.sockets.length, 2);
  t.sockets[1].drop();
  assert.ok(t.clock.delays().includes(1000), "then after base (random 0)");
  t.clock.advance(1000);
  t.sockets[2].drop();
  assert.equal(t.transport.state, POLLING, "retries used up");
  assert.equal(t.sockets.length, 3);
  t.clock.advance(3000);
  await settle();
  assert.deepEqual(t.http.calls.at(-1), ["list", "token-1", 0]);
  t.clock.advance(27_000 - 1);
  assert.equal(t.sockets.length, 3);
  t.clock.advance(1);
  assert.equal(t.sockets.length, 4, "the socket is tried again after 30 s");
  t.sockets[3].respond = (frame) => frame.type === "ping" && { type: "pong", last_seq: 0 }; // a live server answers the heartbeat
  t.sockets[3].open();
  t.sockets[3].receive(IDENTIFIED);
  assert.equal(t.transport.state, SOCKET);
  const polls = t.http.calls.length;
  t.clock.advance(60_000);
  await settle();
  assert.equal(t.http.calls.length, polls, "no polling while the socket works");
});

test("every rejoin asks for what came after the last seq held; duplicates are dropped", async () => {
  const t = setup({ session: SESSION });
  t.transport.connect();
  t.sockets[0].open();
  assert.equal(t.sockets[0].sent[0].last_seq, 0);
  assert.equal(t.sockets[0].sent[0].visitor_token, "token-1");
  t.sockets[0].receive(IDENTIFIED);
  t.sockets[0].receive({ type: "history", messages: [{ seq: 1, role: "user" }, { seq: 2, role: "assistant" }] });
  t.sockets[0].drop();
  t.clock.advance(500);
  t.sockets[1].open();
  assert.equal(t.sockets[1].sent[0].last_seq, 2);
  t.sockets[1].receive(IDENTIFIED);
  t.sockets[1].receive({ type: "history", messages: [{ seq: 2, role: "assistant" }, { seq: 3, role: "agent" }] });
  t.sockets[1].receive({ type: "chat_message", seq: 3, role: "agent" });
  assert.deepEqual(t.log.list().map((m) => m.seq), [1, 2, 3]);
});

test("a long history is fetched page by page", async () => {
  const t = setup({ session: SESSION });
  t.transport.connect();
  t.sockets[0].open();
  t.sockets[0].receive(IDENTIFIED);
  t.sockets[0].receive({ type: "history", has_more: true, messages: [{ seq: 1 }, { seq: 2 }] });
  assert.deepEqual(t.sockets[0].sent.at(-1), { type: "history", last_seq: 2 });
});

test("a refused token is dropped once; a second refusal is final and says so", async () => {
  const t = setup({ session: SESSION });
  t.transport.connect();
  t.sockets[0].open();
  t.sockets[0].receive({ type: "error", code: "FORBIDDEN", message: "The visitor_token is not valid." });
  t.sockets[0].drop(4403);
  assert.equal(t.events.lost, 1);
  assert.equal(t.transport.session, null);
  assert.equal(t.sockets.length, 2, "reconnects at once, without the token");
  const item = t.outbox.add("hello");
  t.sockets[1].open();
  t.transport.send(item);
  assert.equal(t.sockets[1].sent[0].visitor_token, undefined);
  t.sockets[1].receive({ type: "error", code: "FORBIDDEN", message: "Origin may not embed this chat." });
  t.sockets[1].drop(4403);
  assert.equal(t.transport.state, REFUSED);
  assert.equal(item.state, FAILED);
  assert.equal(item.retryable, false);
  assert.deepEqual(t.events.errors, ["FORBIDDEN"]);
  assert.deepEqual(t.clock.delays(), [], "no more attempts until the visitor retries");
});

test("messages that failed on the network are sent again once the server answers", async () => {
  const t = setup({ session: SESSION });
  t.transport.connect();
  t.http.failures.post = new ChatError(NETWORK);
  t.http.failures.list = new ChatError(NETWORK);
  const item = t.outbox.add("hello");
  t.transport.send(item);
  await settle();
  assert.equal(item.state, FAILED);
  assert.equal(item.retryable, true);
  t.sockets[0].drop(); // the server is down: polling starts, the socket retries
  t.http.failures = {};
  t.clock.advance(3000); // the next poll reaches the server
  await settle();
  await settle();
  assert.equal(item.state, SENT);
  assert.deepEqual(t.http.calls.map((c) => c[0]), ["post", "list", "post"]);
});

test("leaving a conversation (another visitor) replaces the socket, which was in its group", async () => {
  const t = setup({ session: SESSION });
  await socketReady(t);
  t.transport.adopt(null);
  assert.equal(t.sockets[0].readyState, 3, "the old socket is closed");
  assert.equal(t.sockets.length, 2);
  t.sockets[1].open();
  assert.deepEqual(t.sockets[1].sent, [], "no identify until there is something to send");
  const item = t.outbox.add("hello");
  t.transport.send(item);
  assert.equal(t.sockets[1].sent[0].type, "identify");
  assert.equal(t.sockets[1].sent[0].visitor_token, undefined, "a new conversation");
});

test("another tab's conversation is joined on the open socket", async () => {
  const t = setup();
  t.transport.connect();
  t.sockets[0].open();
  t.transport.adopt({ conversationId: "conv-2", visitorToken: "token-2", userIdentifier: "" });
  assert.deepEqual(t.sockets[0].sent[0], {
    type: "identify",
    website_id: "site-1",
    conversation_id: "conv-2",
    visitor_token: "token-2",
    last_seq: 0,
  });
});

test("an unknown or inactive website over HTTP stops the widget and says so", async () => {
  const t = setup();
  t.http.failures.open = new ChatError("INVALID_WEBSITE", "", { status: 404 });
  const item = t.outbox.add("hello");
  t.transport.send(item);
  await settle();
  assert.equal(item.state, FAILED);
  assert.equal(t.transport.state, REFUSED);
  assert.deepEqual(t.events.errors, ["INVALID_WEBSITE"]);
});

// ---------------------------------------------------------------- protocol v2: never rely on live delivery alone

const chat = (seq, role = "assistant", fields = {}) => ({ type: "chat_message", seq, role, message: `#${seq}`, ...fields });
const history = (...seqs) => ({ type: "history", has_more: false, messages: seqs.map((seq) => chat(seq)) });

/** Rejoined over the socket, holding seqs 1 and 2. */
async function rejoined(options = {}) {
  const t = setup({ session: SESSION, ...options });
  await socketReady(t);
  t.sockets[0].receive(history(1, 2));
  return { ...t, socket: t.sockets[0] };
}

test("heartbeat: a ping with the last seq held every heartbeatInterval seconds (one naming the website before identify)", async () => {
  const t = await rejoined({ heartbeat: 10 });
  t.clock.advance(9_999);
  assert.deepEqual(t.socket.frames("ping"), []);
  t.clock.advance(1);
  assert.deepEqual(t.socket.frames("ping"), [{ type: "ping", last_seq: 2 }]);
  t.clock.advance(10_000);
  assert.equal(t.socket.frames("ping").length, 2);

  const fresh = setup({ heartbeat: 10 });
  fresh.transport.connect();
  fresh.sockets[0].open(); // nothing to send: no identify
  fresh.clock.advance(10_000);
  // Named, so that its pong says who is online before any conversation.
  assert.deepEqual(fresh.sockets[0].sent, [{ type: "ping", website_id: fresh.transport.config.websiteId }]);
  fresh.sockets[0].receive({ type: "pong", agents_online: 1 });
  assert.deepEqual(fresh.events.presence.at(-1), 1);
});

test("a pong naming a newer seq than any held: after a grace second, history after the last seq held", async () => {
  const t = await rejoined();
  t.socket.receive({ type: "pong", last_seq: 4 });
  t.clock.advance(999);
  assert.deepEqual(t.socket.frames("history"), [], "the event may just be late");
  t.clock.advance(1);
  assert.deepEqual(t.socket.frames("history"), [{ type: "history", last_seq: 2, reason: "gap" }]);
  t.socket.receive(history(3, 4));
  assert.deepEqual(t.log.list().map((m) => m.seq), [1, 2, 3, 4]);
  t.socket.receive({ type: "pong", last_seq: 4 });
  t.clock.advance(5_000);
  assert.equal(t.socket.frames("history").length, 1, "nothing missing: nothing asked");
});

test("a message leaving a hole below it: the hole is asked for if it is still open after a second", async () => {
  const t = await rejoined();
  t.socket.receive(chat(4));
  t.clock.advance(500);
  t.socket.receive(chat(3)); // late, not lost
  t.clock.advance(5_000);
  assert.deepEqual(t.socket.frames("history"), []);

  t.socket.receive(chat(6)); // 5 was dropped on the way
  t.clock.advance(1_000);
  assert.deepEqual(t.socket.frames("history"), [{ type: "history", last_seq: 4, reason: "gap" }]);
  t.socket.receive(history(5, 6));
  assert.equal(t.log.lastSeq, 6);
});

test("never more than one catch-up in flight; a gap seen meanwhile is looked at after the answer", async () => {
  const t = await rejoined();
  t.socket.receive({ type: "pong", last_seq: 5 });
  t.clock.advance(1_000);
  assert.equal(t.socket.frames("history").length, 1);
  t.socket.receive(chat(8)); // another hole while the answer is on its way
  t.socket.receive({ type: "pong", last_seq: 8 });
  t.clock.advance(5_000);
  assert.equal(t.socket.frames("history").length, 1);
  t.socket.receive(history(3, 4, 5)); // read before 6 and 7 were stored
  t.clock.advance(1_000);
  assert.deepEqual(t.socket.frames("history")[1], { type: "history", last_seq: 5, reason: "gap" });
});

test("the history that answers a rejoin counts as the catch-up in flight", async () => {
  const t = setup({ session: SESSION });
  await socketReady(t);
  const socket = t.sockets[0];
  socket.receive(chat(3)); // live, before the rejoin's history
  t.clock.advance(3_000);
  assert.deepEqual(socket.frames("history"), []);
  socket.receive(history(1, 2, 3));
  t.clock.advance(3_000);
  assert.deepEqual(socket.frames("history"), []);
  assert.equal(t.log.lastSeq, 3);
});

test("while the widget polls over HTTP the poll catches up: no history is asked on the socket", async () => {
  const t = setup({ session: SESSION });
  t.transport.connect();
  t.sockets[0].open();
  t.sockets[0].drop(); // before identify: polling starts
  // Two agent messages the socket never delivered; the visitor's message is answered 3 and 4.
  t.http.stored.push(chat(1, "agent"), chat(2, "agent"));
  t.transport.send(t.outbox.add("hello"));
  await settle();
  assert.deepEqual(t.log.list().map((m) => m.seq), [3, 4]);
  t.clock.advance(3_000);
  await settle();
  assert.deepEqual(t.http.calls.at(-1), ["list", "token-1", 0]);
  assert.deepEqual(t.log.list().map((m) => m.seq), [1, 2, 3, 4]);
  assert.deepEqual(t.sockets.flatMap((s) => s.frames("history")), []);
});

test("a socket silent for 2 × heartbeat + 5 s is closed; the rejoin resumes after the last seq held", async () => {
  const t = await rejoined({ heartbeat: 10 });
  t.http.stored.push(chat(1), chat(2));
  const item = t.outbox.add("hello?");
  t.transport.send(item);
  t.clock.advance(24_999); // two pings unanswered
  assert.equal(t.socket.closed, 0);
  t.clock.advance(1);
  assert.equal(t.socket.closed, 1, "closed by the widget, which does not wait for the browser");
  await settle();
  const posts = t.http.calls.filter((c) => c[0] === "post");
  assert.deepEqual(posts.map((c) => c[3]), [item.clientId], "no message waits for it");
  t.clock.advance(500); // the first reconnection (random 0: base / 2)
  assert.equal(t.sockets.length, 2);
  t.sockets[1].open();
  assert.equal(t.sockets[1].sent[0].type, "identify");
  assert.equal(t.sockets[1].sent[0].last_seq, 4, "after 1, 2 and the HTTP answer's 3, 4");
});

test("any frame keeps the socket alive: answered pings never let it fall silent", async () => {
  const t = await rejoined({ heartbeat: 10 });
  t.socket.respond = (frame) => frame.type === "ping" && { type: "pong", last_seq: 2 };
  t.clock.advance(300_000);
  assert.equal(t.socket.closed, 0);
  assert.equal(t.sockets.length, 1);
  assert.equal(t.socket.frames("ping").length, 30);
});

test("a reply with or without typing frames around it is shown at once; nothing waits for them", async () => {
  const t = await rejoined();
  const item = t.outbox.add("hours?");
  t.transport.send(item);
  // The responder answered at once: no typing frames.
  t.socket.receive(chat(3, "user", { client_id: item.clientId, message: "hours?" }));
  t.socket.receive(chat(4, "assistant", { client_id: "auto:m3" }));
  assert.equal(item.state, SENT);
  assert.deepEqual(t.log.list().map((m) => m.seq), [1, 2, 3, 4]);
  assert.deepEqual(t.events.typing, []);
  // The responder took its time: typing, the reply, typing off.
  t.socket.receive(chat(5, "user"));
  t.socket.receive({ type: "typing", role: "assistant", is_typing: true });
  t.socket.receive(chat(6, "assistant", { client_id: "auto:m5" }));
  assert.equal(t.log.highest, 6, "the reply before its typing: false");
  t.socket.receive({ type: "typing", role: "assistant", is_typing: false });
  assert.deepEqual(t.events.typing, [true, false]);
  t.clock.advance(10_000);
  assert.deepEqual(t.socket.frames("history"), []);
  assert.deepEqual(t.http.calls, []);
});

// ---------------------------------------------------------------- errors that name a message

const UNAVAILABLE = "The message could not be stored; try again.";

/** Two messages sent over the socket, unconfirmed. */
async function twoSent() {
  const t = await rejoined();
  const [a, b] = [t.outbox.add("one"), t.outbox.add("two")];
  t.transport.send(a);
  t.transport.send(b);
  return { ...t, a, b, sentIds: () => t.socket.frames("chat_message").map((f) => f.client_id) };
}

test("UNAVAILABLE names one message: it stays pending and goes again after retry_after, same client_id", async () => {
  const t = await twoSent();
  t.socket.receive({ type: "error", code: "UNAVAILABLE", message: UNAVAILABLE, client_id: t.a.clientId, retry_after: 3 });
  t.socket.receive(chat(4, "user", { client_id: t.b.clientId })); // the other one was stored
  assert.equal(t.a.state, PENDING);
  t.clock.advance(2_999);
  assert.deepEqual(t.sentIds(), [t.a.clientId, t.b.clientId]);
  t.clock.advance(1);
  assert.deepEqual(t.sentIds(), [t.a.clientId, t.b.clientId, t.a.clientId]);
  t.socket.receive(chat(3, "user", { client_id: t.a.clientId }));
  assert.equal(t.a.state, SENT);
  assert.equal(t.b.state, SENT);
  assert.deepEqual(t.http.calls, [], "nothing went over HTTP");
  assert.deepEqual(t.events.errors, []);
});

test("UNAVAILABLE, then the socket drops: the message waits its retry_after, then goes over HTTP", async () => {
  const t = await twoSent();
  t.socket.receive({ type: "error", code: "UNAVAILABLE", message: UNAVAILABLE, client_id: t.a.clientId, retry_after: 2 });
  t.socket.drop();
  await settle();
  const posts = () => t.http.calls.filter((c) => c[0] === "post").map((c) => c[3]);
  assert.deepEqual(posts(), [t.b.clientId], "only the unconfirmed one goes at once");
  t.clock.advance(2_000);
  await settle();
  assert.deepEqual(posts(), [t.b.clientId, t.a.clientId]);
  assert.equal(t.a.state, SENT);
});

test("HTTP 503 UNAVAILABLE: the message stays pending and is posted again after retry_after", async () => {
  const t = setup({ session: SESSION });
  t.http.failures.post = new ChatError("UNAVAILABLE", UNAVAILABLE, { status: 503, retryAfter: 2 });
  const item = t.outbox.add("hello");
  t.transport.send(item);
  await settle();
  assert.equal(item.state, PENDING);
  t.http.failures = {};
  t.clock.advance(1_999);
  await settle();
  assert.equal(t.http.calls.filter((c) => c[0] === "post").length, 1);
  t.clock.advance(1);
  await settle();
  assert.deepEqual(t.http.calls.filter((c) => c[0] === "post").map((c) => c[3]), [item.clientId, item.clientId]);
  assert.equal(item.state, SENT);
});

test("RATE_LIMITED naming a message: sent again after retry_after", async () => {
  const t = await twoSent();
  t.socket.respond = (frame) => frame.type === "ping" && { type: "pong" };
  t.socket.receive(chat(3, "user", { client_id: t.a.clientId }));
  t.socket.receive({ type: "error", code: "RATE_LIMITED", message: "Too many messages.", client_id: t.b.clientId, retry_after: 12.5 });
  t.clock.advance(12_499);
  assert.deepEqual(t.sentIds(), [t.a.clientId, t.b.clientId]);
  t.clock.advance(1);
  assert.deepEqual(t.sentIds(), [t.a.clientId, t.b.clientId, t.b.clientId]);
  assert.equal(t.b.state, PENDING);
  await settle();
  assert.deepEqual(t.http.calls, [], "waiting is not a reason to try HTTP");
});

for (const code of ["INVALID_MESSAGE", "MESSAGE_TOO_LONG"]) {
  test(`${code} fails that message only, for good`, async () => {
    const t = await twoSent();
    t.socket.respond = (frame) => frame.type === "ping" && { type: "pong" };
    t.socket.receive({ type: "error", code, message: "Refused.", client_id: t.a.clientId });
    assert.equal(t.a.state, FAILED);
    assert.equal(t.a.error, "Refused.");
    assert.equal(t.a.retryable, false);
    assert.equal(t.b.state, PENDING);
    t.socket.receive(chat(3, "user", { client_id: t.b.clientId }));
    t.clock.advance(60_000);
    await settle();
    assert.equal(t.a.state, FAILED, "not sent again by itself");
    assert.deepEqual(t.http.calls, []);
    assert.deepEqual(t.sentIds(), [t.a.clientId, t.b.clientId]);
  });
}

test("INTERNAL_ERROR naming a message sends that one over HTTP; the others wait for their echo", async () => {
  const t = await twoSent();
  t.socket.receive({ type: "error", code: "INTERNAL_ERROR", message: "Server error.", client_id: t.a.clientId });
  await settle();
  assert.deepEqual(t.http.calls.map((c) => [c[0], c[3]]), [["post", t.a.clientId]]);
  assert.equal(t.a.state, SENT);
  assert.equal(t.b.state, PENDING);
  assert.equal(t.b.via, "ws");
  assert.deepEqual(t.events.errors, []);
});

test("an error naming a message already confirmed changes nothing", async () => {
  const t = await twoSent();
  t.socket.receive(chat(3, "user", { client_id: t.a.clientId }));
  t.socket.receive({ type: "error", code: "INVALID_MESSAGE", message: "Refused.", client_id: t.a.clientId });
  await settle();
  assert.equal(t.a.state, SENT);
  assert.equal(t.b.state, PENDING);
  assert.deepEqual(t.http.calls, []);
  assert.deepEqual(t.events.errors, []);
});

// ---------------------------------------------------------------------- presence and status

test("agents_online is read from identified, presence, pong and the HTTP answers; missing is unknown", async () => {
  const t = setup({ session: SESSION, heartbeat: 10 });
  t.transport.connect();
  t.sockets[0].open();
  t.sockets[0].receive({ ...IDENTIFIED, agents_online: 2 });
  t.sockets[0].receive({ type: "presence", website_id: "site-1", agents_online: 0 });
  t.sockets[0].receive({ type: "pong", last_seq: 0, agents_online: 1 });
  t.sockets[0].receive({ type: "pong", last_seq: 0 }); // an older server: no count, no change
  assert.deepEqual(t.events.presence, [2, 0, 1]);
  t.http.extra = { agents_online: 3 };
  t.sockets[0].drop();
  await settle();
  assert.deepEqual(t.events.presence, [2, 0, 1, 3], "the poll's answer");
  const fresh = setup();
  fresh.http.open = async () => ({ ...IDENTIFIED, agents_online: 4 });
  const item = fresh.outbox.add("hi");
  fresh.transport.send(item);
  await settle();
  assert.deepEqual(fresh.events.presence, [4], "POST conversations' answer");
});

test("opening hours: availability from identified and the HTTP answers, 'open' from presence frames", async () => {
  const t = setup({ session: SESSION });
  const hours = { open: true, reply_time: "a few minutes", next_open: null };
  t.transport.connect();
  t.sockets[0].open();
  t.sockets[0].receive({ ...IDENTIFIED, agents_online: 1, availability: hours });
  t.sockets[0].receive({ type: "presence", website_id: "site-1", agents_online: 1 }); // no change of mode
  t.sockets[0].receive({ type: "presence", website_id: "site-1", agents_online: 1, open: false });
  assert.deepEqual(t.events.availability, [hours, { open: false }]);
  const fresh = setup();
  fresh.http.extra = { availability: { open: false, reply_time: null, next_open: "2026-12-01T09:00:00+01:00" } };
  await fresh.transport.probe();
  assert.deepEqual(fresh.events.availability, [fresh.http.extra.availability], "the settings endpoint's");
});

test("polling applies the website opening and closing like a presence frame", async () => {
  const t = setup({ session: SESSION });
  t.http.extra = { agents_online: 1, availability: { open: true, reply_time: "an hour", next_open: null } };
  await t.transport.probe(); // no socket: a poll
  t.http.extra = { agents_online: 1, availability: { open: false, reply_time: "an hour", next_open: null } };
  t.clock.advance(3000); // the next poll
  await settle();
  assert.deepEqual(t.events.availability.map((a) => a.open), [true, false]);
});

test("the identified frame reaches onSession: whether the conversation was rated", async () => {
  const t = setup({ session: SESSION });
  t.transport.connect();
  t.sockets[0].open();
  t.sockets[0].receive({ ...IDENTIFIED, conversation_status: "resolved", rated: false });
  assert.equal(t.events.sessions.at(-1).rated, false);
});

test("WebSockets blocked: the first failed attempt asks HTTP, which works, so the status need not wait", async () => {
  const t = setup({ retries: 8 });
  t.http.extra = { agents_online: 0 };
  t.transport.connect();
  assert.equal(t.transport.reachable, null, "nothing known yet: connecting");
  t.sockets[0].drop(); // blocked by a proxy
  await settle();
  assert.deepEqual(t.http.calls, [["widget", "site-1"]], "no conversation yet: the website's settings");
  assert.equal(t.transport.reachable, true);
  assert.deepEqual(t.events.presence, [0]);
  t.clock.advance(500);
  t.sockets[1].drop();
  await settle();
  assert.equal(t.http.calls.length, 1, "asked once, not on every attempt");
});

test("the server down: the first failed attempt finds HTTP down too; a later poll finds it back", async () => {
  const t = setup({ session: SESSION, retries: 8 });
  await socketReady(t);
  t.http.failures.list = new ChatError(NETWORK);
  t.sockets[0].drop(1012);
  await settle();
  assert.equal(t.transport.reachable, false, "offline within the first attempt");
  t.http.failures = {};
  t.clock.advance(3000);
  await settle();
  assert.equal(t.transport.reachable, true, "back as soon as a poll is answered");
});

test("any HTTP answer, even an error, means the server is up; only the network failing means down", async () => {
  const t = setup();
  t.http.failures.widget = new ChatError("HTTP_404", "", { status: 404 }); // an older server
  await t.transport.probe();
  assert.equal(t.transport.reachable, true);
  t.http.failures.widget = new ChatError(NETWORK);
  await t.transport.probe();
  assert.equal(t.transport.reachable, false);
});

// ---------------------------------------------------------------------- naming the visitor later

test("setUser after an anonymous start: the open socket identifies again with the token, same conversation", async () => {
  const t = setup({ session: SESSION });
  await socketReady(t);
  t.transport.hooks.identity = () => ({ user_identifier: "ann", identifier_hash: "abc", metadata: { name: "Ann" } });
  reidentify(t.transport);
  const frame = t.sockets[0].frames("identify").at(-1);
  assert.equal(frame.conversation_id, "conv-1");
  assert.equal(frame.visitor_token, "token-1");
  assert.equal(frame.user_identifier, "ann");
  assert.equal(frame.identifier_hash, "abc");
  assert.deepEqual(frame.metadata, { name: "Ann" });
  t.sockets[0].receive({ ...IDENTIFIED, visitor_token: "token-2", user_identifier: "ann" });
  const session = t.events.sessions.at(-1);
  assert.deepEqual([session.conversationId, session.visitorToken, session.userIdentifier], ["conv-1", "token-2", "ann"]);
  assert.equal(session.created, false, "the conversation and its history are kept");
  t.sockets[0].drop();
  t.clock.advance(500);
  t.sockets[1].open();
  const rejoin = t.sockets[1].frames("identify")[0];
  assert.equal(rejoin.user_identifier, undefined, "named now: a rejoin is a plain rejoin");
  assert.equal(rejoin.visitor_token, "token-2");
});

test("setUser after an anonymous start without a socket: POST conversations with the token", async () => {
  const t = setup({ session: SESSION });
  t.transport.hooks.identity = () => ({ user_identifier: "ann", metadata: {} });
  t.http.open = async (body) => {
    t.http.calls.push(["open", body]);
    return { ...IDENTIFIED, visitor_token: "token-2", user_identifier: "ann", agents_online: 1 };
  };
  reidentify(t.transport);
  await settle();
  const body = t.http.calls[0][1];
  assert.deepEqual([body.website_id, body.conversation_id, body.visitor_token, body.user_identifier],
    ["site-1", "conv-1", "token-1", "ann"]);
  assert.equal(t.transport.session.visitorToken, "token-2");
  assert.equal(t.events.sessions.at(-1).created, false);
  assert.deepEqual(t.events.presence, [1]);
});

test("a failed message keeps its error code; a refused one is never sent again on reconnect", async () => {
  const t = await twoSent();
  t.socket.receive({ type: "error", code: "MESSAGE_TOO_LONG", message: "Too long.", client_id: t.a.clientId });
  assert.equal(t.a.state, FAILED);
  assert.equal(t.a.code, "MESSAGE_TOO_LONG");
  assert.equal(t.b.state, PENDING, "only the named message");
  t.socket.drop();
  await settle();
  t.clock.advance(500);
  t.sockets.at(-1).open();
  t.sockets.at(-1).receive(IDENTIFIED);
  await settle();
  const posted = t.http.calls.filter((c) => c[0] === "post").map((c) => c[3]);
  const framed = t.sockets.at(-1).frames("chat_message").map((f) => f.client_id);
  assert.ok(!posted.includes(t.a.clientId) && !framed.includes(t.a.clientId), "the refused one stays failed");
  assert.equal(t.a.state, FAILED);
});

test("a streamed reply's deltas and a hand-off are handed to the widget; deltas are not messages", async () => {
  const t = setup({ session: SESSION });
  await socketReady(t);
  const socket = t.sockets.at(-1);
  const delta = { type: "reply_delta", conversation_id: "conv-1", reply_to: "m-1", client_id: "auto:m-1" };
  socket.receive({ ...delta, text: "Our shop" });
  socket.receive({ ...delta, text: "Our shop opens at 9." });
  assert.deepEqual(t.events.deltas, ["Our shop", "Our shop opens at 9."]);
  assert.equal(t.log.highest, 0, "a delta has no seq and is not stored");
  socket.receive({ type: "handoff", conversation_id: "conv-1", handoff_at: "2026-01-01T10:00:00Z", by: "bot" });
  assert.deepEqual(t.events.handoffs, ["bot"]);
});
