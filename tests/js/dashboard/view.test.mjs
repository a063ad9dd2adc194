// The dashboard's rendering: links, timestamps, a refused reply, and words from the server.
import assert from "node:assert/strict";
import { test } from "node:test";

import { format, translator } from "../../../js/dashboard/text.js";
import {
  browserName,
  messageTime,
  renderDetails,
  renderList,
  renderMessage,
  typingText,
  visitorName,
} from "../../../js/dashboard/view.js";
import { installDom } from "./dom.mjs";

const document = installDom();
// Not English on purpose: every word on screen must come from these (the page config).
const t = translator({
  roleVisitor: "Besucher",
  roleAgent: "Mitarbeiter",
  sending: "wird gesendet…",
  notSent: "nicht gesendet",
  notSentBecause: "Nicht gesendet: {reason}",
  retry: "Erneut versuchen",
  theVisitor: "Der Besucher",
  theAutomaticReply: "Die automatische Antwort",
  typingOne: "{name} schreibt…",
  typingMany: "{names} und {last} schreiben…",
  typingReply: "{name} schreibt eine Antwort…",
  browserOn: "{browser} auf {system}",
  visitorNumbered: "Besucher {id}",
  detailIdentity: "Identität",
  notIdentified: "Nicht identifiziert",
  verified: "Bestätigt",
});

test("format fills named placeholders and leaves unknown ones", () => {
  assert.equal(format("{count} unread", { count: 3 }), "3 unread");
  assert.equal(format("{a} and {b}", { a: 1 }), "1 and {b}");
  assert.equal(translator({})("missing"), "missing");
});

test("links in a message are clickable, open elsewhere, and nothing else is markup", () => {
  const node = renderMessage(
    { role: "user", seq: 3, message: "See https://example.com/a?b=1. <b>not bold</b>", timestamp: "2026-11-26T09:05:00Z" },
    { t },
  );
  const [link] = node.all("a");
  assert.equal(link.getAttribute("href"), "https://example.com/a?b=1");
  assert.equal(link.getAttribute("target"), "_blank");
  assert.equal(link.getAttribute("rel"), "noopener noreferrer nofollow");
  assert.equal(link.textContent, "https://example.com/a?b=1");
  const text = node.all("p")[0];
  assert.equal(text.textContent, "See https://example.com/a?b=1. <b>not bold</b>");
  assert.equal(node.all("b").length, 0);
  assert.equal(node.dataset.seq, "3");
});

test("javascript: and other schemes stay text", () => {
  const node = renderMessage({ role: "user", seq: 1, message: "javascript:alert(1) ftp://x.example" }, { t });
  assert.equal(node.all("a").length, 0);
});

test("a message carries its time: short on screen, the full date in the title", () => {
  const node = renderMessage({ role: "agent", seq: 2, message: "Hi", sender_name: "Ann", timestamp: "2026-11-26T09:05:00Z" }, { t });
  const [stamp] = node.all("time");
  assert.equal(stamp.getAttribute("datetime"), "2026-11-26T09:05:00.000Z");
  assert.ok(stamp.getAttribute("title").includes("2026"), stamp.getAttribute("title"));
  assert.ok(stamp.textContent.length > 0 && stamp.textContent.length < stamp.getAttribute("title").length);
  const today = messageTime(new Date().toISOString());
  const earlier = messageTime("2020-01-02T10:00:00Z");
  assert.ok(earlier.short.length > today.short.length, "another day shows its date too");
  assert.equal(messageTime("nonsense"), null);
});

test("a refused reply shows the reason and a Retry naming its client_id", () => {
  const node = renderMessage(
    { role: "agent", message: "x", client_id: "a-1", sender_name: "Ann" },
    { pending: true, failed: true, error: "Message too long", t },
  );
  assert.match(node.className, /lc-failed/);
  assert.equal(node.dataset.clientId, "a-1");
  assert.equal(node.all("span").find((s) => s.className === "lc-msg-time").textContent, "nicht gesendet");
  assert.ok(node.textContent.includes("Nicht gesendet: Message too long"));
  const [retry] = node.all("button");
  assert.equal(retry.getAttribute("data-retry"), "a-1");
  assert.equal(retry.textContent, "Erneut versuchen");
  const pending = renderMessage({ role: "agent", message: "x", client_id: "a-2" }, { pending: true, t });
  assert.ok(pending.textContent.includes("wird gesendet…"));
  assert.equal(pending.all("button").length, 0);
});

test("typing and names in the server's words", () => {
  assert.equal(typingText([], t), "");
  assert.equal(typingText([{ role: "user", name: "" }], t), "Der Besucher schreibt…");
  assert.equal(
    typingText([{ role: "user" }, { role: "agent", name: "Cat" }, { role: "assistant" }], t),
    "Der Besucher, Cat und Die automatische Antwort schreiben…",
  );
  assert.equal(visitorName({ conversation_id: "12345678-abcd", metadata: {} }, t), "Besucher 12345678");
});

test("browser names from user agents", () => {
  const chrome =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
  assert.equal(browserName(chrome, t), "Chrome 126 auf Linux");
  assert.equal(
    browserName("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0", t),
    "Firefox 140 auf Windows",
  );
  assert.equal(
    browserName(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      t,
    ),
    "Safari 17 auf iOS",
  );
  assert.equal(browserName("curl/8.0", t), "curl/8.0");
  assert.equal(browserName("", t), "");
});

test("the visitor's details: translated terms, the page as a link", () => {
  const dl = document.createElement("dl");
  renderDetails(dl, { conversation_id: "c", visitor_identifier: "", metadata: { page: "https://shop.example/cart" } }, t);
  const terms = dl.all("dt").map((dt) => dt.textContent);
  assert.ok(terms.includes("Identität"));
  const identity = dl.all("dd").find((dd) => dd.textContent === "Nicht identifiziert");
  assert.equal(identity.dataset.verified, "false");
  assert.equal(dl.all("a")[0].getAttribute("href"), "https://shop.example/cart");
});

test("another agent typing alone: typing a reply; the inbox shows labels and who has it open", () => {
  assert.equal(typingText([{ role: "agent", name: "Sam" }], t), "Sam schreibt eine Antwort…");
  assert.equal(typingText([{ role: "agent", name: "" }], t), "Die automatische Antwort schreibt…");
  const list = document.createElement("ul");
  const entry = { conversation_id: "c1", status: "open", metadata: { name: "Ada" }, labels: [{ id: 1, name: "billing" }] };
  const viewers = document.createElement("span");
  viewers.textContent = "SJ";
  renderList(list, [entry, { ...entry, conversation_id: "c2", labels: [] }], {
    selected: null,
    typistsOf: () => [],
    viewersOf: (id) => (id === "c1" ? viewers : null),
    chips: (labels) => labels.map((label) => {
      const chip = document.createElement("span");
      chip.textContent = `#${label.name}`;
      return chip;
    }),
    t,
  });
  const [first, second] = list.all("button");
  assert.match(first.textContent, /#billing/);
  assert.match(first.textContent, /SJ/);
  assert.doesNotMatch(second.textContent, /#billing|SJ/);
});
