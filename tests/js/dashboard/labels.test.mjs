// Labels: chips, the picker and its frame, and the inbox's filters (AND).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  filterChoices,
  filteredRequest,
  fillSelect,
  labelChip,
  labelsByWebsite,
  labelsFrame,
  passes,
  renderChips,
  renderLabelPicker,
} from "../../../js/dashboard/labels.js";
import { installDom } from "./dom.mjs";

const document = installDom();
const BILLING = { id: 1, name: "billing", color: "#1f6feb" };
const BUG = { id: 2, name: "bug", color: "" };
const VIP = { id: 3, name: "vip", color: "red" };

test("a chip: the name, and a dot of its colour only for a #rrggbb colour", () => {
  const chip = labelChip(BILLING);
  assert.equal(chip.textContent, "billing");
  assert.equal(chip.children[0].style.background, "#1f6feb");
  assert.equal(chip.children[0].getAttribute("aria-hidden"), "true");
  assert.equal(labelChip(BUG).children.length, 1);
  assert.equal(labelChip(VIP).children.length, 1, "not a colour the page would trust");
  const box = document.createElement("p");
  renderChips(box, [BILLING, BUG]);
  assert.equal(box.hidden, false);
  assert.deepEqual(box.children.map((c) => c.dataset.labelId), ["1", "2"]);
  renderChips(box, []);
  assert.equal(box.hidden, true);
});

test("each website's labels from the ready frame", () => {
  const found = labelsByWebsite([{ website_id: "w1", name: "A", labels: [BILLING] }, { website_id: "w2", name: "B" }]);
  assert.deepEqual(found.get("w1"), [BILLING]);
  assert.deepEqual(found.get("w2"), []);
  assert.equal(labelsByWebsite(undefined).size, 0);
});

test("the picker ticks the conversation's labels; its frame names the ticked ones", () => {
  const fieldset = document.createElement("fieldset");
  fieldset.append(document.createElement("legend"));
  assert.equal(renderLabelPicker(fieldset, [BILLING, BUG], { labels: [BUG] }), 2);
  assert.equal(fieldset.children[0].tagName, "LEGEND", "the legend stays");
  const boxes = fieldset.all("input");
  assert.deepEqual(boxes.map((b) => [b.getAttribute("value"), b.getAttribute("checked")]), [["1", null], ["2", ""]]);
  const live = [
    { value: "1", checked: true },
    { value: "2", checked: false },
  ];
  assert.deepEqual(labelsFrame("c1", live), { type: "labels", conversation_id: "c1", labels: [1] });
});

const entry = (fields) => ({ conversation_id: "c", status: "open", website_id: "w1", labels: [], assigned_agent: null, ...fields });

test("the filters: status, label, assignee and website, all at once", () => {
  const mine = entry({ assigned_agent: { user_id: 7, name: "Me" }, labels: [BILLING] });
  const theirs = entry({ assigned_agent: { user_id: 8, name: "Sam" }, status: "resolved", website_id: "w2" });
  const nobodys = entry({ labels: [BUG] });
  const all = [mine, theirs, nobodys];
  const pick = (filters) => all.filter((e) => passes(e, filters, 7)).map((e) => all.indexOf(e));
  assert.deepEqual(pick({}), [0, 1, 2]);
  assert.deepEqual(pick({ status: "open" }), [0, 2]);
  assert.deepEqual(pick({ status: "resolved" }), [1]);
  assert.deepEqual(pick({ assignee: "me" }), [0]);
  assert.deepEqual(pick({ assignee: "none" }), [2]);
  assert.deepEqual(pick({ assignee: "8" }), [1]);
  assert.deepEqual(pick({ label: "2" }), [2]);
  assert.deepEqual(pick({ website: "w2" }), [1]);
  assert.deepEqual(pick({ status: "open", label: "1", assignee: "me", website: "w1" }), [0]);
  assert.deepEqual(pick({ status: "open", assignee: "8" }), []);
});

test("the filter bar's choices; a select keeps its value while it is still offered", () => {
  const websites = [
    { website_id: "w1", name: "Shop" },
    { website_id: "w2", name: "Blog" },
  ];
  const choices = filterChoices({
    websites,
    labels: new Map([["w1", [BILLING]], ["w2", [BUG]]]),
    agents: [
      { user_id: 7, name: "Me" },
      { user_id: 8, name: "Sam" },
    ],
    me: 7,
  });
  assert.deepEqual(choices.labelOptions, [
    { value: "1", text: "billing (Shop)" },
    { value: "2", text: "bug (Blog)" },
  ]);
  assert.deepEqual(choices.agentOptions, [{ value: "8", text: "Sam" }]);
  assert.deepEqual(choices.websiteOptions.map((o) => o.value), ["w1", "w2"]);
  const one = filterChoices({ websites: [websites[0]], labels: new Map([["w1", [BILLING]]]), agents: [], me: 7 });
  assert.deepEqual(one.labelOptions, [{ value: "1", text: "billing" }], "one website: no website name");

  const select = document.createElement("select");
  const any = document.createElement("option");
  any.value = "";
  select.append(any);
  select.value = "";
  fillSelect(select, 1, choices.labelOptions);
  assert.deepEqual(select.children.map((o) => o.textContent), ["", "billing (Shop)", "bug (Blog)"]);
  for (const option of select.children) option.value = option.getAttribute("value") ?? option.value;
  const before = select.children[1];
  fillSelect(select, 1, choices.labelOptions);
  assert.equal(select.children[1], before, "the same choices: the options are left alone");
  fillSelect(select, 1, choices.labelOptions.slice(1));
  assert.deepEqual(select.children.map((o) => o.textContent), ["", "bug (Blog)"]);
});

test("the filters as a conversations request, or none when nothing is filtered", () => {
  assert.equal(filteredRequest({ status: "all", label: "", assignee: "anyone", website: "" }), null);
  assert.equal(filteredRequest({}), null);
  assert.deepEqual(filteredRequest({ status: "resolved", label: "7", assignee: "me", website: "w1" }), {
    type: "conversations",
    status: "resolved",
    label: 7,
    assignee: "me",
    website_id: "w1",
  });
  assert.deepEqual(filteredRequest({ assignee: "42" }), { type: "conversations", assignee: "42" });
  assert.deepEqual(filteredRequest({ status: "mine?", label: "x" }), null);
});
