// The dashboard's state rules: ordering, unread counts, typing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Inbox } from "../../../js/dashboard/inbox.js";

function entry(id, fields = {}) {
  return {
    conversation_id: id,
    status: "open",
    created_at: "2026-11-26T09:00:00Z",
    last_message_at: null,
    unread: 0,
    last_read_seq: 0,
    last_message: null,
    assigned_agent: null,
    ...fields,
  };
}

function message(id, seq, role = "user", at = `2026-11-26T10:00:${String(seq).padStart(2, "0")}Z`) {
  return { conversation_id: id, seq, role, message: `m${seq}`, timestamp: at, client_id: `c${seq}` };
}

test("open first, then by last activity, conversations without messages last", () => {
  const inbox = new Inbox();
  inbox.replaceAll([
    entry("old", { last_message_at: "2026-11-26T09:10:00Z" }),
    entry("resolved", { status: "resolved", last_message_at: "2026-11-26T11:00:00Z" }),
    entry("new", { last_message_at: "2026-11-26T10:00:00Z" }),
    entry("empty"),
  ]);
  assert.deepEqual(inbox.sorted("all").map((e) => e.conversation_id), ["new", "old", "empty", "resolved"]);
  assert.deepEqual(inbox.sorted("resolved").map((e) => e.conversation_id), ["resolved"]);
  // A live message moves its conversation to the top.
  inbox.addMessage(message("old", 1, "user", "2026-11-26T12:00:00Z"));
  assert.equal(inbox.sorted("open")[0].conversation_id, "old");
});

test("the visitor's live messages count as unread once; history and replies do not", () => {
  const inbox = new Inbox();
  inbox.replaceAll([entry("a")]);
  assert.equal(inbox.addMessage(message("a", 1)), true);
  assert.equal(inbox.addMessage(message("a", 1)), false); // a seq already there
  inbox.addMessage(message("a", 2, "assistant"));
  inbox.addHistory("a", [message("a", 3)]);
  assert.equal(inbox.conversations.get("a").unread, 1);
  assert.equal(inbox.totalUnread(), 1);
  assert.equal(inbox.conversations.get("a").last_message.seq, 3);
  inbox.read({ conversation_id: "a", last_read_seq: 3, unread: 0 });
  assert.equal(inbox.totalUnread(), 0);
  assert.deepEqual(inbox.thread("a").map((m) => m.seq), [1, 2, 3]);
});

test("a full list replaces the inbox; a delta is merged into it", () => {
  const inbox = new Inbox();
  inbox.replaceAll([entry("a"), entry("b")]);
  inbox.merge([entry("b", { status: "resolved" }), entry("c")]);
  assert.deepEqual([...inbox.conversations.keys()].sort(), ["a", "b", "c"]);
  assert.equal(inbox.conversations.get("b").status, "resolved");
  inbox.replaceAll([entry("c")]);
  assert.deepEqual([...inbox.conversations.keys()], ["c"]);
});

test("lastSeq stops before a hole (the resume point); highest is the newest held", () => {
  const inbox = new Inbox();
  inbox.replaceAll([entry("a")]);
  [1, 2, 4].forEach((seq) => inbox.addMessage(message("a", seq)));
  assert.equal(inbox.lastSeq("a"), 2);
  assert.equal(inbox.highest("a"), 4);
  // A history page after 2: 3 does not exist (any more).
  inbox.addHistory("a", [message("a", 4), message("a", 5)]);
  assert.equal(inbox.lastSeq("a"), 5);
  assert.deepEqual(inbox.thread("a").map((m) => m.seq), [1, 2, 4, 5]);
  assert.equal(inbox.lastSeq("unknown"), 0);
});

test("held: the thread on screen counts its own messages; the others also what their entry said", () => {
  const inbox = new Inbox();
  inbox.replaceAll([entry("a", { last_seq: 5 })]);
  inbox.addMessage(message("a", 6));
  assert.equal(inbox.held("a", false), 6, "5 from the entry, then 6 live");
  assert.equal(inbox.held("a", true), 0, "but the thread itself holds none of 1 to 5");
  inbox.addMessage(message("a", 8));
  assert.equal(inbox.held("a", false), 6, "7 is missing");
  inbox.upsert(entry("a", { last_seq: 8 }));
  assert.equal(inbox.held("a", false), 8);
  inbox.upsert(entry("a", { last_seq: 3 })); // an older snapshot does not move it back
  assert.equal(inbox.held("a", false), 8);
});

test("a snapshot older than what was seen live keeps the live preview", () => {
  const inbox = new Inbox();
  inbox.replaceAll([entry("a")]);
  inbox.addMessage(message("a", 4));
  inbox.upsert(entry("a", { last_seq: 3, last_message: message("a", 3) }));
  assert.equal(inbox.conversations.get("a").last_message.seq, 4);
});

test("typing: per person, ended by false, and forgotten after its timeout", () => {
  const inbox = new Inbox();
  inbox.setTyping({ conversation_id: "a", role: "user", is_typing: true }, 60_000);
  inbox.setTyping({ conversation_id: "a", role: "agent", agent: { user_id: 2, name: "Cat" }, is_typing: true }, 60_000);
  assert.deepEqual(inbox.typists("a").map((t) => [t.role, t.name]), [["user", ""], ["agent", "Cat"]]);
  inbox.setTyping({ conversation_id: "a", role: "user", is_typing: false }, 60_000);
  assert.deepEqual(inbox.typists("a").map((t) => t.name), ["Cat"]);
  inbox.setTyping({ conversation_id: "b", role: "user", is_typing: true }, -1);
  assert.deepEqual(inbox.typists("b"), []);
});

test("the mine filter follows the assigned agent", () => {
  const inbox = new Inbox();
  inbox.me = { user_id: 7, name: "Ann" };
  inbox.replaceAll([entry("a", { assigned_agent: { user_id: 7, name: "Ann" } }), entry("b")]);
  assert.deepEqual(inbox.sorted("mine").map((e) => e.conversation_id), ["a"]);
});

test("typing: the agent is named by ``by`` (or ``agent``), and this agent's own typing is ignored", () => {
  const inbox = new Inbox();
  inbox.me = { user_id: 7, name: "Me" };
  inbox.setTyping({ conversation_id: "a", role: "agent", by: { user_id: 8, name: "Sam" }, is_typing: true }, 60_000);
  inbox.setTyping({ conversation_id: "a", role: "agent", by: { user_id: 7, name: "Me" }, is_typing: true }, 60_000);
  inbox.setTyping({ conversation_id: "a", role: "agent", agent: { user_id: 7, name: "Me" }, is_typing: true }, 60_000);
  assert.deepEqual(inbox.typists("a").map((t) => t.name), ["Sam"]);
  inbox.setTyping({ conversation_id: "a", role: "agent", by: { user_id: 8, name: "Sam" }, is_typing: false }, 60_000);
  assert.deepEqual(inbox.typists("a"), []);
});
