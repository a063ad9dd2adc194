// The widget's streamed replies in the view (protocol: ``reply_delta``): one growing bubble
// per client_id, drawn again with the whole text so far, replaced by the stored
// ``chat_message`` of that client_id; a new stream for the same client_id restarts it.
// The view runs on a minimal DOM stand-in (the real one needs a browser).
import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_LABELS } from "../../js/widget/config.js";
import { View } from "../../js/widget/view.js";

class Node {
  constructor(tag) {
    Object.assign(this, { tag, attrs: {}, children: [], parent: null, dataset: {}, scrollTop: 0 });
    this.classList = { toggle() {} };
  }
  replaceChildren(...children) {
    this.children = [];
    this.append(...children);
  }
  querySelector() {
    return null;
  }
  appendChild(child) {
    this.append(child);
    return child;
  }
  get textContent() {
    return this.children.map((child) => (typeof child === "string" ? child : child.textContent)).join("");
  }
  get lastChild() {
    return this.children.at(-1);
  }
  setAttribute(name, value) {
    this.attrs[name] = String(value);
  }
  append(...children) {
    for (const child of children) this.insertBefore(child, null);
  }
  insertBefore(child, before) {
    if (child instanceof Node) {
      child.remove();
      child.parent = this;
    }
    const at = this.children.indexOf(before);
    this.children.splice(at < 0 ? this.children.length : at, 0, child);
  }
  remove() {
    if (!this.parent) return;
    this.parent.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = null;
  }
  replaceWith(node) {
    this.parent.insertBefore(node, this);
    this.remove();
  }
}

function view() {
  const v = Object.create(View.prototype);
  const log = new Node("div");
  Object.assign(log, { scrollHeight: 0, clientHeight: 0 });
  Object.assign(v, {
    labels: DEFAULT_LABELS,
    doc: { createElement: (tag) => new Node(tag) },
    log,
    bySeq: new Map(),
    byClient: new Map(),
    decorate() {},
  });
  const rows = () => log.children.map((row) => [row.attrs.class, row.textContent, row.attrs["aria-busy"] ?? null]);
  return { v, log, rows };
}

const delta = (text, clientId = "auto:m-1") => ({ type: "reply_delta", conversation_id: "c", reply_to: "m-1", client_id: clientId, text });

test("deltas grow one bubble, linkified; the stored message replaces it", () => {
  const { v, log, rows } = view();
  v.message({ seq: 1, role: "user", message: "When do you open?", client_id: "v-1" });
  v.stream(delta("We open at 9"));
  v.stream(delta("We open at 9, see https://shop.example/hours"));
  assert.deepEqual(rows(), [
    ["msg user", "When do you open?", null],
    ["msg assistant", "Automatic replyWe open at 9, see https://shop.example/hours", "true"],
  ]);
  const bubble = log.children[1].lastChild;
  const link = bubble.children.find((child) => child.tag === "a");
  assert.equal(link.attrs.href ?? link.href, "https://shop.example/hours", "a link, built as an element");
  v.message({ seq: 2, role: "assistant", message: "We open at 9.", client_id: "auto:m-1" });
  assert.deepEqual(rows(), [
    ["msg user", "When do you open?", null],
    ["msg assistant", "Automatic replyWe open at 9.", null],
  ]);
  assert.equal(v.byClient.size, 0, "nothing left growing");
});

test("a new stream for the same client_id (after a recovery) restarts the bubble; others are apart", () => {
  const { v, rows } = view();
  v.stream(delta("The first try was cut"));
  v.stream(delta("A"));
  v.stream(delta("Other", "auto:m-2"));
  assert.deepEqual(
    rows().map(([, text]) => text),
    ["Automatic replyA", "Automatic replyOther"],
  );
});

test("text is text: markup in a delta is never parsed", () => {
  const { v, log } = view();
  v.stream(delta('<img src=x onerror="alert(1)">'));
  const bubble = log.children[0].lastChild;
  assert.deepEqual(bubble.children, ['<img src=x onerror="alert(1)">']);
});

test("a reply that arrives while the visitor's message is still on its way goes before it", () => {
  const { v, rows } = view();
  v.stream(delta("Hi"));
  v.item({ clientId: "v-2", text: "Thanks", state: "pending" });
  v.message({ seq: 2, role: "assistant", message: "Hi there", client_id: "auto:m-1" });
  assert.deepEqual(
    rows().map(([, text]) => text),
    ["Automatic replyHi there", `Thanks${DEFAULT_LABELS.sending}`],
  );
});
