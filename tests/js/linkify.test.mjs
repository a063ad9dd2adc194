import assert from "node:assert/strict";
import { test } from "node:test";

import { linkify } from "../../js/shared/linkify.js";

const joined = (parts) => parts.map((p) => p.text).join("");

test("http and https URLs become links; the text around them stays text", () => {
  const parts = linkify("See https://example.com/help and http://x.org/a?b=1#c now");
  assert.deepEqual(parts, [
    { text: "See " },
    { text: "https://example.com/help", href: "https://example.com/help" },
    { text: " and " },
    { text: "http://x.org/a?b=1#c", href: "http://x.org/a?b=1#c" },
    { text: " now" },
  ]);
});

test("other schemes never become links", () => {
  for (const text of ["javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "ftp://x.org/"]) {
    assert.deepEqual(linkify(text), [{ text }]);
  }
});

test("HTML is only text: the parts are exactly the input", () => {
  const text = '<img src=x onerror="alert(1)"> <a href="javascript:alert(1)">x</a> https://ok.example/<b>';
  const parts = linkify(text);
  assert.equal(joined(parts), text);
  assert.deepEqual(parts.filter((p) => p.href).map((p) => p.href), ["https://ok.example/"]);
});

test("trailing punctuation ends the link, balanced parentheses stay in it", () => {
  assert.deepEqual(linkify("Go to https://a.example/x.").map((p) => p.href).filter(Boolean), ["https://a.example/x"]);
  assert.deepEqual(linkify("(https://a.example/x)").map((p) => p.text), ["(", "https://a.example/x", ")"]);
  assert.equal(linkify("https://en.wikipedia.org/wiki/Django_(web_framework)")[0].text,
    "https://en.wikipedia.org/wiki/Django_(web_framework)");
});

test("quotes cannot break out of the link", () => {
  const parts = linkify('https://a.example/"onmouseover="alert(1)');
  assert.equal(parts[0].href, "https://a.example/");
  assert.equal(joined(parts), 'https://a.example/"onmouseover="alert(1)');
});

test("empty and link-free text", () => {
  assert.deepEqual(linkify(""), []);
  assert.deepEqual(linkify("no links here"), [{ text: "no links here" }]);
});
