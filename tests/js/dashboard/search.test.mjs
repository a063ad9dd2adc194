// Search: asked after a pause, only for a query of 2..200 characters; an old answer is ignored.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Search, SearchBox, renderResults } from "../../../js/dashboard/search.js";
import { translator } from "../../../js/dashboard/text.js";
import { FakeClock } from "../fakes.mjs";
import { installDom } from "./dom.mjs";

const document = installDom();
const t = translator({ aVisitor: "Ein Besucher", resolved: "Erledigt" });

function setup() {
  const clock = new FakeClock();
  const sent = [];
  const search = new Search({ send: (frame) => sent.push(frame) > 0, env: clock });
  return { clock, sent, search };
}

test("the server is asked once typing pauses, with the website when one is chosen", () => {
  const s = setup();
  assert.equal(s.search.typed("r"), false, "one character is not a query");
  assert.equal(s.search.typed("re"), true);
  s.clock.advance(100);
  s.search.typed("refund", "w1");
  s.clock.advance(249);
  assert.deepEqual(s.sent, []);
  s.clock.advance(1);
  assert.deepEqual(s.sent, [{ type: "search", query: "refund", website_id: "w1" }]);
  assert.equal(s.search.typed("x".repeat(201)), false, "too long");
  s.clock.advance(1000);
  assert.equal(s.sent.length, 1);
  s.search.ask("  spaced ".trim());
  assert.deepEqual(s.sent.at(-1), { type: "search", query: "spaced" });
});

test("only the answer to the query asked last is shown", () => {
  const s = setup();
  s.search.ask("refund");
  s.search.ask("refunds");
  assert.equal(s.search.results({ type: "search_results", query: "refund", results: [{}] }), null);
  assert.deepEqual(s.search.results({ type: "search_results", query: "refunds", results: [] }), []);
  s.search.clear();
  assert.equal(s.search.results({ type: "search_results", query: "refunds", results: [] }), null);
});

test("a hit: who, the snippet as text, its conversation and seq to open", () => {
  const list = document.createElement("ul");
  const count = renderResults(
    list,
    [
      {
        conversation_id: "c1",
        website_id: "w1",
        seq: 42,
        snippet: "… a <b>refund</b> please …",
        visitor_name: "Ada",
        visitor_email: "",
        visitor_identifier: "",
        created_at: "2026-01-01T10:00:00Z",
        status: "resolved",
      },
      { conversation_id: "c2", seq: null, snippet: "bob@example.com", visitor_name: "", visitor_email: "bob@example.com" },
      { conversation_id: "c3", seq: null, snippet: "" },
    ],
    t,
  );
  assert.equal(count, 3);
  const [first, second, third] = list.all("button");
  assert.equal(first.dataset.conversationId, "c1");
  assert.equal(first.dataset.seq, "42");
  assert.match(first.textContent, /^Ada/);
  assert.match(first.textContent, /… a <b>refund<\/b> please …/, "markup in a snippet is text");
  assert.match(first.textContent, /Erledigt/);
  assert.equal(second.dataset.seq, undefined, "a hit on the name or email opens the conversation");
  assert.match(second.textContent, /^bob@example\.com/);
  assert.match(third.textContent, /^Ein Besucher/);
});

test("the box: typing asks, Enter asks at once, results show, a click opens the hit, Escape clears", () => {
  const clock = new FakeClock();
  const sent = [];
  const opened = [];
  const [input, box, list, empty] = ["input", "section", "ul", "p"].map((tag) => document.createElement(tag));
  box.hidden = true;
  const searchBox = new SearchBox({
    input,
    box,
    list,
    empty,
    search: new Search({ send: (frame) => sent.push(frame) > 0, env: clock }),
    websiteId: () => "w1",
    onOpen: (id, seq) => opened.push([id, seq]),
    t,
  });
  input.value = "parcel";
  input.dispatch({ type: "input" });
  clock.advance(250);
  assert.deepEqual(sent, [{ type: "search", query: "parcel", website_id: "w1" }]);
  input.value = "parcel 7";
  assert.equal(input.dispatch({ type: "keydown", key: "Enter" }).defaultPrevented, true);
  assert.equal(sent.at(-1).query, "parcel 7");
  searchBox.results({ type: "search_results", query: "parcel", results: [{ conversation_id: "old" }] });
  assert.equal(box.hidden, true, "the answer to an earlier query is not shown");
  searchBox.results({ type: "search_results", query: "parcel 7", results: [] });
  assert.equal(box.hidden, false);
  assert.equal(empty.hidden, false, "nothing found says so");
  searchBox.results({
    type: "search_results",
    query: "parcel 7",
    results: [{ conversation_id: "c1", seq: 12, snippet: "parcel 7" }, { conversation_id: "c2", seq: null }],
  });
  assert.equal(empty.hidden, true);
  const [first, second] = list.all("button");
  list.dispatch({ type: "click", target: first.children[1] });
  list.dispatch({ type: "click", target: second });
  assert.deepEqual(opened, [["c1", 12], ["c2", null]]);
  input.dispatch({ type: "keydown", key: "ArrowDown" });
  assert.equal(document.activeElement, first, "down from the box goes to the first result");
  input.dispatch({ type: "keydown", key: "Escape" });
  assert.equal(input.value, "");
  assert.equal(box.hidden, true);
  input.value = "x";
  input.dispatch({ type: "input" });
  assert.equal(box.hidden, true, "too short: no results shown");
});
