// "seen": told when the messages are in view, at most every two seconds, only when it grows.
import assert from "node:assert/strict";
import { test } from "node:test";

import { SEEN_EVERY, SeenReporter } from "../../js/widget/seen.js";
import { FakeClock } from "./fakes.mjs";

function reporter() {
  const clock = new FakeClock();
  const state = { visible: true, highest: 0, sent: [] };
  const seen = new SeenReporter({
    visible: () => state.visible,
    highest: () => state.highest,
    send: (seq) => state.sent.push(seq),
    env: { now: () => clock.now, setTimeout: clock.setTimeout },
  });
  return { seen, clock, state };
}

test("the first visible message is reported at once; nothing when nothing grew", () => {
  const t = reporter();
  t.seen.check();
  assert.deepEqual(t.state.sent, [], "no message yet");
  t.state.highest = 3;
  t.seen.check();
  t.seen.check();
  assert.deepEqual(t.state.sent, [3]);
});

test("throttled: a burst is one report now and one for the newest seq two seconds later", () => {
  const t = reporter();
  t.state.highest = 1;
  t.seen.check();
  for (const seq of [2, 3, 4]) {
    t.clock.advance(100);
    t.state.highest = seq;
    t.seen.check();
  }
  assert.deepEqual(t.state.sent, [1]);
  assert.equal(t.clock.timers.size, 1, "one timer, however many checks");
  t.clock.advance(SEEN_EVERY);
  assert.deepEqual(t.state.sent, [1, 4]);
});

test("not visible (panel closed or tab hidden): not reported until it is", () => {
  const t = reporter();
  t.state.visible = false;
  t.state.highest = 5;
  t.seen.check();
  assert.deepEqual(t.state.sent, []);
  t.state.visible = true;
  t.seen.check();
  assert.deepEqual(t.state.sent, [5]);
  t.seen.reset(); // another conversation
  t.clock.advance(SEEN_EVERY);
  t.state.highest = 2;
  t.seen.check();
  assert.deepEqual(t.state.sent, [5, 2]);
});
