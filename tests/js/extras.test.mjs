// The extras' flows, on a stand-in widget and a minimal DOM: the pre-chat form starts the
// conversation with the answers (and shows the server's INVALID_PRECHAT per field), the
// email prompt is asked once per conversation and only when nobody can answer, the rating
// is asked once and ALREADY_RATED counts as done, an email link rejoins its conversation.
import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULT_LABELS } from "../../js/widget/config.js";
import { Extras } from "../../js/widget/extras.js";
import { ChatError } from "../../js/widget/http.js";
import { settle } from "./fakes.mjs";

let focused = null;

/** Just enough of an element for the extras. */
class El {
  constructor(tag, attrs = {}, children = []) {
    Object.assign(this, { tag, attrs: {}, children: [], parent: null, hidden: false, value: "", checked: false, style: {} });
    this.listeners = {};
    for (const [name, value] of Object.entries(attrs)) if (value !== false && value != null) this.setAttribute(name, value === true ? "" : value);
    this.value = this.attrs.value ?? ""; // as the DOM reflects it
    this.append(...children);
    const classes = () => new Set((this.attrs.class || "").split(" ").filter(Boolean));
    this.classList = {
      add: (name) => (this.attrs.class = [...classes().add(name)].join(" ")),
      remove: (name) => {
        const set = classes();
        set.delete(name);
        this.attrs.class = [...set].join(" ");
      },
      toggle: (name, on) => (on ? this.classList.add(name) : this.classList.remove(name)),
      contains: (name) => classes().has(name),
    };
  }
  get type() {
    return this.attrs.type || "";
  }
  get firstChild() {
    return this.children[0];
  }
  get isConnected() {
    return Boolean(this.parent);
  }
  get textContent() {
    return this.children.map((child) => (typeof child === "string" ? child : child.textContent)).join("");
  }
  set textContent(text) {
    this.children = text ? [String(text)] : [];
  }
  setAttribute(name, value) {
    this.attrs[name] = String(value);
  }
  getAttribute(name) {
    return this.attrs[name] ?? null;
  }
  append(...children) {
    for (const child of children.flat()) {
      if (child === "") continue;
      if (child instanceof El) child.parent = this;
      this.children.push(child);
    }
  }
  replaceChildren(...children) {
    this.children = [];
    this.append(...children);
  }
  insertBefore(child, before) {
    child.parent = this;
    const at = this.children.indexOf(before);
    this.children.splice(at < 0 ? this.children.length : at, 0, child);
  }
  after(element) {
    this.parent.insertBefore(element, this.parent.children[this.parent.children.indexOf(this) + 1]);
  }
  remove() {
    if (!this.parent) return;
    this.parent.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = null;
  }
  replaceWith(element) {
    const parent = this.parent;
    parent.insertBefore(element, this);
    this.remove();
  }
  focus() {
    focused = this;
  }
  addEventListener(type, fn) {
    this.listeners[type] = fn;
  }
  *walk() {
    for (const child of this.children) {
      if (!(child instanceof El)) continue;
      yield child;
      yield* child.walk();
    }
  }
  querySelector(selector) {
    const [tag, pseudo] = selector.split(":");
    for (const el of this.walk()) {
      if (tag.startsWith(".") ? el.classList.contains(tag.slice(1)) : el.tag === tag) {
        if (pseudo !== "checked" || el.checked) return el;
      }
    }
    return null;
  }
  find(predicate) {
    return [...this.walk()].find(predicate);
  }
}

const h = (tag, attrs, children) => new El(tag, attrs, children);

