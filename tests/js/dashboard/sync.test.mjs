// Keeping the inbox and the open thread complete when live events are lost: the cursor,
// the heartbeat's delta requests and gap repair.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Inbox } from "../../../js/dashboard/inbox.js";
import { InboxSync } from "../../../js/dashboard/sync.js";
import { FakeClock } from "../fakes.mjs";

const entry = (id, last_seq = 0, fields = {}) => ({ conversation_id: id, status: "open", last_seq, unread: 0, ...fields });
const message = (id, seq, role = "user") => ({ conversation_id: id, seq, role, message: `m${seq}`, client_id: `c${seq}` });

function setup({ open = "a" } = {}) {
  const clock = new FakeClock();
  const inbox = new Inbox();
  const sent = [];
  const state = { open, socketUp: true };
  const sync = new InboxSync({
    inbox,
    send: (frame) => state.socketUp && sent.push(frame) > 0,
    selected: () => state.open,
    env: clock,
  });
  // What dashboard.js does with the server's events.
  const server = {
    conversations: (event) => sync.conversations(event),
    message: (m) => {
      inbox.addMessage(m);
      sync.message(m);
    },
    history: (id, messages) => {
      inbox.addHistory(id, messages);
      sync.answered(id);
    },
    conversation: (e) => {
      inbox.upsert(e);
      sync.answered(e.conversation_id);
    },
  };
  return { clock, inbox, sent, state, sync, server, requests: () => sent.filter((f) => f.type !== "conversations") };
}

/** Inbox loaded; conversation "a" open with messages 1 to 3, "b" at seq 5 elsewhere. */
function loaded(options) {
  const t = setup(options);
  t.server.conversations({ type: "conversations", cursor: "k1", conversations: [entry("a", 3), entry("b", 5)] });
  t.sync.requestHistory("a");
  t.server.history("a", [1, 2, 3].map((seq) => message("a", seq)));
  t.sent.length = 0;
  return t;
}

test("the latest cursor is kept; the heartbeat asks what changed since it (a ping before any)", () => {
  const t = setup();
  assert.deepEqual(t.sync.heartbeat(), { type: "ping" });
  t.server.conversations({ type: "conversations", cursor: "k1", conversations: [] });
  assert.deepEqual(t.sync.heartbeat(), { type: "conversations", changed_since: "k1" });
  t.server.conversations({ type: "conversations", cursor: "k2", changed_since: "k1", conversations: [] });
  assert.deepEqual(t.sync.heartbeat(), { type: "conversations", changed_since: "k2" });
  t.server.conversations({ type: "conversations", conversations: [] }); // an old server: no cursor
  assert.deepEqual(t.sync.heartbeat(), { type: "conversations", changed_since: "k2" });
});

test("a full answer replaces the inbox; an answer to changed_since is merged into it", () => {
  const t = loaded();
  t.server.conversations({ type: "conversations", cursor: "k2", changed_since: "k1", conversations: [entry("c", 1)] });
  assert.deepEqual([...t.inbox.conversations.keys()].sort(), ["a", "b", "c"]);
  t.server.conversations({ type: "conversations", cursor: "k3", conversations: [entry("c", 1)] });
  assert.deepEqual([...t.inbox.conversations.keys()], ["c"]);
});

test("a delta naming a newer seq for the open conversation: its history, after a grace second", () => {
  const t = loaded();
  t.server.conversations({ type: "conversations", cursor: "k2", changed_since: "k1", conversations: [entry("a", 5)] });
  t.clock.advance(999);
  assert.deepEqual(t.requests(), []);
  t.clock.advance(1);
  assert.deepEqual(t.requests(), [{ type: "history", conversation_id: "a", last_seq: 3, reason: "gap" }]);
  t.server.history("a", [message("a", 4), message("a", 5)]);
  assert.equal(t.inbox.lastSeq("a"), 5);
});

