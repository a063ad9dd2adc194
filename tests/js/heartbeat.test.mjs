import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_HEARTBEAT, Heartbeat, silenceLimit } from "../../js/shared/heartbeat.js";
import { FakeClock } from "./fakes.mjs";

function setup(interval) {
  const clock = new FakeClock();
  const seen = { beats: 0, silent: 0 };
  const heartbeat = new Heartbeat({
    interval,
    beat: () => seen.beats++,
    silent: () => seen.silent++,
    env: clock,
  });
  return { clock, seen, heartbeat };
}

test("silence counts after 2 × the heartbeat + 5 s", () => {
  assert.equal(silenceLimit(25), 55);
  assert.equal(silenceLimit(1), 7);
});

test("a beat every interval while started, none after stop", () => {
  const t = setup(10);
  t.heartbeat.start();
  t.clock.advance(9_999);
  assert.equal(t.seen.beats, 0);
  t.clock.advance(1);
  assert.equal(t.seen.beats, 1);
  t.heartbeat.heard();
  t.clock.advance(20_000);
  assert.equal(t.seen.beats, 3);
  t.heartbeat.stop();
  t.clock.advance(100_000);
  assert.equal(t.seen.beats, 3);
  assert.equal(t.seen.silent, 0);
  assert.deepEqual(t.clock.delays(), []);
});

test("silent once when nothing is heard for the limit; anything heard puts it off", () => {
  const t = setup(10);
  t.heartbeat.start();
  t.clock.advance(20_000);
  t.heartbeat.heard(); // at 20 s: now silent at 45 s
  t.clock.advance(24_999);
  assert.equal(t.seen.silent, 0);
  t.clock.advance(1);
  assert.equal(t.seen.silent, 1);
  t.clock.advance(100_000);
  assert.equal(t.seen.silent, 1, "and stopped: no beats, no second call");
  assert.equal(t.seen.beats, 4);
});

test("heard() before start() arms nothing", () => {
  const t = setup(10);
  t.heartbeat.heard();
  t.clock.advance(100_000);
  assert.deepEqual(t.seen, { beats: 0, silent: 0 });
});

test("a missing or bad interval is the default", () => {
  for (const interval of [undefined, 0, -5, "x"]) {
    assert.equal(setup(interval).heartbeat.interval, DEFAULT_HEARTBEAT);
  }
  assert.equal(setup("12").heartbeat.interval, 12);
});
