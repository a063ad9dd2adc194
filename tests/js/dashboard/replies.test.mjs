// The agent's replies on their way: an error naming one acts on that one only.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Replies } from "../../../js/dashboard/replies.js";
import { FakeClock } from "../fakes.mjs";

function setup() {
  const clock = new FakeClock();
  const sent = [];
  const state = { socketUp: true };
  const replies = new Replies({ send: (frame) => state.socketUp && sent.push(frame) > 0, env: clock });
  const ids = () => sent.map((frame) => frame.client_id);
  return { clock, sent, state, replies, ids };
}

const error = (code, clientId, fields = {}) => ({ type: "error", code, message: `${code}!`, client_id: clientId, ...fields });

test("a reply goes at once, and the server's copy (live or in a history) confirms it", () => {
  const t = setup();
  t.replies.add("a", "Hello", "r1");
  t.replies.add("a", "Again", "r2");
  assert.deepEqual(t.sent[0], { type: "agent_message", conversation_id: "a", message: "Hello", client_id: "r1" });
  t.replies.confirm([{ seq: 4, client_id: "r1" }, { seq: 5, client_id: "someone-else" }]);
  assert.deepEqual(t.replies.forConversation("a").map((item) => item.clientId), ["r2"]);
});

for (const code of ["INVALID_MESSAGE", "MESSAGE_TOO_LONG", "NOT_FOUND", "FORBIDDEN", "INTERNAL_ERROR"]) {
  test(`${code} naming a reply marks that one failed, and it stays so`, () => {
    const t = setup();
    t.replies.add("a", "one", "r1");
    t.replies.add("a", "two", "r2");
    const item = t.replies.refused(error(code, "r1"));
    assert.equal(item.failed, true);
    assert.equal(item.error, `${code}!`);
    assert.equal(t.replies.items.get("r2").failed, false);
    t.clock.advance(60_000);
    t.replies.resend(); // a reconnect sends the pending ones, not the failed one
    assert.deepEqual(t.ids(), ["r1", "r2", "r2"]);
  });
}

test("UNAVAILABLE naming a reply: sent again after retry_after with the same client_id", () => {
  const t = setup();
  t.replies.add("a", "one", "r1");
  t.replies.add("a", "two", "r2");
  const item = t.replies.refused(error("UNAVAILABLE", "r1", { retry_after: 3 }));
  assert.equal(item.failed, false, "still on its way");
  t.replies.resend(); // a reconnect meanwhile does not hurry it
  assert.deepEqual(t.ids(), ["r1", "r2", "r2"]);
  t.clock.advance(2_999);
  assert.equal(t.ids().length, 3);
  t.clock.advance(1);
  assert.deepEqual(t.ids(), ["r1", "r2", "r2", "r1"]);
  t.replies.confirm([{ client_id: "r1" }]);
  assert.equal(t.replies.items.has("r1"), false);
});

test("UNAVAILABLE with the socket down at retry time: the reconnect sends it", () => {
  const t = setup();
  t.replies.add("a", "one", "r1");
  t.replies.refused(error("UNAVAILABLE", "r1"));
  t.state.socketUp = false;
  t.clock.advance(2_000); // no retry_after: 2 s
  t.state.socketUp = true;
  t.replies.resend();
  assert.deepEqual(t.ids(), ["r1", "r1"]);
});

test("a reply refused again and again for now waits longer each time (the shared backoff)", () => {
  const t = setup();
  t.clock.random = () => 1; // no jitter: the backoff's ceiling
  t.replies.add("a", "one", "r1");
  const waits = [];
  for (let i = 0; i < 4; i++) {
    t.replies.refused(error("RATE_LIMITED", "r1", { retry_after: 1 }));
    waits.push(t.clock.delays()[0]);
    t.clock.advance(waits[i]);
  }
  assert.deepEqual(waits, [2_000, 4_000, 8_000, 16_000]);
  assert.equal(t.ids().length, 5, "sent again after each wait, never marked failed");
  assert.equal(t.replies.items.get("r1").failed, false);
});

test("a failed reply can be retried by hand, the same client_id", () => {
  const t = setup();
  t.replies.add("a", "one", "r1");
  t.replies.refused(error("INTERNAL_ERROR", "r1"));
  assert.equal(t.replies.retry("r1").failed, false);
  assert.deepEqual(t.ids(), ["r1", "r1"]);
  assert.equal(t.replies.retry("r1"), undefined, "only a failed one");
});

test("an error naming a reply that is not pending is not ours", () => {
  const t = setup();
  assert.equal(t.replies.refused(error("INVALID_MESSAGE", "nobody")), undefined);
});
