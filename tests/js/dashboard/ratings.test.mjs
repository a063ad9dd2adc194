// The ratings view and the email preference.
import assert from "node:assert/strict";
import { test } from "node:test";

import { csrfToken, requestJson } from "../../../js/dashboard/http.js";
import { EmailPreference } from "../../../js/dashboard/preferences.js";
import { averageText, renderRatings } from "../../../js/dashboard/ratings.js";
import { translator } from "../../../js/dashboard/text.js";
import { installDom } from "./dom.mjs";

const document = installDom();
const t = translator({
  ratingsByWebsite: "Nach Website",
  ratingsByAgent: "Nach Mitarbeiter",
  ratingsName: "Name",
  ratingsAverage: "Durchschnitt",
  ratingsCount: "Bewertungen",
  ratingsNone: "Noch keine Bewertungen.",
});

test("averages with one decimal in the page's language; none without ratings", () => {
  assert.equal(averageText(4.25, 4, "en"), "4.3");
  assert.equal(averageText(4, 1, "de"), "4,0");
  assert.equal(averageText(null, 0, "en"), "–");
});

test("the ratings frame as two tables: per website, per agent, each with its count", () => {
  const box = document.createElement("div");
  renderRatings(
    box,
    {
      type: "ratings",
      websites: [{ website_id: "w", name: "Shop", average: 4.666, count: 3 }],
      agents: [],
    },
    t,
    "en",
  );
  const [websites, agents] = box.all("table");
  assert.equal(websites.all("caption")[0].textContent, "Nach Website");
  const row = websites.all("tbody")[0].all("tr")[0];
  assert.deepEqual(row.children.map((cell) => cell.textContent), ["Shop", "4.7", "3"]);
  assert.equal(row.children[0].getAttribute("scope"), "row");
  assert.equal(agents.all("caption")[0].textContent, "Nach Mitarbeiter");
  assert.equal(agents.all("td")[0].textContent, "Noch keine Bewertungen.");
});

function select() {
  const listeners = [];
  return { value: "off", disabled: false, addEventListener: (type, fn) => listeners.push(fn), change(value) {
    this.value = value;
    return Promise.all(listeners.map((fn) => fn()));
  } };
}

test("the email preference shows the server's choice and saves a change with PUT", async () => {
  const calls = [];
  const answers = [{ ok: true, status: 200, data: { email_notifications: "daily" } }, { ok: true, status: 200, data: { email_notifications: "immediate" } }];
  const control = select();
  const preference = new EmailPreference({
    select: control,
    url: "/livechat/api/agent/preferences/",
    onError: () => assert.fail("no error"),
    request: async (...call) => (calls.push(call), answers.shift()),
  });
  assert.equal(control.disabled, true, "off until the server said which one is set");
  assert.equal(await preference.load(), true);
  assert.equal(control.value, "daily");
  assert.equal(control.disabled, false);
  await control.change("immediate");
  assert.deepEqual(calls, [
    ["GET", "/livechat/api/agent/preferences/"],
    ["PUT", "/livechat/api/agent/preferences/", { email_notifications: "immediate" }],
  ]);
  assert.equal(control.value, "immediate");
});

test("a refused change goes back to the saved choice and says why; no API, no control", async () => {
  const errors = [];
  const answers = [{ ok: true, data: { email_notifications: "off" } }, { ok: false, status: 400, data: { code: "INVALID_MESSAGE", message: "Bad choice." } }];
  const control = select();
  const preference = new EmailPreference({ select: control, url: "/p/", onError: (m) => errors.push(m), request: async () => answers.shift() });
  await preference.load();
  await control.change("daily");
  assert.equal(control.value, "off");
  assert.deepEqual(errors, ["Bad choice."]);
  const missing = new EmailPreference({ select: select(), url: "/p/", onError: () => {}, request: async () => ({ ok: false, status: 404, data: null }) });
  assert.equal(await missing.load(), false);
  assert.equal(missing.select.disabled, true);
});

test("requests carry the page's CSRF token on unsafe methods and the session cookie", async () => {
  const seen = [];
  const fetch = async (url, init) => (seen.push([url, init]), { ok: true, status: 200, json: async () => ({ a: 1 }) });
  const answer = await requestJson("PUT", "/p/", { b: 2 }, { fetch, token: () => "tok" });
  assert.deepEqual(answer, { ok: true, status: 200, data: { a: 1 } });
  assert.equal(seen[0][1].headers["X-CSRFToken"], "tok");
  assert.equal(seen[0][1].credentials, "same-origin");
  assert.equal(seen[0][1].body, '{"b":2}');
  await requestJson("GET", "/p/", undefined, { fetch, token: () => "tok" });
  assert.equal(seen[1][1].headers["X-CSRFToken"], undefined);
  const down = await requestJson("GET", "/p/", undefined, { fetch: async () => { throw new Error("offline"); } });
  assert.deepEqual(down, { ok: false, status: 0, data: null });
  const page = { querySelector: (s) => (s === "input[name=csrfmiddlewaretoken]" ? { value: "from-form" } : null) };
  assert.equal(csrfToken(page), "from-form");
});
