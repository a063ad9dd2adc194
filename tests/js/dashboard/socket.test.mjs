// The agent socket: heartbeat frames, silence detection, reconnection.
import assert from "node:assert/strict";
import { test } from "node:test";

import { AgentSocket } from "../../../js/dashboard/socket.js";
import { FakeClock, socketClass } from "../fakes.mjs";

function setup({ heartbeat = () => ({ type: "conversations", changed_since: "c-1" }) } = {}) {
  const clock = new FakeClock();
  const WebSocket = socketClass();
  const seen = { events: [], states: [] };
  const env = {
    WebSocket,
    location: { protocol: "https:", host: "support.example" },
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    random: () => 0,
  };
  const socket = new AgentSocket("/ws/livechat/dashboard/", {
    onEvent: (event) => seen.events.push(event.type),
    onState: (state) => seen.states.push(state),
    baseDelay: 1,
    heartbeatInterval: 10,
    heartbeat,
    env,
  });
  socket.connect();
  return { socket, clock, seen, sockets: WebSocket.all };
}

test("connects to the page's host over wss, and hands events over", () => {
  const t = setup();
  assert.equal(t.sockets[0].url, "wss://support.example/ws/livechat/dashboard/");
  t.sockets[0].open();
  t.sockets[0].receive({ type: "ready" });
  t.sockets[0].onmessage?.({ data: "not json" });
  assert.deepEqual(t.seen.events, ["ready"]);
  assert.deepEqual(t.seen.states, ["connecting", "online"]);
});

test("the heartbeat frame goes every heartbeatInterval seconds", () => {
  const t = setup();
  t.sockets[0].open();
  t.clock.advance(9_999);
  assert.deepEqual(t.sockets[0].sent, []);
  t.clock.advance(1);
  assert.deepEqual(t.sockets[0].sent, [{ type: "conversations", changed_since: "c-1" }]);
  t.sockets[0].receive({ type: "conversations", conversations: [] });
  t.clock.advance(10_000);
  assert.equal(t.sockets[0].sent.length, 2);
});

test("silent for 2 × heartbeat + 5 s: closed, and reconnected with backoff", () => {
  const t = setup();
  t.sockets[0].open();
  t.clock.advance(10_000);
  t.sockets[0].receive({ type: "pong" }); // heard at 10 s: silent at 35 s
  t.clock.advance(24_999);
  assert.equal(t.sockets[0].closed, 0);
  t.clock.advance(1);
  assert.equal(t.sockets[0].closed, 1);
  assert.equal(t.seen.states.at(-1), "offline");
  t.clock.advance(500); // base / 2 with random 0
  assert.equal(t.sockets.length, 2);
  assert.equal(t.seen.states.at(-1), "reconnecting");
  t.sockets[0].drop(); // the dead socket's own close, much later, changes nothing
  t.sockets[0].receive({ type: "chat_message" });
  assert.equal(t.sockets.length, 2);
  assert.deepEqual(t.seen.events, ["pong"]);
  t.sockets[1].open();
  assert.equal(t.seen.states.at(-1), "online");
});

test("a socket that keeps talking is never taken for dead", () => {
  const t = setup();
  t.sockets[0].respond = (frame) => ({ type: "conversations", conversations: [], changed_since: frame.changed_since });
  t.sockets[0].open();
  t.clock.advance(600_000);
  assert.equal(t.sockets[0].closed, 0);
  assert.equal(t.sockets.length, 1);
});

test("a lost socket reconnects with growing delays; a logout is final", () => {
  const t = setup();
  t.sockets[0].drop();
  t.clock.advance(500);
  t.sockets[1].drop();
  t.clock.advance(999);
  assert.equal(t.sockets.length, 2);
  t.clock.advance(1);
  assert.equal(t.sockets.length, 3);
  t.sockets[2].drop(4401);
  t.clock.advance(600_000);
  assert.equal(t.sockets.length, 3);
  assert.equal(t.seen.states.at(-1), "logged-out");
});

test("without a heartbeat frame of the caller's, the heartbeat is a plain ping", () => {
  const t = setup({ heartbeat: null });
  t.sockets[0].open();
  t.clock.advance(10_000);
  assert.deepEqual(t.sockets[0].sent, [{ type: "ping" }]);
});
