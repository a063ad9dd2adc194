// Bot replies in the dashboard: a reply being written grows in place until its stored
// message replaces it; the inbox tags conversations with the bot or waiting for a person,
// the handoff event and an agent's reply move them on, and the Status filter finds those
// waiting.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Streams, botTag, handoffNote } from "../../../js/dashboard/bots.js";
import { Inbox } from "../../../js/dashboard/inbox.js";
import { passes } from "../../../js/dashboard/labels.js";
import { translator } from "../../../js/dashboard/text.js";
import { renderList, showStream } from "../../../js/dashboard/view.js";
import { installDom } from "./dom.mjs";

const document = installDom();
// Not English on purpose: every word on screen comes from the page's strings.
const t = translator({
  roleAssistant: "Automatische Antwort",
  botWriting: "schreibt…",
  botState: "Bot",
  waitingState: "Wartet auf einen Menschen",
  handoffByVisitor: "Der Besucher möchte einen Menschen.",
  handoffByBot: "Der Bot hat übergeben.",
  handoffByAgent: "Ein Mitarbeiter hat übernommen.",
  resolved: "Erledigt",
});

const delta = (text, clientId = "auto:m1", conversationId = "c1") => ({
  type: "reply_delta",
  conversation_id: conversationId,
  reply_to: clientId.slice(5),
  client_id: clientId,
  text,
});

test("deltas: the whole text so far, per client_id; the stored message (or history) ends it", () => {
  const streams = new Streams();
  assert.equal(streams.update(delta("Hal")), true, "the first delta starts a reply");
  assert.equal(streams.update(delta("Hallo")), false);
  assert.equal(streams.update(delta("Other", "auto:m2")), true);
  streams.update(delta("Elsewhere", "auto:m3", "c2"));
  assert.deepEqual(streams.forConversation("c1"), [
    { clientId: "auto:m1", text: "Hallo" },
    { clientId: "auto:m2", text: "Other" },
  ]);
  assert.equal(streams.text("c1", "auto:m1"), "Hallo");
  assert.equal(streams.finish({ conversation_id: "c1", client_id: "auto:m1", seq: 4 }), true);
  assert.equal(streams.finish({ conversation_id: "c1", client_id: "v-1", seq: 5 }), false, "a visitor's message");
  assert.deepEqual(streams.forConversation("c1"), [{ clientId: "auto:m2", text: "Other" }]);
  streams.finish({ conversation_id: "c1", client_id: "auto:m2" });
  assert.deepEqual(streams.forConversation("c1"), []);
  assert.equal(streams.update(delta("Again", "auto:m1")), true, "a new stream after a recovery starts over");
});

test("the growing reply is drawn once and its text replaced in place, links as elements", () => {
  const messages = document.createElement("ul");
  const first = showStream(messages, { clientId: "auto:m1", text: "Siehe" }, t);
  assert.equal(first.getAttribute("aria-busy"), "true");
  assert.match(first.textContent, /Automatische Antwort/);
  assert.match(first.textContent, /schreibt…/);
  const again = showStream(messages, { clientId: "auto:m1", text: "Siehe https://shop.example/faq <b>" }, t);
  assert.equal(again, first, "the same node");
  assert.equal(messages.children.length, 1);
  assert.equal(first.all("a")[0].getAttribute("href"), "https://shop.example/faq");
  assert.match(first.textContent, /<b>$/, "markup stays text");
  showStream(messages, { clientId: "auto:m2", text: "Zweite" }, t);
  assert.equal(messages.children.length, 2);
});

test("the inbox tags: Bot, then Waiting for a person after a handoff, nothing once an agent answers", () => {
  const inbox = new Inbox();
  inbox.upsert({ conversation_id: "c1", status: "open", metadata: { name: "Ada" }, bot_state: "bot", handoff_at: null });
  inbox.upsert({ conversation_id: "c2", status: "open", metadata: { name: "Bo" } }); // an older server: no tag
  const list = document.createElement("ul");
  const draw = () => {
    renderList(list, inbox.sorted("all"), { selected: null, typistsOf: () => [], t });
    return Object.fromEntries(list.all("button").map((b) => [b.dataset.conversationId, b]));
  };
  let items = draw();
  assert.equal(botTag(inbox.conversations.get("c1"), t).textContent, "Bot");
  assert.match(items.c1.textContent, /Bot/);
  assert.match(items.c1.getAttribute("aria-label"), /Bot/);
  assert.doesNotMatch(items.c2.textContent, /Bot|Wartet/);
  const event = { type: "handoff", conversation_id: "c1", handoff_at: "2026-01-01T10:00:00Z", by: "bot" };
  assert.ok(inbox.handoff(event));
  assert.equal(inbox.handoff({ ...event, conversation_id: "unknown" }), undefined);
  items = draw();
  assert.match(items.c1.textContent, /Wartet auf einen Menschen/);
  assert.match(items.c1.getAttribute("aria-label"), /Wartet auf einen Menschen/);
  assert.equal(inbox.conversations.get("c1").handoff_at, "2026-01-01T10:00:00Z");
  assert.equal(handoffNote(event, t), "Der Bot hat übergeben.");
  assert.equal(handoffNote({ ...event, by: "visitor" }, t), "Der Besucher möchte einen Menschen.");
  assert.equal(handoffNote({ ...event, by: "agent" }, t), "Ein Mitarbeiter hat übernommen.");
  // The bot's own replies are messages like any other; an agent's reply takes it over.
  inbox.addMessage({ conversation_id: "c1", seq: 1, role: "assistant", message: "Hallo", timestamp: "2026-01-01T09:59:00Z" });
  assert.equal(inbox.conversations.get("c1").bot_state, "waiting");
  inbox.addMessage({ conversation_id: "c1", seq: 2, role: "agent", message: "Hi, Sam here", timestamp: "2026-01-01T10:01:00Z" });
  assert.equal(inbox.conversations.get("c1").bot_state, "agent");
  assert.deepEqual(inbox.thread("c1").map((m) => m.role), ["assistant", "agent"], "the agent sees what the bot said");
  inbox.handoff(event); // a late handoff changes nothing now
  items = draw();
  assert.doesNotMatch(items.c1.textContent, /Bot|Wartet/);
});

test("the Status filter's 'Waiting for a person': handed over, not answered, not resolved", () => {
  const waiting = { status: "open", bot_state: "waiting" };
  assert.equal(passes(waiting, { status: "waiting" }), true);
  assert.equal(passes({ status: "open", bot_state: "bot" }, { status: "waiting" }), false);
  assert.equal(passes({ status: "open", bot_state: "agent" }, { status: "waiting" }), false);
  assert.equal(passes({ status: "open" }, { status: "waiting" }), false);
  assert.equal(passes({ ...waiting, status: "resolved" }, { status: "waiting" }), false);
  assert.equal(passes(waiting, { status: "all" }), true);
});
