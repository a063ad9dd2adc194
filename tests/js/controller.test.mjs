// The widget's typing indicator and replies (protocol rule: a reply comes with or without
// typing frames around it). The controller is driven through its transport hooks, with
// stand-ins for the view, storage and sound, which need a browser.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MessageLog } from "../../js/shared/messages.js";
import { DEFAULT_LABELS } from "../../js/widget/config.js";
import { ChatWidget } from "../../js/widget/controller.js";
import { FakeClock, settle } from "./fakes.mjs";

function widget() {
  const clock = new FakeClock();
  const shown = { typing: [], messages: [] };
  const chat = Object.create(ChatWidget.prototype);
  Object.assign(chat, {
    config: { typingTimeout: 20, sound: false, labels: {} },
    env: { setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout, document: { visibilityState: "visible" } },
    listeners: { message: new Set(), sound: new Set() },
    log: new MessageLog(),
    typingOn: { remote: false, local: false },
    baseline: 0,
    isOpen: true,
    store: { state: { readSeq: 0, muted: false }, update() {} },
    view: {
      message: (m) => shown.messages.push(m.seq),
      stream: (event) => shown.messages.push(event.text),
      setTyping: (on) => shown.typing.push(on),
      setUnread() {},
    },
  });
  return { chat, clock, shown, typingNow: () => shown.typing.at(-1) ?? false };
}

const message = (seq, role) => ({ seq, role, message: `#${seq}`, conversation_id: "c" });

test("an immediate reply, with no typing frames around it, is shown and leaves no indicator", () => {
  const t = widget();
  t.chat.onMessages(null, [message(1, "user")]);
  t.chat.onMessages(null, [message(2, "assistant")]);
  assert.deepEqual(t.shown.messages, [1, 2]);
  assert.equal(t.typingNow(), false);
  assert.deepEqual(t.clock.delays(), [], "nothing waits for a typing frame");
});

test("a slow reply: typing shows, the reply ends it, a late 'false' changes nothing", () => {
  const t = widget();
  t.chat.onMessages(null, [message(1, "user")]);
  t.chat.onTyping({ role: "assistant", is_typing: true });
  assert.equal(t.typingNow(), true);
  t.chat.onMessages(null, [message(2, "assistant")]);
  assert.equal(t.typingNow(), false, "the reply itself ends the indicator");
  t.chat.onTyping({ role: "assistant", is_typing: false });
  assert.equal(t.typingNow(), false);
});

test("a reply recovered from history also ends the indicator; a lost 'false' expires", () => {
  const t = widget();
  t.chat.onTyping({ role: "assistant", is_typing: true });
  t.chat.onMessages(1, [message(2, "assistant")]); // the live copy was dropped
  assert.equal(t.typingNow(), false);
  t.chat.onTyping({ role: "agent", is_typing: true });
  t.clock.advance(19_999);
  assert.equal(t.typingNow(), true);
  t.clock.advance(1);
  assert.equal(t.typingNow(), false);
});

// ---------------------------------------------------------------------- the header's status

function statusOf({ state = "", reachable = null, agents, onLine = true }) {
  const chat = Object.create(ChatWidget.prototype);
  const shown = [];
  Object.assign(chat, {
    agents,
    availability: {},
    config: { labels: DEFAULT_LABELS },
    transport: { state, reachable },
    env: { navigator: { onLine } },
    view: { setConnection: (transportState, status) => shown.push(status) },
  });
  chat.onState();
  return shown[0];
}

