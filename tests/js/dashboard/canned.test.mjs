// Canned replies: placeholders filled, the "/" picker's search, keys and insertion.
import assert from "node:assert/strict";
import { test } from "node:test";

import { CannedPicker, fillPlaceholders, matchReplies, pickerQuery } from "../../../js/dashboard/canned.js";
import { translator } from "../../../js/dashboard/text.js";
import { installDom } from "./dom.mjs";

const document = installDom();
const t = translator({ cannedPersonal: "persönlich", cannedNone: "Keine passende Antwort." });
const REPLIES = [
  { id: 1, shortcut: "hello", text: "Hi {visitor_name}, I'm {agent_name} from {website_name}.", website_id: "w1", personal: false },
  { id: 2, shortcut: "refund", text: "Refunds take 5 days.", website_id: "w1", personal: false },
  { id: 3, shortcut: "bye", text: "Bye {visitor_name}! Write to {visitor_email} anytime.", website_id: null, personal: true },
  { id: 4, shortcut: "hola", text: "Hola", website_id: "w2", personal: false },
];

test("placeholders are filled; an empty or missing value leaves no doubled space", () => {
  const values = { visitor_name: "Ada", agent_name: "Sam", website_name: "Shop" };
  assert.equal(fillPlaceholders(REPLIES[0].text, values), "Hi Ada, I'm Sam from Shop.");
  assert.equal(fillPlaceholders("Hi {visitor_name}, welcome", { visitor_name: "" }), "Hi, welcome");
  assert.equal(fillPlaceholders("Dear {visitor_name} and team", {}), "Dear and team");
  assert.equal(fillPlaceholders("{visitor_name} hello", { visitor_name: null }), "hello");
  assert.equal(fillPlaceholders("Keep {unknown} and {braces}", {}), "Keep {unknown} and {braces}");
});

test("the search: replies of the conversation's website and personal ones, shortcut prefix first", () => {
  assert.deepEqual(matchReplies(REPLIES, "", "w1").map((r) => r.shortcut), ["bye", "hello", "refund"]);
  assert.deepEqual(matchReplies(REPLIES, "h", "w1").map((r) => r.shortcut), ["hello"]);
  assert.deepEqual(matchReplies(REPLIES, "ho", "w2").map((r) => r.shortcut), ["hola"]);
  assert.deepEqual(matchReplies(REPLIES, "days", "w1").map((r) => r.shortcut), ["refund"], "the text counts too");
  assert.deepEqual(matchReplies(REPLIES, "hola", "w1"), [], "another website's reply is not offered");
});

test("only a box holding '/' and a word opens the picker", () => {
  assert.equal(pickerQuery("/"), "");
  assert.equal(pickerQuery("/ref"), "ref");
  assert.equal(pickerQuery("hello /ref"), null);
  assert.equal(pickerQuery("/ref more"), null);
  assert.equal(pickerQuery(""), null);
});

function setup(context = { websiteId: "w1", values: { visitor_name: "Ada", agent_name: "Sam", website_name: "Shop" } }) {
  const input = document.createElement("textarea");
  const listbox = document.createElement("ul");
  listbox.setAttribute("id", "lc-canned");
  listbox.hidden = true;
  const inserted = [];
  const sent = [];
  const picker = new CannedPicker({ input, listbox, context: () => context, onInsert: (r) => inserted.push(r.id), t });
  // The reply box's own Enter (main.js registers it after the picker): it sends.
  input.addEventListener("keydown", (event) => event.key === "Enter" && sent.push(input.value));
  picker.setReplies(REPLIES);
  const type = (value) => {
    input.value = value;
    input.dispatch({ type: "input" });
  };
  const key = (name) => input.dispatch({ type: "keydown", key: name });
  return { input, listbox, picker, inserted, sent, type, key };
}

test("typing '/' lists the replies as options; arrows move; Enter inserts the filled text, not a send", () => {
  const p = setup();
  assert.equal(p.input.getAttribute("aria-controls"), "lc-canned");
  assert.equal(p.input.getAttribute("aria-autocomplete"), "list");
  p.type("/");
  assert.equal(p.listbox.hidden, false);
  const options = p.listbox.all("li");
  assert.deepEqual(options.map((o) => o.getAttribute("role")), ["option", "option", "option"]);
  assert.match(options[0].textContent, /^\/bye/);
  assert.match(options[0].textContent, /persönlich/);
  assert.equal(p.input.getAttribute("aria-activedescendant"), "lc-canned-0");
  let event = p.key("ArrowDown");
  assert.equal(event.defaultPrevented, true);
  assert.equal(p.input.getAttribute("aria-activedescendant"), "lc-canned-1");
  assert.equal(p.listbox.all("li")[1].getAttribute("aria-selected"), "true");
  p.key("ArrowUp");
  p.key("ArrowUp"); // wraps round to the last
  assert.equal(p.input.getAttribute("aria-activedescendant"), "lc-canned-2");
  p.type("/hel");
  event = p.key("Enter");
  assert.equal(event.defaultPrevented, true);
  assert.equal(p.input.value, "Hi Ada, I'm Sam from Shop.");
  assert.deepEqual(p.sent, [], "the Enter that picks does not send");
  assert.equal(p.listbox.hidden, true);
  assert.equal(p.input.getAttribute("aria-activedescendant"), null);
  assert.deepEqual(p.inserted, [1]);
  p.key("Enter");
  assert.deepEqual(p.sent, ["Hi Ada, I'm Sam from Shop."], "closed: Enter sends again");
});

test("Escape closes the list and keeps the text; nothing matching says so; a click inserts", () => {
  const p = setup();
  p.type("/zzz");
  assert.equal(p.listbox.textContent, "Keine passende Antwort.");
  assert.equal(p.key("Enter").defaultPrevented, false, "nothing to pick: Enter is the box's");
  p.type("/re");
  p.key("Escape");
  assert.equal(p.listbox.hidden, true);
  assert.equal(p.input.value, "/re");
  p.type("/b");
  const option = p.listbox.all("li")[0];
  p.listbox.dispatch({ type: "click", target: option.children[0] });
  assert.equal(p.input.value, "Bye Ada! Write to anytime.");
});

test("no open conversation: the picker stays shut", () => {
  const p = setup(null);
  p.type("/");
  assert.equal(p.listbox.hidden, true);
});
