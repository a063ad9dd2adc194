// Assignment: the frames, the "assign to" choices and the notice.
import assert from "node:assert/strict";
import { test } from "node:test";

import { assignFrame, assignedNotice, assigneeChoices, chosenAgent, renderAssignee } from "../../../js/dashboard/assign.js";
import { translator } from "../../../js/dashboard/text.js";
import { installDom } from "./dom.mjs";

const document = installDom();
const t = translator({
  nobody: "Niemand",
  assignedYouBy: "{name} hat dir {visitor} zugewiesen.",
  assignedYouAuto: "Dir wurde {visitor} zugewiesen.",
});

test("assign to me (no agent_id), to an agent, to nobody (null)", () => {
  assert.deepEqual(assignFrame("c1"), { type: "assign", conversation_id: "c1" });
  assert.deepEqual(assignFrame("c1", 8), { type: "assign", conversation_id: "c1", agent_id: 8 });
  assert.deepEqual(assignFrame("c1", null), { type: "assign", conversation_id: "c1", agent_id: null });
  assert.equal(chosenAgent(""), null);
  assert.equal(chosenAgent("8"), 8);
  assert.equal(chosenAgent("a-uuid"), "a-uuid");
});

test("the choices: nobody, the website's agents once each, the assignee kept even offline", () => {
  const agents = [
    { user_id: 7, name: "Me" },
    { user_id: 8, name: "Sam" },
    { user_id: 8, name: "Sam" },
  ];
  const open = assigneeChoices({ assigned_agent: null }, agents, t);
  assert.deepEqual(open.choices.map((c) => c.text), ["Niemand", "Me", "Sam"]);
  assert.equal(open.value, "");
  const away = assigneeChoices({ assigned_agent: { user_id: 9, name: "Kim" } }, agents, t);
  assert.deepEqual(away.choices.map((c) => c.value), ["", "7", "8", "9"]);
  assert.equal(away.value, "9");
  const select = document.createElement("select");
  renderAssignee(select, { assigned_agent: { user_id: 8, name: "Sam" } }, agents, t);
  assert.equal(select.value, "8");
  assert.deepEqual(select.children.map((o) => o.getAttribute("value")), ["", "7", "8"]);
});

test("the notice names who assigned it, or the round robin", () => {
  assert.equal(assignedNotice({ by: { user_id: 8, name: "Sam" } }, "Ada", t), "Sam hat dir Ada zugewiesen.");
  assert.equal(assignedNotice({ by: null }, "Ada", t), "Dir wurde Ada zugewiesen.");
});