test("status: online or away when a transport works, offline when none does, connecting before", () => {
  assert.equal(statusOf({}), "", "not started");
  assert.equal(statusOf({ state: "connecting" }), "connecting", "nothing has worked yet");
  assert.equal(statusOf({ state: "socket" }), "online", "agents unknown (an older server): online");
  assert.equal(statusOf({ state: "socket", agents: 2 }), "online");
  assert.equal(statusOf({ state: "socket", agents: 0 }), "away");
  // WebSockets blocked: the socket is still "connecting" (retrying) but HTTP answers.
  assert.equal(statusOf({ state: "connecting", reachable: true, agents: 1 }), "online");
  assert.equal(statusOf({ state: "connecting", reachable: true, agents: 0 }), "away");
  assert.equal(statusOf({ state: "http", reachable: true }), "online");
  // The server down: the socket fails and so does HTTP.
  assert.equal(statusOf({ state: "connecting", reachable: false }), "offline");
  assert.equal(statusOf({ state: "http", reachable: false, agents: 3 }), "offline");
  assert.equal(statusOf({ state: "socket", reachable: false }), "online", "the socket works");
  assert.equal(statusOf({ state: "refused", reachable: true }), "offline");
  assert.equal(statusOf({ state: "socket", onLine: false }), "offline", "the browser is offline");
});

test("a presence count changes the status at once", () => {
  const chat = Object.create(ChatWidget.prototype);
  const shown = [];
  Object.assign(chat, {
    availability: {},
    config: { labels: DEFAULT_LABELS },
    transport: { state: "socket", reachable: null },
    env: { navigator: { onLine: true } },
    view: { setConnection: (state, status) => shown.push(status) },
  });
  chat.onPresence(0);
  chat.onPresence(1);
  assert.deepEqual(shown, ["away", "online"]);
});

// ---------------------------------------------------------------------- setUser

function named(userIdentifier) {
  const calls = [];
  const chat = Object.create(ChatWidget.prototype);
  Object.assign(chat, {
    transport: {
      session: userIdentifier === null ? null : { conversationId: "c", visitorToken: "t", userIdentifier },
      adopt: (session) => calls.push(["adopt", session]),
    },
    // Naming the visitor late is rare: the extras do it.
    withExtras: (feature) => calls.push(feature),
    onSessionLost: () => calls.push("lost"),
  });
  return { chat, calls };
}

test("setUser on an anonymous conversation names it (same conversation); another person starts afresh", () => {
  let t = named("");
  t.chat.setUser({ identifier: "ann", hash: "abc" });
  assert.deepEqual(t.calls, ["reidentify"]);
  assert.equal(t.chat.user.identifier, "ann");
  t = named("ann");
  t.chat.setUser({ identifier: "ann" });
  assert.deepEqual(t.calls, [], "the same person: nothing to do");
  t = named("ann");
  t.chat.setUser({ identifier: "bob" });
  assert.deepEqual(t.calls, [["adopt", null], "lost"]);
  t = named(null);
  t.chat.setUser({ identifier: "ann" });
  assert.deepEqual(t.calls, [], "no conversation yet: sent when one starts");
  t = named("");
  t.chat.setUser({});
  assert.deepEqual(t.calls, [], "still anonymous");
});

test("the identity sent: hash (or identifier_hash), name and email in the metadata", () => {
  const chat = Object.create(ChatWidget.prototype);
  chat.user = { identifier: "ann", hash: "abc", name: "Ann", email: "ann@example.com" };
  chat.env = {
    location: { origin: "https://shop.example", pathname: "/p" },
    navigator: { language: "en", userAgent: "UA" },
    document: { title: "Shop" },
  };
  const identity = chat.identity();
  assert.equal(identity.user_identifier, "ann");
  assert.equal(identity.identifier_hash, "abc");
  assert.equal(identity.metadata.name, "Ann");
  assert.equal(identity.metadata.email, "ann@example.com");
});

