// The visitor panel: contact, pre-chat answers and consent, the rating, earlier conversations.
import assert from "node:assert/strict";
import { test } from "node:test";

import { translator } from "../../../js/dashboard/text.js";
import { renderAvailability, renderDetails, renderList, visitorName } from "../../../js/dashboard/view.js";
import { contactOf, prechatRows, renderPrevious, stars } from "../../../js/dashboard/visitorpanel.js";
import { installDom } from "./dom.mjs";

const document = installDom();
const t = translator({
  yes: "Ja",
  no: "Nein",
  detailName: "Name",
  detailEmail: "E-Mail",
  detailConsent: "Einwilligung",
  consentGiven: "Erteilt {time}",
  detailRating: "Bewertung",
  detailRatingComment: "Kommentar",
  ratingValue: "{rating} von 5",
  ratedLabel: "bewertet mit {rating} von 5",
  openEarlier: "Frühere Unterhaltung vom {date}",
  resolved: "Erledigt",
  open: "Offen",
  noMessages: "Keine Nachrichten",
  websiteOpen: "{name}: geöffnet",
  websiteClosed: "{name}: geschlossen",
});

const entry = (fields = {}) => ({
  conversation_id: "c-1",
  website_name: "Shop",
  status: "open",
  visitor_identifier: "",
  metadata: {},
  created_at: "2026-11-26T09:00:00Z",
  ...fields,
});

test("the contact the visitor left comes first, setUser's metadata after", () => {
  assert.deepEqual(contactOf(entry({ visitor_name: "Ada", visitor_email: "ada@example.com", metadata: { name: "X" } })), {
    name: "Ada",
    email: "ada@example.com",
  });
  assert.deepEqual(contactOf(entry({ metadata: { name: "Grace", email: "g@example.com" } })), { name: "Grace", email: "g@example.com" });
  assert.equal(visitorName(entry({ visitor_name: "Ada" }), t), "Ada");
});

test("pre-chat answers under their labels (or names), booleans in words, and the consent time", () => {
  const rows = prechatRows(
    entry({
      prechat: { order: "A-17", topic: "billing", newsletter: false, consent_at: "2026-11-26T09:00:00Z" },
      prechat_fields: [{ name: "order", label: "Bestellnummer", type: "text" }],
    }),
    t,
  );
  assert.deepEqual(rows.slice(0, 3), [
    ["prechat-order", "Bestellnummer", "A-17"],
    ["prechat-topic", "topic", "billing"],
    ["prechat-newsletter", "newsletter", "Nein"],
  ]);
  assert.equal(rows[3][0], "consent");
  assert.match(rows[3][2], /^Erteilt /);
  // The answers may also come under "fields".
  assert.deepEqual(prechatRows(entry({ prechat: { fields: { size: "M" } } }), t), [["prechat-size", "size", "M"]]);
  assert.deepEqual(prechatRows(entry({ prechat: null }), t), []);
});

test("the details show the contact, the pre-chat answers and the rating with its comment", () => {
  const dl = document.createElement("dl");
  renderDetails(
    dl,
    entry({
      status: "resolved",
      visitor_name: "Ada",
      visitor_email: "ada@example.com",
      prechat: { order: "A-17" },
      rating: 4,
      rating_comment: "Quick and kind",
    }),
    t,
  );
  const value = (key) => dl.all("dd").find((dd) => dd.dataset.detail === key);
  assert.equal(value("name").textContent, "Ada");
  assert.equal(value("email").all("a")[0].getAttribute("href"), "mailto:ada@example.com");
  assert.equal(value("prechat-order").textContent, "A-17");
  assert.equal(value("rating").textContent, "★★★★☆ 4 von 5");
  assert.equal(value("rating").all("span")[0].getAttribute("aria-hidden"), "true");
  assert.equal(value("rating-comment").textContent, "Quick and kind");
  // An address that would add mailto: parameters is text.
  renderDetails(dl, entry({ visitor_email: "a@b.example?cc=x@y" }), t);
  assert.equal(value("email").all("a").length, 0);
});

test("stars for a rating", () => {
  assert.equal(stars(5), "★★★★★");
  assert.equal(stars(1), "★☆☆☆☆");
  assert.equal(stars(9), "★★★★★");
});

test("a resolved, rated conversation shows ★ n in the inbox and says it to screen readers", () => {
  const list = document.createElement("ul");
  renderList(list, [entry({ status: "resolved", rating: 5 }), entry({ conversation_id: "c-2", rating: null })], {
    selected: null,
    typistsOf: () => [],
    t,
  });
  const [rated, plain] = list.all("button");
  assert.ok(rated.all("span").some((s) => s.textContent === "★ 5"));
  assert.match(rated.getAttribute("aria-label"), /bewertet mit 5 von 5/);
  assert.ok(!plain.all("span").some((s) => s.textContent.startsWith("★")));
  // A file sent without a caption is previewed by its name.
  const last = { role: "agent", sender_name: "Ann", message: "", attachment: { name: "cat.png" } };
  renderList(list, [entry({ last_message: last })], { selected: null, typistsOf: () => [], t: translator({ previewFrom: "{name}: {message}" }) });
  assert.ok(list.all("span").some((s) => s.textContent === "Ann: cat.png"));
});

test("earlier conversations: date, status, preview and rating, each a button naming its conversation", () => {
  const list = document.createElement("ul");
  const count = renderPrevious(
    list,
    [
      { conversation_id: "p-1", created_at: "2026-10-02T10:00:00Z", status: "resolved", last_message: { message: "Thanks!" }, rating: 3 },
      { conversation_id: "p-2", created_at: "2026-09-01T10:00:00Z", status: "open", last_message: null, rating: null },
    ],
    t,
  );
  assert.equal(count, 2);
  const [first, second] = list.all("button");
  assert.equal(first.dataset.previousId, "p-1");
  assert.ok(first.textContent.includes("Erledigt"));
  assert.ok(first.textContent.includes("Thanks!"));
  assert.ok(first.textContent.includes("★ 3"));
  assert.match(first.getAttribute("aria-label"), /^Frühere Unterhaltung vom .+, Erledigt, 3 von 5, Thanks!$/);
  assert.equal(first.all("time")[0].getAttribute("datetime"), "2026-10-02T10:00:00.000Z");
  assert.ok(second.textContent.includes("Keine Nachrichten"));
  renderPrevious(list, [{ conversation_id: "p-3", status: "open", last_message: { message: "", attachment: { name: "cv.pdf" } } }], t);
  assert.ok(list.all("button")[0].textContent.endsWith("cv.pdf"), "a file without a caption by its name");
  assert.equal(renderPrevious(list, undefined, t), 0);
  assert.equal(list.children.length, 0);
});

test("business hours per website when the ready frame says them, nothing otherwise", () => {
  const list = document.createElement("ul");
  const shown = renderAvailability(
    list,
    [
      { website_id: "w1", name: "Shop", availability: { open: true, reply_time: "a few minutes", next_open: null } },
      { website_id: "w2", name: "Blog", availability: { open: false, reply_time: null, next_open: "2026-11-27T08:00:00Z" } },
      { website_id: "w3", name: "Old" },
    ],
    t,
  );
  assert.equal(shown, 2);
  assert.deepEqual(list.all("li").map((li) => [li.textContent, li.dataset.open]), [
    ["Shop: geöffnet", "true"],
    ["Blog: geschlossen", "false"],
  ]);
  assert.equal(renderAvailability(list, [{ website_id: "w1", name: "Shop" }], t), 0);
});
