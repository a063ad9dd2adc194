import assert from "node:assert/strict";
import { test } from "node:test";

import { FAILED, Outbox, PENDING, SENT, makeClientId } from "../../js/widget/outbox.js";

test("client ids are unique and fit the protocol (1 to 64 printable characters)", () => {
  const ids = new Set(Array.from({ length: 1000 }, () => makeClientId()));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^c-[0-9a-f]{24}$/);
});

test("a new message is pending until the server's copy acknowledges it", () => {
  const outbox = new Outbox();
  const item = outbox.add("hello");
  assert.equal(item.state, PENDING);
  assert.deepEqual(outbox.pending(), [item]);
  assert.equal(outbox.acknowledge(item.clientId), item);
  assert.equal(item.state, SENT);
  assert.deepEqual(outbox.pending(), []);
  assert.equal(outbox.acknowledge(item.clientId), undefined, "acknowledged only once");
});

test("pending messages keep the order they were written in", () => {
  const outbox = new Outbox();
  const texts = ["one", "two", "three"].map((text) => outbox.add(text));
  outbox.acknowledge(texts[1].clientId);
  assert.deepEqual(outbox.pending().map((item) => item.text), ["one", "three"]);
});

test("a failure keeps the message, with its reason, until it is retried", () => {
  const outbox = new Outbox();
  const item = outbox.add("hello");
  outbox.fail(item.clientId, "Too many messages", false);
  assert.equal(item.state, FAILED);
  assert.equal(item.error, "Too many messages");
  assert.deepEqual(outbox.pending(), []);
  assert.deepEqual(outbox.retryable(), [], "a refusal waits for the visitor's Retry");
  assert.equal(outbox.retry(item.clientId), item);
  assert.equal(item.state, PENDING);
  assert.equal(item.error, "");
});

test("network failures are retried by themselves, refusals are not", () => {
  const outbox = new Outbox();
  const lost = outbox.add("lost");
  const refused = outbox.add("refused");
  outbox.fail(lost.clientId, "", true);
  outbox.fail(refused.clientId, "MESSAGE_TOO_LONG", false);
  assert.deepEqual(outbox.retryable(), [lost]);
});

test("only a pending message can fail, and only a failed one be retried", () => {
  const outbox = new Outbox();
  const item = outbox.add("hello");
  assert.equal(outbox.retry(item.clientId), undefined);
  outbox.acknowledge(item.clientId);
  assert.equal(outbox.fail(item.clientId, "late", true), undefined);
  assert.equal(item.state, SENT, "a late failure never undoes a delivery");
});

test("an acknowledgement wins over a failure that came first", () => {
  const outbox = new Outbox();
  const item = outbox.add("hello");
  outbox.fail(item.clientId, "", true);
  assert.equal(outbox.acknowledge(item.clientId), item);
  assert.equal(item.state, SENT);
});