test("a new conversation from the server (another person's token) clears the old one's messages", () => {
  const t = widget();
  let lost = 0;
  Object.assign(t.chat, { onSessionLost: () => lost++ });
  t.chat.store.update = () => {};
  t.chat.onSession({ conversationId: "c1", visitorToken: "t", userIdentifier: "" }, true, {});
  assert.equal(lost, 0, "the first conversation: nothing to clear");
  t.chat.onMessages(null, [message(1, "user")]);
  t.chat.onSession({ conversationId: "c1", visitorToken: "t2", userIdentifier: "ann" }, false, {});
  assert.equal(lost, 0, "named, same conversation: kept");
  t.chat.onSession({ conversationId: "c2", visitorToken: "t3", userIdentifier: "ann" }, true, {});
  assert.equal(lost, 1);
});

// ---------------------------------------------------------------------- opening hours

function header(availability, agents) {
  const chat = Object.create(ChatWidget.prototype);
  const shown = [];
  Object.assign(chat, {
    agents,
    availability,
    config: { labels: DEFAULT_LABELS },
    transport: { state: "socket", reachable: true },
    env: { navigator: { onLine: true } },
    view: { setConnection: (state, status, away, replies) => shown.push({ status, away, replies }) },
  });
  chat.onState();
  return { chat, shown };
}

test("open with agents present: 'We usually reply within …' under the title, when the website says", () => {
  assert.deepEqual(header({ open: true, reply_time: "a few minutes" }, 1).shown[0], {
    status: "online",
    away: DEFAULT_LABELS.awayText,
    replies: "We usually reply within a few minutes.",
  });
  assert.equal(header({ open: true, reply_time: null }, 1).shown[0].replies, "", "no promise set: none shown");
  assert.equal(header({ open: true, reply_time: "an hour" }, 0).shown[0].replies, "", "nobody present: no promise");
});

test("closed: away, with the closed text; open but nobody present: the away text", () => {
  const closed = header({ open: false, reply_time: "an hour" }, 2).shown[0];
  assert.equal(closed.status, "away");
  assert.equal(closed.away, DEFAULT_LABELS.closedText);
  assert.equal(closed.replies, "");
  const nobody = header({ open: true }, 0).shown[0];
  assert.equal(nobody.status, "away");
  assert.equal(nobody.away, DEFAULT_LABELS.awayText);
});

test("a presence frame's 'open' changes the mode at once, keeping the reply time", () => {
  const t = header({ open: true, reply_time: "a day" }, 1);
  t.chat.onAvailability({ open: false });
  assert.equal(t.shown.at(-1).away, DEFAULT_LABELS.closedText);
  t.chat.onAvailability({ open: true });
  assert.equal(t.shown.at(-1).replies, "We usually reply within a day.");
});

// ---------------------------------------------------------------------- the extras

test("the extras load once, from extrasUrl with the nonce; a failed load is tried again next time", async () => {
  const listeners = new Map();
  const scripts = [];
  const doc = {
    createElement: () => ({ remove() {} }),
    addEventListener: (type, fn) => listeners.set(type, fn),
    removeEventListener: (type) => listeners.delete(type),
    head: { append: (script) => scripts.push(script) },
  };
  const chat = Object.create(ChatWidget.prototype);
  Object.assign(chat, {
    config: { extrasUrl: "https://chat.example/livechat/assets/widget-extras.js?v=1", nonce: "n0nce", labels: DEFAULT_LABELS },
    env: { document: doc },
    view: { note: (text) => scripts.push(text) },
  });
  const first = chat.withExtras("rate");
  assert.equal(scripts.length, 1);
  assert.equal(scripts[0].src, "https://chat.example/livechat/assets/widget-extras.js?v=1");
  assert.equal(scripts[0].nonce, "n0nce");
  scripts[0].onerror(new Error("404"));
  await first;
  assert.equal(scripts.at(-1), DEFAULT_LABELS.error, "the visitor is told");
  assert.equal(listeners.size, 0);
  const calls = [];
  const second = chat.withExtras("rate", 1);
  chat.withExtras("seen");
  const script = scripts.at(-1);
  assert.equal(typeof script.src, "string", "a second script element");
  listeners.get("livechat:extras")({ detail: (widget) => ({ widget, rate: (n) => calls.push(["rate", n]), seen: () => calls.push("seen") }) });
  await second;
  await settle();
  assert.deepEqual(calls, [["rate", 1], "seen"]);
  assert.equal(chat.loaded.widget, chat);
  assert.equal(scripts.filter((s) => s.src).length, 2, "loaded once after the failure");
});

