// Private notes: asked for once per connection, sent with a client_id, kept once, shown as private.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Notes, renderPrivateNote } from "../../../js/dashboard/notes.js";
import { translator } from "../../../js/dashboard/text.js";
import { installDom } from "./dom.mjs";

installDom();
const t = translator({
  privateNoteLabel: "Private Notiz — nur Mitarbeiter sehen sie",
  sending: "wird gesendet…",
  notSent: "nicht gesendet",
  notSentBecause: "Nicht gesendet: {reason}",
  retry: "Erneut",
});
const note = (id, at, fields = {}) => ({
  id,
  conversation_id: "c1",
  text: `note ${id}`,
  author: { user_id: 2, name: "Sam" },
  created_at: at,
  client_id: "",
  ...fields,
});

function setup() {
  const sent = [];
  const state = { up: true };
  const notes = new Notes({ send: (frame) => state.up && sent.push(frame) > 0 });
  return { sent, state, notes };
}

test("a conversation's notes are asked for once per connection", () => {
  const s = setup();
  s.notes.request("c1");
  s.notes.request("c1");
  assert.deepEqual(s.sent, [{ type: "notes", conversation_id: "c1" }]);
  s.notes.reconnected();
  s.notes.request("c1");
  assert.equal(s.sent.length, 2);
  s.state.up = false;
  s.notes.request("c2"); // not sent: asked again next time
  s.state.up = true;
  s.notes.request("c2");
  assert.deepEqual(s.sent.at(-1), { type: "notes", conversation_id: "c2" });
});

test("a note goes with its client_id; the server's copy ends it; a retry is stored once", () => {
  const s = setup();
  s.notes.add("c1", "Call back on Monday", "n-1");
  assert.deepEqual(s.sent, [{ type: "note", conversation_id: "c1", text: "Call back on Monday", client_id: "n-1" }]);
  assert.equal(s.notes.pendingFor("c1").length, 1);
  s.notes.reconnected(); // the socket came back before the answer: sent again, same client_id
  assert.deepEqual(s.sent.map((f) => f.client_id), ["n-1", "n-1"]);
  s.notes.received(note("u1", "2026-01-01T10:00:00Z", { client_id: "n-1", text: "Call back on Monday" }));
  s.notes.received(note("u1", "2026-01-01T10:00:00Z", { client_id: "n-1", text: "Call back on Monday" }));
  assert.deepEqual(s.notes.pendingFor("c1"), []);
  assert.deepEqual(s.notes.forConversation("c1").map((n) => n.id), ["u1"]);
});

test("a refused note is failed, kept, and retried by hand; other errors are not its business", () => {
  const s = setup();
  s.notes.add("c1", "x".repeat(5), "n-2");
  assert.equal(s.notes.refused({ type: "error", code: "INVALID_MESSAGE", client_id: "other" }), undefined);
  const item = s.notes.refused({ type: "error", code: "INVALID_MESSAGE", message: "Too long", client_id: "n-2" });
  assert.equal(item.failed, true);
  assert.equal(item.error, "Too long");
  s.notes.reconnected();
  assert.equal(s.sent.length, 1, "a failed note is not resent by itself");
  s.notes.retry("n-2");
  assert.equal(s.sent.length, 2);
  assert.equal(s.notes.pendingFor("c1")[0].failed, false);
});

test("the notes answer: stored oldest first, with the conversation it names", () => {
  const s = setup();
  s.notes.loaded({
    type: "notes",
    conversation_id: "c1",
    notes: [note("b", "2026-01-01T10:05:00Z"), note("a", "2026-01-01T10:00:00Z")],
  });
  s.notes.received(note("c", "2026-01-01T09:00:00Z"));
  assert.deepEqual(s.notes.forConversation("c1").map((n) => n.id), ["c", "a", "b"]);
  assert.deepEqual(s.notes.forConversation("c2"), []);
});

test("a note in the thread is labelled private, by its author, with its time", () => {
  const item = renderPrivateNote(note("a", "2026-01-01T10:00:00Z", { text: "see https://example.com/x" }), { t });
  assert.equal(item.className, "lc-private-note");
  assert.equal(item.children[0].textContent, "Private Notiz — nur Mitarbeiter sehen sie");
  assert.match(item.textContent, /Sam/);
  assert.equal(item.dataset.noteId, "a");
  assert.equal(item.dataset.time, String(Date.parse("2026-01-01T10:00:00Z")));
  assert.equal(item.all("a")[0].getAttribute("href"), "https://example.com/x");
  assert.equal(item.all("time").length, 1);
  const failed = renderPrivateNote({ text: "x", client_id: "n-9" }, { t, pending: true, failed: true, error: "Leer" });
  assert.match(failed.className, /lc-pending lc-failed/);
  assert.match(failed.textContent, /Nicht gesendet: Leer/);
  assert.equal(failed.all("button")[0].getAttribute("data-retry-note"), "n-9");
});
