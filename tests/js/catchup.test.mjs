import assert from "node:assert/strict";
import { test } from "node:test";

import { CatchUp } from "../../js/shared/catchup.js";
import { FakeClock } from "./fakes.mjs";

/** Held: the seq up to which each key is complete; ``requests`` the keys asked for. */
function setup({ canSend = true } = {}) {
  const clock = new FakeClock();
  const held = new Map();
  const requests = [];
  const catchUp = new CatchUp({
    missing: (key, upTo) => (held.get(key) || 0) < upTo,
    request: (key) => {
      if (!canSend) return false;
      requests.push(key);
      return true;
    },
    env: clock,
  });
  return { clock, held, requests, catchUp };
}

test("asks after the grace second only if it is still missing", () => {
  const t = setup();
  t.catchUp.note("a", 3);
  t.clock.advance(999);
  assert.deepEqual(t.requests, []);
  t.held.set("a", 3); // it came late
  t.clock.advance(1);
  assert.deepEqual(t.requests, []);
  t.catchUp.note("a", 5);
  t.clock.advance(1_000);
  assert.deepEqual(t.requests, ["a"]);
});

test("gaps noticed during the grace are one request", () => {
  const t = setup();
  t.catchUp.note("a", 3);
  t.clock.advance(500);
  t.catchUp.note("a", 4);
  t.catchUp.note("a", 2);
  t.clock.advance(5_000);
  assert.deepEqual(t.requests, ["a"]);
});

test("one request in flight per key; what was noticed meanwhile is looked at after the answer", () => {
  const t = setup();
  t.catchUp.note("a", 3);
  t.catchUp.note("b", 1);
  t.clock.advance(1_000);
  assert.deepEqual(t.requests, ["a", "b"], "keys are independent");
  t.catchUp.note("a", 6);
  t.clock.advance(5_000);
  assert.deepEqual(t.requests, ["a", "b"]);
  t.held.set("a", 3);
  t.catchUp.done("a");
  t.clock.advance(999);
  assert.deepEqual(t.requests, ["a", "b"]);
  t.clock.advance(1);
  assert.deepEqual(t.requests, ["a", "b", "a"]);
  t.held.set("a", 6);
  t.catchUp.done("a");
  t.clock.advance(60_000);
  assert.equal(t.requests.length, 3, "answered and complete: nothing more");
});

test("a request made elsewhere (begin) blocks until its answer", () => {
  const t = setup();
  t.catchUp.begin("a");
  t.catchUp.note("a", 2);
  t.clock.advance(5_000);
  assert.deepEqual(t.requests, []);
  t.catchUp.done("a");
  t.clock.advance(1_000);
  assert.deepEqual(t.requests, ["a"]);
});

test("an answer that never comes stops blocking after a while", () => {
  const t = setup();
  t.catchUp.note("a", 2);
  t.clock.advance(1_000);
  t.catchUp.note("a", 3);
  t.clock.advance(14_999);
  assert.equal(t.requests.length, 1);
  t.clock.advance(1_001);
  assert.equal(t.requests.length, 2);
});

test("a request that could not be sent is not in flight", () => {
  const t = setup({ canSend: false });
  t.catchUp.note("a", 2);
  t.clock.advance(1_000);
  assert.equal(t.catchUp.inFlight.size, 0);
});

test("reset forgets everything: the rejoin catches up by itself", () => {
  const t = setup();
  t.catchUp.note("a", 2);
  t.catchUp.note("b", 2);
  t.clock.advance(1_000);
  t.catchUp.note("c", 2);
  t.catchUp.reset();
  assert.deepEqual(t.clock.delays(), []);
  t.clock.advance(60_000);
  assert.deepEqual(t.requests, ["a", "b"]);
  t.catchUp.note("a", 3);
  t.clock.advance(1_000);
  assert.deepEqual(t.requests, ["a", "b", "a"], "nothing in flight any more");
  t.catchUp.note("a", 9); // noticed while in flight (of another conversation, say)
  t.catchUp.reset();
  t.held.set("a", 5);
  t.catchUp.note("a", 4);
  t.clock.advance(1_000);
  assert.equal(t.requests.length, 3, "what was wanted before the reset is forgotten");
});
