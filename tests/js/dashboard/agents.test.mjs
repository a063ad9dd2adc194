// Other agents: who is online, who has which conversation open, what this dashboard says it views.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Agents, avatars, initials, renderOnline } from "../../../js/dashboard/agents.js";
import { translator } from "../../../js/dashboard/text.js";
import { installDom } from "./dom.mjs";

const document = installDom();
const t = translator({ viewingNow: "Offen bei {names}" });
const ME = { user_id: 7, name: "Me Myself" };
const SAM = { user_id: 8, name: "Sam Jones" };
const KIM = { user_id: 9, name: "kim" };

test("online agents per website and over all, each once, by name", () => {
  const agents = new Agents();
  agents.update({ type: "agents", website_id: "w1", agents: [{ ...SAM, viewing: ["c1"] }, { ...ME, viewing: ["c1"] }] });
  agents.update({ type: "agents", website_id: "w2", agents: [{ ...SAM, viewing: [] }, { ...KIM, viewing: ["c2"] }] });
  assert.deepEqual(agents.online("w1").map((a) => a.user_id), [7, 8]);
  assert.deepEqual(agents.online().map((a) => a.user_id), [9, 7, 8]);
  assert.deepEqual(agents.online("w3"), []);
  assert.deepEqual(agents.viewers("c1", 7).map((a) => a.name), ["Sam Jones"], "not me");
  assert.deepEqual(agents.viewers("c2", 7).map((a) => a.name), ["kim"]);
  agents.update({ type: "agents", website_id: "w1", agents: [] }); // a newer frame replaces the website's list
  assert.deepEqual(agents.viewers("c1", 7), []);
});

test("the viewing frame goes when the open conversation changes, and again after a reconnect", () => {
  const agents = new Agents();
  assert.deepEqual(agents.viewingFrame("c1"), { type: "viewing", conversation_id: "c1" });
  agents.sentViewing("c1");
  assert.equal(agents.viewingFrame("c1"), null);
  assert.deepEqual(agents.viewingFrame(null), { type: "viewing", conversation_id: null });
  agents.reset();
  assert.deepEqual(agents.viewingFrame("c1"), { type: "viewing", conversation_id: "c1" });
});

test("initials, avatars with the names as text, and the online list without me", () => {
  assert.equal(initials("Sam Jones"), "SJ");
  assert.equal(initials("kim"), "KI");
  assert.equal(initials(""), "?");
  assert.equal(avatars([], t), null);
  const shown = avatars([SAM, KIM], t);
  assert.equal(shown.children[0].textContent, "Offen bei Sam Jones, kim");
  assert.equal(shown.children[1].getAttribute("aria-hidden"), "true");
  assert.equal(shown.children[1].textContent, "SJ");
  const list = document.createElement("ul");
  assert.equal(renderOnline(list, [ME, SAM], 7, t), 1);
  assert.match(list.textContent, /Sam Jones/);
  assert.doesNotMatch(list.textContent, /Me Myself/);
});
