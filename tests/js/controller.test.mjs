// The widget's typing indicator and replies (protocol rule: a reply comes with or without
// typing frames around it). The controller is driven through its transport hooks, with
// stand-ins for the view, storage and sound, which need a browser.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MessageLog } from "../../js/shared/messages.js";
import { ChatWidget } from "../../js/widget/controller.js";
import { FakeClock } from "./fakes.mjs";

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
