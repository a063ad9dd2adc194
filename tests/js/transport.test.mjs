import assert from "node:assert/strict";
import { test } from "node:test";

import { ChatError, NETWORK } from "../../js/widget/http.js";
import { MessageLog } from "../../js/widget/messages.js";
import { FAILED, Outbox, PENDING, SENT } from "../../js/widget/outbox.js";
import { POLLING, REFUSED, SOCKET, Transport } from "../../js/widget/transport.js";

/** Timers that run only when the test advances the clock. */
class FakeClock {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.ids = 0;
    this.setTimeout = (fn, ms) => {
      this.timers.set(++this.ids, { at: this.now + ms, fn });
      return this.ids;
    };
    this.clearTimeout = (id) => this.timers.delete(id);
  }

  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      const [id, due] = [...this.timers].sort((a, b) => a[1].at - b[1].at)[0] || [];
      if (!due || due.at > end) break;
      this.timers.delete(id);
      this.now = due.at;
      due.fn();
    }
    this.now = end;
  }

  delays() {
    return [...this.timers.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }
}

function socketClass() {
  return class FakeSocket {
    static all = [];
    constructor(url) {
      Object.assign(this, { url, readyState: 0, sent: [] });
      FakeSocket.all.push(this);
    }
    send(data) {
      this.sent.push(JSON.parse(data));
    }
    close() {
      this.readyState = 3;
    }
    open() {
      this.readyState = 1;
      this.onopen();
    }
    receive(frame) {
      this.onmessage({ data: JSON.stringify(frame) });
    }
    drop(code = 1006) {
      this.readyState = 3;
      this.onclose({ code });
    }
  };
}

function fakeHttp() {
  let seq = 0;
  const http = {
    calls: [],
    failures: {},
    async open(body) {
      http.calls.push(["open", body]);
      if (http.failures.open) throw http.failures.open;
      return { type: "identified", conversation_id: "conv-1", visitor_token: "token-1", user_identifier: "" };
    },
    async post(token, message, clientId) {
      http.calls.push(["post", token, message, clientId]);
      if (http.failures.post) throw http.failures.post;
      return {
        message: { seq: ++seq, role: "user", message, client_id: clientId },
        reply: { seq: ++seq, role: "assistant", message: "auto" },
      };
    },
    async list(token, afterSeq) {
      http.calls.push(["list", token, afterSeq]);
      if (http.failures.list) throw http.failures.list;
      return { messages: [], has_more: false };
    },
  };
  return http;
}

function setup({ session = null, retries = 2 } = {}) {
  const clock = new FakeClock();
  const WebSocket = socketClass();
  const http = fakeHttp();
  const log = new MessageLog();
  const outbox = new Outbox();
  const events = { typing: [], errors: [], sessions: [], lost: 0, states: [] };
  const hooks = {
    identity: () => ({ metadata: { page: "/" } }),
    lastSeq: () => log.lastSeq,
    onSession: (s, created) => events.sessions.push({ ...s, created }),
    onSessionLost: () => events.lost++,
    onMessages: (after, messages) => (after === null ? messages.forEach((m) => log.add(m)) : log.addPage(after, messages)),
    onTyping: (event) => events.typing.push(event.is_typing),
    onStatus: () => {},
    onError: (error) => events.errors.push(error.code),
    onItem: () => {},
    onState: (state) => events.states.push(state),
  };
  const config = {
    websiteId: "site-1",
    wsUrl: "ws://chat.example/ws/livechat/widget/",
    reconnectMaxRetries: retries,
    reconnectBaseDelay: 1,
    pollInterval: 3,
  };
  const env = { WebSocket, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, random: () => 0 };
  const transport = new Transport({ config, http, outbox, hooks, env });
  transport.session = session;
  return { transport, clock, sockets: WebSocket.all, http, log, outbox, events };
}

const SESSION = { conversationId: "conv-1", visitorToken: "token-1", userIdentifier: "" };
const IDENTIFIED = { type: "identified", conversation_id: "conv-1", visitor_token: "token-1", user_identifier: "" };
const settle = () => new Promise((resolve) => setImmediate(resolve));

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

test("an error frame names no message: HTTP answers for each unconfirmed one", async () => {
  const t = setup({ session: SESSION });
  await socketReady(t);
  const item = t.outbox.add("hello");
  t.transport.send(item);
  t.http.failures.post = new ChatError("RATE_LIMITED", "Too many messages; wait a moment.", { status: 429 });
  t.sockets[0].receive({ type: "error", code: "RATE_LIMITED", message: "Too many messages; wait a moment." });
  await settle();
  assert.equal(t.http.calls.length, 1);
  assert.equal(item.state, FAILED);
  assert.equal(item.error, "Too many messages; wait a moment.");
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
  assert.deepEqual(t.http.calls.map((c) => c[0]), ["post"]);
  assert.equal(item.state, SENT);
});

test("backoff with jitter up to the retry limit, then HTTP polling and a socket try now and then", async () => {
  const t = setup({ session: SESSION, retries: 2 });
  t.transport.connect();
  t.sockets[0].drop();
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