test("nothing is asked when the messages come live within the grace second", () => {
  const t = loaded();
  t.server.conversations({ type: "conversations", cursor: "k2", changed_since: "k1", conversations: [entry("a", 5)] });
  t.server.message(message("a", 4));
  t.server.message(message("a", 5));
  t.clock.advance(10_000);
  assert.deepEqual(t.requests(), []);
});

test("a delta holding more than one answer: the whole list again", () => {
  const t = loaded();
  t.server.conversations({ type: "conversations", cursor: "k2", changed_since: "k1", has_more: true, conversations: [] });
  assert.deepEqual(t.sent, [{ type: "conversations" }]);
});

test("a hole below a message of the open conversation: its history after the last seq held", () => {
  const t = loaded();
  t.server.message(message("a", 5)); // 4 was dropped
  t.clock.advance(1_000);
  assert.deepEqual(t.requests(), [{ type: "history", conversation_id: "a", last_seq: 3, reason: "gap" }]);
});

test("a hole below a message of another conversation: its entry is refreshed, once", () => {
  const t = loaded();
  t.server.message(message("b", 7)); // 6 was dropped
  t.server.message(message("b", 8));
  t.clock.advance(1_000);
  assert.deepEqual(t.requests(), [{ type: "conversation", conversation_id: "b" }]);
  t.server.message(message("b", 9));
  t.clock.advance(5_000);
  assert.equal(t.requests().length, 1, "one request in flight");
  t.server.conversation(entry("b", 9));
  t.clock.advance(5_000);
  assert.equal(t.requests().length, 1, "the entry says 9: nothing is missing");
  t.server.message(message("b", 10));
  assert.deepEqual(t.clock.delays(), [], "no hole: nothing to look at again");
  t.clock.advance(5_000);
  assert.equal(t.requests().length, 1, "no hole, no request");
});

test("a late message of another conversation fills its hole: nothing is asked", () => {
  const t = loaded();
  t.server.message(message("b", 7));
  t.clock.advance(300);
  t.server.message(message("b", 6));
  t.clock.advance(5_000);
  assert.deepEqual(t.requests(), []);
});

test("the history asked on opening a conversation counts as the request in flight", () => {
  const t = loaded();
  t.sync.requestHistory("b");
  t.state.open = "b";
  t.server.message(message("b", 6)); // live, before the history's answer
  t.clock.advance(5_000);
  assert.deepEqual(t.requests(), [{ type: "history", conversation_id: "b", last_seq: 0 }]);
  t.server.history("b", [1, 2, 3, 4, 5, 6].map((seq) => message("b", seq)));
  t.clock.advance(5_000);
  assert.equal(t.requests().length, 1);
});

test("a lost socket drops what was waiting: the reconnect brings the inbox and the thread again", () => {
  const t = loaded();
  t.server.message(message("a", 5));
  t.sync.reset();
  t.clock.advance(10_000);
  assert.deepEqual(t.requests(), []);
});

test("a request the closed socket could not send is tried at the next gap", () => {
  const t = loaded();
  t.state.socketUp = false;
  t.server.message(message("a", 5));
  t.clock.advance(1_000);
  t.state.socketUp = true;
  t.server.message(message("a", 6));
  t.clock.advance(1_000);
  assert.deepEqual(t.requests(), [{ type: "history", conversation_id: "a", last_seq: 3, reason: "gap" }]);
});

test("a filtered answer adds the older conversations it holds, keeping the inbox and its cursor", () => {
  const t = loaded();
  t.server.conversations({
    type: "conversations",
    cursor: "k9",
    filters: { label: 3 },
    has_more: true,
    conversations: [entry("old", 2, { labels: [{ id: 3, name: "billing", color: "" }] })],
  });
  assert.deepEqual([...t.inbox.conversations.keys()].sort(), ["a", "b", "old"]);
  assert.deepEqual(t.sync.heartbeat(), { type: "conversations", changed_since: "k1" });
  assert.deepEqual(t.sent, []); // has_more of a filtered list asks nothing more
});
