import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

import { DEFAULT_LABELS } from "../../js/widget/config.js";
import { EXTRAS_LABELS, EXTRAS_OUTPUT, OUTPUT, extras, widget as bundle } from "../../js/widget/build.mjs";

test("the committed widget.js and widget-extras.js are the bundles of js/widget/ (run node js/widget/build.mjs)", () => {
  assert.ok(readFileSync(OUTPUT, "utf8") === bundle(), "widget.js is stale: run node js/widget/build.mjs");
  assert.ok(readFileSync(EXTRAS_OUTPUT, "utf8") === extras(), "widget-extras.js is stale: run node js/widget/build.mjs");
});

test("both bundles are classic scripts: no import or export left, valid syntax", () => {
  for (const built of [bundle(), extras()]) {
    assert.doesNotMatch(built, /^\s*(import|export)\s/m);
    assert.doesNotThrow(() => new vm.Script(built));
  }
});

test("the core names the extras with their content hash, the ?v= of the app's asset URLs", () => {
  const version = createHash("sha256").update(readFileSync(EXTRAS_OUTPUT)).digest("hex").slice(0, 12);
  assert.ok(bundle().includes(`"widget-extras.js?v=${version}"`));
});

test("each text is in the one bundle that shows it", () => {
  const core = bundle();
  const more = extras();
  const lazy = Object.keys(DEFAULT_LABELS).filter((key) => EXTRAS_LABELS.test(key));
  assert.ok(lazy.includes("prechatStart") && lazy.includes("ratingQuestion") && lazy.includes("uploadTooLarge"));
  for (const key of Object.keys(DEFAULT_LABELS)) {
    const text = JSON.stringify(DEFAULT_LABELS[key]);
    if (lazy.includes(key)) {
      assert.ok(!core.includes(`"${key}":${text}`), `${key} is not in the core`);
      assert.ok(more.includes(`"${key}":${text}`), `${key} is in the extras`);
    } else {
      assert.ok(core.includes(`"${key}":${text}`), `${key} is in the core`);
      assert.ok(!more.includes(`"${key}":${text}`), `${key} is not in the extras`);
    }
  }
});

test("the extras announce themselves with an event and add no global", () => {
  const events = [];
  const page = {
    CustomEvent: class {
      constructor(type, init) {
        Object.assign(this, { type, detail: init.detail });
      }
    },
    document: { dispatchEvent: (event) => events.push(event) },
  };
  page.window = page;
  const before = Object.keys(page).sort();
  vm.runInNewContext(extras(), page);
  assert.deepEqual(Object.keys(page).sort(), before);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, "livechat:extras");
  assert.equal(typeof events[0].detail, "function");
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
