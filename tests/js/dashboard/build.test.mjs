// The shipped dashboard.js is the bundle of js/dashboard/, and a plain classic script.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";
import vm from "node:vm";

import { ENTRY, OUTPUT, bundle } from "../../../js/dashboard/build.mjs";

test("the committed dashboard.js is the bundle of js/dashboard/ (run node js/dashboard/build.mjs)", () => {
  assert.ok(readFileSync(OUTPUT, "utf8") === bundle(), "dashboard.js is stale: run node js/dashboard/build.mjs");
});

test("one classic script: no import or export left, valid syntax, every module inside", () => {
  const built = bundle();
  assert.match(built, /^\/\*! django_livechat agent dashboard\. Built by js\/dashboard\/build\.mjs/);
  assert.doesNotMatch(built, /^\s*(import|export)\s/m);
  assert.doesNotThrow(() => new vm.Script(built));
  const modules = readdirSync(new URL(".", `file://${ENTRY}`)).filter((name) => name.endsWith(".js"));
  for (const name of modules) assert.ok(built.includes(`// dashboard/${name}\n`), name);
  for (const name of ["backoff", "heartbeat", "catchup", "messages", "linkify"]) {
    assert.ok(built.includes(`// shared/${name}.js\n`), `js/shared/${name}.js is imported, not copied`);
  }
});

test("no test hooks and no English sentences in the shipped script", () => {
  const built = bundle();
  assert.doesNotMatch(built, /window\.__|__test|data-alert-tab|debug/i);
  assert.doesNotMatch(built, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML\(/);
  // Words on screen come from the page config's strings: no quoted sentence of two words or more.
  const sentences = [...built.matchAll(/"([A-Z][a-z]+ [a-z][^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(sentences, []);
});
