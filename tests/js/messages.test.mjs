import assert from "node:assert/strict";
import { test } from "node:test";

import { MessageLog } from "../../js/shared/messages.js";

const msg = (seq, role = "assistant") => ({ seq, role, message: `#${seq}` });

test("a seq already held is dropped: nothing shows twice", () => {
  const log = new MessageLog();
  assert.equal(log.add(msg(1, "user")), true);
  assert.equal(log.add(msg(1, "user")), false);
  assert.equal(log.add({ ...msg(1), message: "another copy" }), false);
  assert.deepEqual(log.list().map((m) => m.message), ["#1"]);
});

test("messages are listed by seq whatever order they came in", () => {
  const log = new MessageLog();
  for (const seq of [3, 1, 2]) log.add(msg(seq));
  assert.deepEqual(log.list().map((m) => m.seq), [1, 2, 3]);
});

test("lastSeq stops before a gap, so resuming fetches what was skipped", () => {
  const log = new MessageLog();
  log.add(msg(1, "user"));
  log.add(msg(2));
  // An HTTP post answered with 4 and 5 while the agent's 3 was never received.
  log.add(msg(4, "user"));
  log.add(msg(5));
  assert.equal(log.lastSeq, 2);
  assert.equal(log.highest, 5);
  log.add(msg(3, "agent"));
  assert.equal(log.lastSeq, 5);
});

test("a page after lastSeq adds only the new messages", () => {
  const log = new MessageLog();
  log.add(msg(1));
  log.add(msg(3));
  const added = log.addPage(1, [msg(2), msg(3), msg(4)]);
  assert.deepEqual(added.map((m) => m.seq), [2, 4]);
  assert.equal(log.lastSeq, 4);
});

test("seqs a page skips do not exist, and stop holding lastSeq back", () => {
  const log = new MessageLog();
  log.add(msg(1));
  log.add(msg(4));
  log.addPage(1, [msg(4), msg(5)]); // 2 and 3 were deleted on the server
  assert.equal(log.lastSeq, 5);
});

test("messages without a valid seq are refused", () => {
  const log = new MessageLog();
  for (const bad of [{}, { seq: 0 }, { seq: -1 }, { seq: 1.5 }, { seq: "2" }, null]) {
    assert.equal(log.add(bad), false);
  }
  assert.equal(log.lastSeq, 0);
});

test("unread replies are the non-visitor messages after a seq", () => {
  const log = new MessageLog();
  [msg(1, "user"), msg(2), msg(3, "user"), msg(4, "agent")].forEach((m) => log.add(m));
  assert.equal(log.repliesAfter(0), 2);
  assert.equal(log.repliesAfter(2), 1);
  assert.equal(log.repliesAfter(4), 0);
});

test("clear() starts a new conversation", () => {
  const log = new MessageLog();
  log.add(msg(1));
  log.clear();
  assert.equal(log.lastSeq, 0);
  assert.equal(log.add(msg(1)), true);
});

test("contiguousFrom: how far everything after a seq is known", () => {
  const log = new MessageLog();
  [1, 2, 5, 6].forEach((seq) => log.add(msg(seq)));
  assert.equal(log.contiguousFrom(0), 2);
  assert.equal(log.contiguousFrom(3), 3, "4 is missing");
  assert.equal(log.contiguousFrom(4), 6);
  log.addPage(2, [msg(5)]); // 3 and 4 do not exist
  assert.equal(log.contiguousFrom(0), 6);
});
