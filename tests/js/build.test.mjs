import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

import { OUTPUT, bundle } from "../../js/widget/build.mjs";

test("the committed widget.js is the bundle of js/widget/ (run node js/widget/build.mjs)", () => {
  assert.ok(readFileSync(OUTPUT, "utf8") === bundle(), "widget.js is stale: run node js/widget/build.mjs");
});

test("the bundle is one classic script: no import or export left, valid syntax", () => {
  const built = bundle();
  assert.doesNotMatch(built, /^\s*(import|export)\s/m);
  assert.doesNotThrow(() => new vm.Script(built));
});

test("run on a page without a website id, it only logs why, and adds no global", () => {
  const errors = [];
  const page = {
    URL,
    location: { href: "https://shop.example/" },
    console: { error: (text) => errors.push(text) },
    document: { currentScript: null, getElementById: () => null },
  };
  page.window = page;
  const before = Object.keys(page).sort();
  vm.runInNewContext(bundle(), page);
  assert.deepEqual(Object.keys(page).sort(), before);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /no websiteId/);
});
