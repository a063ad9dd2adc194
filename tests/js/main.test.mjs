// The entry point's settings fetch: only when the tag did not render the settings, once,
// to the website's widget endpoint, and quietly when it fails. The bundle runs in a page
// stand-in whose body never comes, so the widget itself (which needs a DOM) never boots.
import assert from "node:assert/strict";
import { test } from "node:test";
import vm from "node:vm";

import { widget as bundle } from "../../js/widget/build.mjs";

const SITE = "8f0c4a52-9a6e-4d39-a1b4-2f0c5e3d7a10";

function run(tagConfig, answer) {
  const fetched = [];
  const errors = [];
  const page = {
    URL,
    Promise,
    location: { href: "https://shop.example/" },
    console: { error: (...args) => errors.push(args.join(" ")) },
    setTimeout: () => 0,
    document: {
      currentScript: null,
      body: null,
      getElementById: () => (tagConfig ? { textContent: JSON.stringify(tagConfig) } : null),
      addEventListener() {},
    },
    fetch: (url, options) => {
      fetched.push([url, options.method, options.headers.Authorization]);
      return answer();
    },
  };
  page.window = page;
  vm.runInNewContext(bundle(), page);
  return { fetched, errors };
}

const ok = () => Promise.resolve({ ok: true, status: 200, json: async () => ({ theme: "dark" }) });
const settle = () => new Promise((resolve) => setImmediate(resolve));

test("configured by the tag (settingsLoaded): no request for the settings", async () => {
  const t = run({ websiteId: SITE, apiUrl: "https://chat.example/livechat/", settingsLoaded: true }, ok);
  await settle();
  assert.deepEqual(t.fetched, []);
});

test("without the tag's settings: one GET of the website's widget settings, no token", async () => {
  const t = run({ websiteId: SITE, apiUrl: "https://chat.example/livechat/" }, ok);
  await settle();
  assert.deepEqual(t.fetched, [[`https://chat.example/livechat/api/websites/${SITE}/widget/`, "GET", undefined]]);
});

test("the settings cannot be fetched: no error in the console", async () => {
  const t = run({ websiteId: SITE, apiUrl: "https://chat.example/livechat/" }, () => Promise.reject(new TypeError("x")));
  await settle();
  await settle();
  assert.equal(t.fetched.length, 1);
  assert.deepEqual(t.errors, []);
});
