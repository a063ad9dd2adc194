// The keyboard: which key does what, and only while the agent is not typing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { SHORTCUTS, keyAction, listenForShortcuts, moveIndex, renderShortcuts, typingIn } from "../../../js/dashboard/keys.js";
import { translator } from "../../../js/dashboard/text.js";
import { installDom } from "./dom.mjs";

const document = installDom();
const body = { tagName: "BODY" };
const press = (key, fields = {}) => ({ key, target: body, ...fields });

test("letters act anywhere but in a field", () => {
  const expected = { j: "next", k: "previous", r: "reply", e: "resolve", a: "assign", "/": "search", "?": "help" };
  for (const [key, action] of Object.entries(expected)) assert.equal(keyAction(press(key)), action, key);
  for (const tag of ["INPUT", "TEXTAREA", "SELECT"]) {
    assert.equal(keyAction(press("e", { target: { tagName: tag } })), null, tag);
  }
  assert.equal(keyAction(press("e", { target: { tagName: "DIV", isContentEditable: true } })), null);
  assert.equal(typingIn({ tagName: "button" }), false);
  assert.equal(keyAction(press("x")), null);
});

test("never with a modifier, nor while composing", () => {
  for (const modifier of ["ctrlKey", "altKey", "metaKey", "isComposing"]) {
    assert.equal(keyAction(press("r", { [modifier]: true })), null, modifier);
  }
});

test("arrows move only in the list (elsewhere they scroll); Enter is the focused item's own", () => {
  assert.equal(keyAction(press("ArrowDown")), null);
  assert.equal(keyAction(press("ArrowDown"), { inList: true }), "next");
  assert.equal(keyAction(press("ArrowUp"), { inList: true }), "previous");
  assert.equal(keyAction(press("Enter"), { inList: true }), null);
});

test("moving through the list stops at its ends and starts from either end", () => {
  assert.equal(moveIndex(-1, 3, "next"), 0);
  assert.equal(moveIndex(-1, 3, "previous"), 2);
  assert.equal(moveIndex(0, 3, "next"), 1);
  assert.equal(moveIndex(2, 3, "next"), 2);
  assert.equal(moveIndex(0, 3, "previous"), 0);
  assert.equal(moveIndex(0, 0, "next"), -1);
});

test("the list of shortcuts shows every key and what it does, in the page's words", () => {
  const strings = Object.fromEntries(SHORTCUTS.map((s) => [`key${s.action[0].toUpperCase()}${s.action.slice(1)}`, `«${s.action}»`]));
  const dl = document.createElement("dl");
  renderShortcuts(dl, translator({ ...strings, keyOr: "oder" }));
  const terms = dl.all("dt");
  assert.equal(terms.length, SHORTCUTS.length);
  assert.equal(terms[0].textContent, "j oder ↓");
  assert.deepEqual(terms[0].all("kbd").map((k) => k.textContent), ["j", "↓"]);
  assert.deepEqual(dl.all("dd").map((d) => d.textContent), SHORTCUTS.map((s) => `«${s.action}»`));
});

test("the page's listener: runs the action and keeps the key from the page; none while blocked", () => {
  const doc = document.createElement("html");
  doc.body = body;
  const item = document.createElement("button");
  const list = { contains: (node) => node === item };
  const done = [];
  const state = { blocked: false };
  const actions = Object.fromEntries(SHORTCUTS.map((s) => [s.action, () => done.push(s.action)]));
  listenForShortcuts(doc, { list, blocked: () => state.blocked, actions });
  assert.equal(doc.dispatch({ type: "keydown", key: "e", target: body }).defaultPrevented, true);
  assert.equal(doc.dispatch({ type: "keydown", key: "ArrowDown", target: item }).defaultPrevented, true);
  assert.equal(doc.dispatch({ type: "keydown", key: "ArrowDown", target: { tagName: "DIV" } }).defaultPrevented, false);
  assert.equal(doc.dispatch({ type: "keydown", key: "r", target: { tagName: "TEXTAREA" } }).defaultPrevented, false);
  state.blocked = true;
  assert.equal(doc.dispatch({ type: "keydown", key: "e", target: body }).defaultPrevented, false);
  assert.deepEqual(done, ["resolve", "next"]);
});