test("a resolved conversation asks for a rating (through the extras); a reopened one does not", () => {
  const chat = Object.create(ChatWidget.prototype);
  const asked = [];
  Object.assign(chat, {
    config: { labels: DEFAULT_LABELS },
    listeners: { status: new Set() },
    view: { note() {} },
    withExtras: (feature) => asked.push(feature),
  });
  chat.onStatus({ status: "open" });
  assert.deepEqual(asked, []);
  chat.onStatus({ status: "resolved" });
  assert.deepEqual(asked, ["rate"]);
});

test("rejoining a resolved, unrated conversation asks for the rating after its history; a rated one does not", () => {
  const t = widget();
  const asked = [];
  Object.assign(t.chat, { withExtras: (feature) => asked.push([feature, t.chat.log.highest]) });
  const session = { conversationId: "c1", visitorToken: "t", userIdentifier: "" };
  t.chat.onSession(session, false, { conversation_status: "resolved", rated: false });
  assert.deepEqual(asked, [], "not before the history: the form goes below the messages");
  t.chat.onMessages(0, [message(1, "user"), message(2, "agent")]);
  assert.deepEqual(asked, [["rate", 2]]);
  t.chat.onMessages(2, []);
  assert.deepEqual(asked, [["rate", 2]], "asked once per rejoin");
  t.chat.onSession(session, false, { conversation_status: "resolved", rated: true });
  t.chat.onMessages(2, []);
  t.chat.onSession(session, false, { conversation_status: "open", rated: false });
  t.chat.onMessages(2, []);
  t.chat.onSession(session, false, { conversation_status: "resolved" }); // an older server
  t.chat.onMessages(2, []);
  assert.deepEqual(asked, [["rate", 2]], "rated, open, or not known: never");
});

test("unread updates tell the extras (which report 'seen') once they are loaded", () => {
  const t = widget();
  let seen = 0;
  t.chat.updateUnread();
  t.chat.loaded = { seen: () => seen++ };
  t.chat.updateUnread();
  assert.equal(seen, 1);
});

test("a streamed reply: the typing indicator ends at the first delta, which the view shows", () => {
  const t = widget();
  t.chat.onMessages(null, [message(1, "user")]);
  t.chat.onTyping({ role: "assistant", is_typing: true });
  assert.equal(t.typingNow(), true);
  t.chat.onDelta({ type: "reply_delta", client_id: "auto:m1", text: "Hel" });
  assert.equal(t.typingNow(), false, "the growing reply replaces the indicator");
  t.chat.onDelta({ type: "reply_delta", client_id: "auto:m1", text: "Hello" });
  t.chat.onMessages(null, [{ ...message(2, "assistant"), client_id: "auto:m1" }]);
  assert.deepEqual(t.shown.messages, [1, "Hel", "Hello", 2]);
});

test("the identified frame's handoff_at is kept for the extras; a handoff event goes to them", async () => {
  const t = widget();
  t.chat.store = { state: {}, update() {} };
  t.chat.onSession({ conversationId: "c" }, true, { handoff_at: null });
  assert.equal(t.chat.handoffAt, null);
  t.chat.onSession({ conversationId: "c" }, false, { handoff_at: "2026-01-01T10:00:00Z" });
  assert.equal(t.chat.handoffAt, "2026-01-01T10:00:00Z");
  const handed = [];
  t.chat.extras = async () => ({ handoff: (event) => handed.push(event.by) });
  t.chat.onHandoff({ type: "handoff", by: "visitor" });
  await settle();
  assert.deepEqual(handed, ["visitor"]);
});
