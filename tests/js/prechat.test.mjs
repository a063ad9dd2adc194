// The pre-chat form's checks: the same rules as the server's, so the visitor hears of a
// problem at once; the server's INVALID_PRECHAT still names the fields it refuses.
import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_LABELS as L } from "../../js/widget/config.js";
import { PRECHAT_LIMITS, checkPrechat } from "../../js/widget/prechat.js";

const SITE = {
  email_required: true,
  consent_text: "I agree that my answers are stored.",
  fields: [
    { name: "order", label: "Order number", type: "text", required: true },
    { name: "topic", label: "Topic", type: "select", required: true, options: ["Billing", "Delivery"] },
    { name: "details", label: "Details", type: "textarea", required: false },
    { name: "newsletter", label: "Newsletter", type: "checkbox", required: false },
    { name: "adult", label: "I am 18 or older", type: "checkbox", required: true },
  ],
};
const GOOD = {
  name: "Ann",
  email: "ann@example.com",
  consent: true,
  fields: { order: "A-17", topic: "Billing", details: "", newsletter: false, adult: true },
};

test("complete answers pass", () => {
  assert.deepEqual(checkPrechat(SITE, GOOD, L), {});
});

test("required fields, the email address and the consent are checked, each with its own message", () => {
  const errors = checkPrechat(SITE, { name: "", email: "", consent: false, fields: { order: "  ", adult: false } }, L);
  assert.deepEqual(errors, {
    email: L.prechatRequired,
    consent: L.prechatRequired,
    order: L.prechatRequired,
    topic: L.prechatRequired,
    adult: L.prechatRequired,
  });
  assert.equal(checkPrechat(SITE, { ...GOOD, email: "ann@example" }, L).email, L.prechatEmailInvalid);
  assert.equal(checkPrechat(SITE, { ...GOOD, email: "ann example@x.org" }, L).email, L.prechatEmailInvalid);
});

test("a select answer must be one of its options; lengths are counted in characters", () => {
  assert.equal(checkPrechat(SITE, { ...GOOD, fields: { ...GOOD.fields, topic: "Other" } }, L).topic, L.prechatRequired);
  const long = "é".repeat(PRECHAT_LIMITS.text + 1);
  assert.equal(
    checkPrechat(SITE, { ...GOOD, fields: { ...GOOD.fields, order: long } }, L).order,
    `This is too long: at most ${PRECHAT_LIMITS.text} characters.`,
  );
  assert.deepEqual(checkPrechat(SITE, { ...GOOD, fields: { ...GOOD.fields, order: "é".repeat(PRECHAT_LIMITS.text) } }, L), {});
  assert.ok(checkPrechat(SITE, { ...GOOD, name: "x".repeat(PRECHAT_LIMITS.name + 1) }, L).name);
});

test("no consent text: no consent asked; email optional when the website says so", () => {
  const site = { email_required: false, consent_text: null, fields: [] };
  assert.deepEqual(checkPrechat(site, { name: "", email: "", consent: false, fields: {} }, L), {});
  assert.equal(checkPrechat(site, { email: "nope", fields: {} }, L).email, L.prechatEmailInvalid, "given: still checked");
});