function stage({ prechat = null, user = {}, session = null, status = "online", search = "" } = {}) {
  const calls = [];
  const root = new El("root");
  const panel = new El("section");
  const log = new El("div", { class: "log" });
  const form = new El("form");
  const input = new El("textarea");
  form.append(input);
  panel.append(log, form);
  root.append(panel);
  const answers = { open: null, call: {} };
  const transport = {
    session,
    ready: false,
    identity: () => ({ website_id: "site-1", metadata: { page: "https://shop.example/p" } }),
    presence: (frame) => calls.push(["presence", frame.agents_online]),
    setSession(frame) {
      transport.session = { conversationId: frame.conversation_id, visitorToken: frame.visitor_token };
      calls.push(["session", frame.conversation_id]);
    },
    identify: () => calls.push(["identify"]),
    connect: () => calls.push(["connect"]),
    adopt: (saved) => calls.push(["adopt", saved]),
    sendFrame: (frame) => calls.push(["frame", frame]),
    ensureSession: async () => transport.session,
    http: {
      open: async (body) => {
        calls.push(["open", body]);
        if (answers.open instanceof Error) throw answers.open;
        return answers.open || { conversation_id: "conv-1", visitor_token: "tok-1", agents_online: 0 };
      },
      call: async (method, path, token, body) => {
        calls.push([method, path, token, body]);
        const answer = answers.call[path];
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
  };
  const stored = { contactAsked: "" };
  const widget = {
    config: { labels: { ...DEFAULT_LABELS }, prechat, nonce: "", apiUrl: "https://chat.example/livechat/" },
    user,
    isOpen: true,
    log: { highest: 0 },
    listeners: { message: new Set() },
    store: { state: stored, update: (patch) => Object.assign(stored, patch) },
    status: () => status,
    transport,
    open: (focus) => calls.push(["open-panel", focus]),
    use: () => calls.push(["use"]),
    savedSession: () => null,
    env: {
      document: { visibilityState: "visible" },
      setTimeout: () => 0,
      location: { href: "https://shop.example/p?a=1&livechat_resume=RESUME" + search },
      history: { state: null, replaceState: (state, title, url) => calls.push(["replaceState", url]) },
    },
    view: {
      el: h,
      icon: () => new El("svg", {}, [new El("path")]),
      host: { shadowRoot: root },
      panel,
      log,
      form,
      input,
      scroll() {},
      note: (text, kind) => calls.push(["note", text, kind]),
    },
  };
  const extras = new Extras(widget);
  const emit = (message) => widget.listeners.message.forEach((fn) => fn(message));
  return { widget, extras, calls, answers, log, form, input, panel, emit };
}

const byId = (t, id) => t.panel.find((el) => el.attrs.id === id);

test("the pre-chat form takes the place of the messages; the answers start the conversation", async () => {
  const prechat = { fields: [{ name: "order", label: "Order number", type: "text", required: true }], consent_text: "I agree.", email_required: true };
  const t = stage({ prechat });
  t.form.hidden = true; // as the core leaves it
  t.extras.opened(true);
  assert.equal(t.log.hidden, true);
  assert.equal(t.form.hidden, true);
  const email = byId(t, "lc-pc-email");
  assert.equal(focused, byId(t, "lc-pc-name"), "the first field has the focus");
  // Linked labels and errors.
  assert.ok(t.panel.find((el) => el.tag === "label" && el.attrs.for === "lc-pc-email"));
  assert.equal(email.attrs["aria-describedby"], "lc-pc-email-error");
  // Sent empty: each problem next to its field, the focus on the first one.
  await t.extras.prechat.send();
  assert.equal(byId(t, "lc-pc-email-error").textContent, DEFAULT_LABELS.prechatRequired);
  assert.equal(email.attrs["aria-invalid"], "true");
  assert.equal(byId(t, "lc-pc-consent-error").textContent, DEFAULT_LABELS.prechatRequired);
  assert.equal(focused, email);
  assert.equal(t.calls.filter(([name]) => name === "open").length, 0, "nothing sent");
  // The server refuses one field.
  byId(t, "lc-pc-name").value = "Ann";
  email.value = "ann@example.com";
  byId(t, "lc-pc-order").value = "A-1";
  byId(t, "lc-pc-consent").checked = true;
  t.answers.open = new ChatError("INVALID_PRECHAT", "Invalid.", { status: 400, fields: { order: "No such order." } });
  await t.extras.prechat.send();
  assert.equal(byId(t, "lc-pc-order-error").textContent, "No such order.");
  assert.equal(byId(t, "lc-pc-email").attrs["aria-invalid"], "false");
  assert.equal(focused, byId(t, "lc-pc-order"));
  // Accepted: the conversation starts with the answers; the composer comes back.
  t.answers.open = null;
  await t.extras.prechat.send();
  const open = t.calls.filter(([name]) => name === "open").at(-1)[1];
  assert.deepEqual(open.prechat, { name: "Ann", email: "ann@example.com", consent: true, fields: { order: "A-1" } });
  assert.equal(open.metadata.name, "Ann");
  assert.equal(open.website_id, "site-1");
  assert.ok(t.calls.some(([name, id]) => name === "session" && id === "conv-1"));
  assert.ok(t.calls.some(([name]) => name === "identify"));
  assert.equal(t.extras.prechat, null);
  assert.equal(t.log.hidden, false);
  assert.equal(t.form.hidden, false);
  assert.equal(focused, t.input);
});

test("no pre-chat form for an identified visitor or a conversation already going", () => {
  const prechat = { fields: [], consent_text: null, email_required: true };
  for (const options of [{ user: { identifier: "ann" } }, { session: { conversationId: "c", visitorToken: "t" } }]) {
    const t = stage({ prechat, ...options });
    t.form.hidden = true;
    t.extras.opened(true);
    assert.equal(t.extras.prechat, undefined);
    assert.equal(t.form.hidden, false, "the composer shows");
  }
});

test("the email prompt: after the visitor's message when nobody can answer, once per conversation", async () => {
  const session = { conversationId: "conv-1", visitorToken: "tok-1" };
  const online = stage({ session, status: "online" });
  online.emit({ role: "user", seq: 1 });
  assert.equal(online.log.querySelector(".contact"), null, "someone is there: not asked");
  const known = stage({ session, status: "away", user: { email: "ann@example.com" } });
  known.emit({ role: "user", seq: 1 });
  assert.equal(known.log.querySelector(".contact"), null, "the address is known: not asked");
  const t = stage({ session, status: "away" });
  t.emit({ role: "agent", seq: 1 });
  assert.equal(t.log.querySelector(".contact"), null, "not for a reply");
  t.emit({ role: "user", seq: 2 });
  const form = t.log.querySelector(".contact");
  assert.ok(form);
  t.emit({ role: "user", seq: 3 });
  assert.equal(t.log.children.filter((el) => el.classList.contains("contact")).length, 1, "asked once");
  assert.equal(t.widget.store.state.contactAsked, "conv-1", "remembered across reloads");
  // A bad address is refused here; a good one is saved and confirmed.
  const input = byId(t, "lc-contact");
  input.value = "nope";
  await form.onsubmit({ preventDefault() {} });
  assert.equal(byId(t, "lc-contact-error").textContent, DEFAULT_LABELS.prechatEmailInvalid);
  input.value = "ann@example.com";
  t.answers.call["contact/"] = { type: "contact_saved", email: "ann@example.com" };
  await form.onsubmit({ preventDefault() {} });
  assert.deepEqual(t.calls.at(-1), ["POST", "contact/", "tok-1", { email: "ann@example.com" }]);
  assert.equal(t.log.querySelector(".contact"), null);
  assert.ok(t.log.children.some((el) => el.textContent === "Thank you. We will reply to ann@example.com."));
});

test("the rating: asked once; sent with its comment; ALREADY_RATED is thanked too", async () => {
  const t = stage({ session: { conversationId: "conv-1", visitorToken: "tok-1" } });
  t.extras.rate();
  t.extras.rate();
  const forms = t.log.children.filter((el) => el.classList.contains("rating"));
  assert.equal(forms.length, 1);
  const form = forms[0];
  const legend = form.find((el) => el.tag === "legend");
  assert.equal(legend.textContent, DEFAULT_LABELS.ratingQuestion);
  const radios = form.children[0].children.filter((el) => el.tag === "input");
  assert.deepEqual(radios.map((el) => el.attrs.type), Array(5).fill("radio"));
  await form.onsubmit({ preventDefault() {} });
  assert.equal(form.querySelector(".err").textContent, DEFAULT_LABELS.ratingChoose, "no rating chosen: said so");
  radios[3].checked = true;
  radios[3].onchange();
  assert.equal(form.find((el) => el.tag === "label" && el.attrs.for === "lc-rating-4").classList.contains("on"), true);
  byId(t, "lc-rating-comment").value = " Quick answer. ";
  t.answers.call["rating/"] = new ChatError("ALREADY_RATED", "Already rated.", { status: 409 });
  await form.onsubmit({ preventDefault() {} });
  assert.deepEqual(t.calls.at(-1), ["POST", "rating/", "tok-1", { rating: 4, comment: "Quick answer." }]);
  assert.equal(focused.textContent, DEFAULT_LABELS.ratingThanks);
});

test("an email link: the token leaves the address bar, rejoins its conversation, and the panel opens", async () => {
  const t = stage();
  await t.extras.resume();
  assert.deepEqual(t.calls.slice(0, 2), [["use"], ["replaceState", "https://shop.example/p?a=1"]]);
  const open = t.calls.find(([name]) => name === "open")[1];
  assert.equal(open.resume_token, "RESUME");
  assert.ok(t.calls.some(([name, id]) => name === "session" && id === "conv-1"));
  assert.equal(t.widget.baseline, null, "its messages are not news");
  assert.deepEqual(t.calls.at(-1), ["open-panel", false]);
  const expired = stage();
  expired.answers.open = new ChatError("FORBIDDEN", "", { status: 403 });
  await expired.extras.resume();
  assert.ok(expired.calls.some(([name]) => name === "adopt"), "back to this browser's own conversation");
});

test("seen: over the socket when it is ready, else POST api/seen/", async () => {
  const t = stage({ session: { conversationId: "conv-1", visitorToken: "tok-1" } });
  t.widget.log.highest = 4;
  t.extras.seen();
  assert.deepEqual(t.calls.at(-1), ["POST", "seen/", "tok-1", { seq: 4 }]);
  const ws = stage({ session: { conversationId: "conv-1", visitorToken: "tok-1" } });
  ws.widget.transport.ready = true;
  ws.widget.log.highest = 2;
  ws.extras.seen();
  assert.deepEqual(ws.calls.at(-1), ["frame", { type: "seen", seq: 2 }]);
  await settle();
});

test("files: the paperclip is in the composer with its name; drops and pastes hand the files over", () => {
  const t = stage({ session: { conversationId: "conv-1", visitorToken: "tok-1" } });
  const clip = t.form.children[0];
  assert.equal(clip.attrs["aria-label"], DEFAULT_LABELS.uploadAttach);
  const added = [];
  t.extras.uploads.add = (files) => added.push(files);
  const prevented = [];
  t.panel.listeners.drop({ preventDefault: () => prevented.push("drop"), dataTransfer: { files: ["a.png"] } });
  t.input.listeners.paste({ preventDefault: () => prevented.push("paste"), clipboardData: { files: ["b.png"] } });
  t.input.listeners.paste({ preventDefault: () => prevented.push("text"), clipboardData: { files: [] } });
  assert.deepEqual(added, [["a.png"], ["b.png"]]);
  assert.deepEqual(prevented, ["drop", "paste"], "a text paste is left alone");
});

const person = (t) => t.panel.find((el) => el.classList.contains("person"));

test("'Talk to a person': under the composer once there is a conversation, until it is handed over", async () => {
  const t = stage();
  const button = person(t);
  assert.equal(button.textContent, DEFAULT_LABELS.handoffAsk);
  assert.equal(t.panel.children.indexOf(button), t.panel.children.indexOf(t.form) + 1, "right under the composer");
  assert.equal(button.hidden, true, "no conversation yet");
  t.widget.transport.session = { conversationId: "conv-1", visitorToken: "tok-1" };
  t.emit({ role: "user", seq: 1 }); // the first message started it
  assert.equal(button.hidden, false);
  // Handed over already (a reload: the identified frame's handoff_at).
  const later = stage({ session: { conversationId: "conv-1", visitorToken: "tok-1" } });
  later.widget.handoffAt = "2026-01-01T10:00:00Z";
  later.extras.opened(false);
  assert.equal(person(later).hidden, true);
});

test("pressed over the socket: a handoff frame; the server's handoff event says it once", () => {
  const t = stage({ session: { conversationId: "conv-1", visitorToken: "tok-1" } });
  t.widget.transport.ready = true;
  t.extras.opened(false);
  person(t).onclick();
  assert.deepEqual(t.calls.filter(([name]) => name === "frame"), [["frame", { type: "handoff" }]]);
  assert.equal(person(t).hidden, true);
  const event = { type: "handoff", conversation_id: "conv-1", handoff_at: "2026-01-01T10:00:00Z", by: "visitor" };
  t.extras.handoff(event);
  t.extras.handoff(event); // another tab's click, or the agent's assign: said once
  assert.deepEqual(t.calls.filter(([name]) => name === "note"), [["note", DEFAULT_LABELS.handoffNote, undefined]]);
  assert.equal(t.widget.handoffAt, "2026-01-01T10:00:00Z");
  t.extras.opened(false);
  assert.equal(person(t).hidden, true, "stays hidden");
});

test("pressed without the socket: POST api/handoff/ with the token; a failure brings the button back", async () => {
  const t = stage({ session: { conversationId: "conv-1", visitorToken: "tok-1" } });
  t.answers.call["handoff/"] = new ChatError("UNAVAILABLE", "Try later.", { status: 503 });
  t.extras.opened(false);
  await person(t).onclick();
  assert.deepEqual(t.calls.find(([method]) => method === "POST"), ["POST", "handoff/", "tok-1", {}]);
  assert.equal(person(t).hidden, false, "it can be pressed again");
  assert.deepEqual(t.calls.filter(([name]) => name === "note").at(-1), ["note", DEFAULT_LABELS.error, "error"]);
  t.answers.call["handoff/"] = { conversation_id: "conv-1", handoff_at: "2026-01-01T10:00:00Z", by: "visitor" };
  await person(t).onclick();
  assert.equal(person(t).hidden, true);
  assert.deepEqual(t.calls.filter(([name]) => name === "note").at(-1), ["note", DEFAULT_LABELS.handoffNote, undefined]);
  assert.equal(t.widget.handoffAt, "2026-01-01T10:00:00Z");
});
