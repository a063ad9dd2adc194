import assert from "node:assert/strict";
import { test } from "node:test";

import { Backoff, MAX_DELAY, backoffDelay, probeDelay } from "../../js/shared/backoff.js";

test("each delay lies between half and all of base × 2^attempt", () => {
  for (let attempt = 0; attempt < 4; attempt++) {
    const ceiling = 1.5 * 2 ** attempt;
    assert.equal(backoffDelay(attempt, 1.5, () => 0), ceiling / 2);
    assert.ok(Math.abs(backoffDelay(attempt, 1.5, () => 0.999999) - ceiling) < 1e-4);
  }
});

test("random delays stay inside their bounds and are spread out", () => {
  const seen = new Set();
  for (let i = 0; i < 500; i++) {
    const delay = backoffDelay(3, 1); // ceiling 8 s
    assert.ok(delay >= 4 && delay <= 8, `${delay} outside [4, 8]`);
    seen.add(delay.toFixed(3));
  }
  assert.ok(seen.size > 100, "jitter should make clients differ");
});

test("delays grow exponentially and stop growing at MAX_DELAY", () => {
  const lows = Array.from({ length: 10 }, (_, attempt) => backoffDelay(attempt, 1, () => 0));
  assert.deepEqual(lows.slice(0, 5), [0.5, 1, 2, 4, 8]);
  assert.equal(Math.max(...lows), MAX_DELAY / 2);
  assert.equal(backoffDelay(20, 1, () => 1), MAX_DELAY);
});

test("a base delay above the cap is kept, not shrunk", () => {
  assert.equal(backoffDelay(0, 60, () => 1), 60);
});

test("Backoff gives maxRetries delays, then null, and starts over after reset()", () => {
  const backoff = new Backoff({ baseDelay: 1, maxRetries: 3, random: () => 0 });
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [0.5, 1, 2]);
  assert.equal(backoff.exhausted, true);
  assert.equal(backoff.next(), null);
  backoff.reset();
  assert.equal(backoff.next(), 0.5);
});

test("zero retries means no reconnection attempt at all", () => {
  assert.equal(new Backoff({ baseDelay: 1, maxRetries: 0 }).next(), null);
});

test("once polling, the socket is tried again every one to two MAX_DELAYs", () => {
  assert.equal(probeDelay(() => 0), MAX_DELAY);
  assert.equal(probeDelay(() => 1), 2 * MAX_DELAY);
});
