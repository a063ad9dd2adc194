"""A streaming bot in the widget, in real Chromium against the example project: the reply
grows as one message and the stored one replaces it; the visitor asks for a person with
the button (or in words, and the bot hands over); accessible while a reply grows and
after the hand-off.

The demo website answers with ``tests.browser.bots.streaming`` (``Website.responder``)
for these tests only.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.axe import DESKTOP, PHONE, assert_accessible
from tests.browser.bots import ANSWER, HALF, HANDOFF_TEXT
from tests.live_server import FAST_RECONNECT, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.redis]
expect.set_options(timeout=20_000)

BOTS = "tests.browser.bots"
HANDOFF_NOTE = "A person will answer here."
CUT = "The automatic reply was cut short"
# Every text the growing bubble showed, and whether it was ever there with its seq.
WATCH = """() => {
  const log = document.querySelector("livechat-widget").shadowRoot.querySelector(".log");
  window.grown = [];
  new MutationObserver(() => {
    for (const row of log.querySelectorAll(".msg[aria-busy=true] .bubble")) {
      if (window.grown.at(-1) !== row.textContent) window.grown.push(row.textContent);
    }
  }).observe(log, { childList: true, subtree: true, characterData: true });
}"""
ROWS = """() => [...document.querySelector("livechat-widget").shadowRoot
  .querySelectorAll(".log .msg")].map((row) => ({
    text: row.querySelector(".bubble").textContent,
    role: row.className.replace("msg ", ""),
    seq: Number(row.dataset.seq || 0),
    busy: row.getAttribute("aria-busy") === "true",
  }))"""


def start(page: Page, server: LiveServer) -> None:
    page.add_init_script(f"window.ChatBotConfig = {json.dumps(FAST_RECONNECT)};")
    page.goto(server.url)
    page.get_by_role("button", name="Open chat").click()
    expect(page.get_by_role("textbox", name="Type your message")).to_be_focused()
    page.evaluate(WATCH)


def say(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Type your message").fill(text)
    page.get_by_role("button", name="Send").click()


def rows(page: Page) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate(ROWS)
    return result


def growing(page: Page) -> Locator:
    return page.locator("livechat-widget .msg.assistant[aria-busy=true]")


def conversation_id(page: Page, server: LiveServer) -> str:
    stored = page.evaluate(f"localStorage.getItem('django-livechat:{server.website_id}')")
    value: str = json.loads(stored)["conversationId"]
    return value


def replies(server: LiveServer, conversation: str) -> list[str]:
    return [m["text"] for m in server.call("messages", conversation) if m["role"] == "assistant"]


def test_a_streamed_reply_grows_as_one_message_and_the_stored_one_replaces_it(page, bot):
    start(page, bot)
    say(page, "When are you open?")
    expect(growing(page)).to_contain_text(HALF)
    expect(page.get_by_text("Support is typing")).to_be_hidden()  # ended at the first delta
    expect(growing(page)).to_have_count(1)
    expect(growing(page)).to_have_count(0)  # the stored reply replaced it
    shown = rows(page)
    assert [(row["role"], row["busy"]) for row in shown] == [("user", False), ("assistant", False)]
    assert shown[1]["text"].strip() == ANSWER.strip()
    assert shown[1]["seq"] == 2
    link = page.locator("livechat-widget .msg.assistant a")
    expect(link).to_have_attribute("href", "https://shop.example/hours")
    grown = page.evaluate("window.grown")
    assert len(grown) >= 3, f"the reply grew in steps: {grown}"
    assert all(b.startswith(a) for a, b in itertools.pairwise(grown)), grown
    assert replies(bot, conversation_id(page, bot)) == [shown[1]["text"]], "stored once"
    assert page.errors == []


def test_talk_to_a_person_hands_over_and_the_bot_stops(page, bot):
    start(page, bot)
    person = page.get_by_role("button", name="Talk to a person")
    expect(person).to_be_hidden()  # no conversation yet
    say(page, "When are you open?")
    expect(growing(page)).to_contain_text(HALF)
    expect(person).to_be_visible()
    person.click()  # mid-stream: the bot stops, what it wrote is kept with the marker
    expect(page.get_by_text(HANDOFF_NOTE)).to_have_count(1)
    expect(person).to_be_hidden()
    expect(growing(page)).to_have_count(0)
    conversation = conversation_id(page, bot)
    stored = replies(bot, conversation)
    assert len(stored) == 1 and stored[0].startswith(HALF) and CUT in stored[0], stored
    assert bot.call("handoff_at", conversation, module=BOTS)
    # Reloaded: handed over already, so no button, and nothing grows any more.
    page.reload()  # the panel stays open across a reload
    expect(page.locator("livechat-widget button.launcher[aria-expanded=true]")).to_be_visible()
    expect(page.locator("livechat-widget .msg.assistant")).to_contain_text(CUT)
    expect(person).to_be_hidden()
    assert page.errors == []


def test_asking_in_words_the_bot_hands_over_itself(page, bot):
    start(page, bot)
    say(page, "Can I talk to a human please?")
    expect(page.locator("livechat-widget .msg.assistant")).to_contain_text(HANDOFF_TEXT)
    expect(page.get_by_text(HANDOFF_NOTE)).to_be_visible()
    expect(page.get_by_role("button", name="Talk to a person")).to_be_hidden()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_accessible_while_a_reply_grows_and_after_the_hand_off(browser, bot, size):
    context = browser.new_context(viewport=size)
    try:
        page = context.new_page()
        start(page, bot)
        say(page, "When are you open?")
        expect(growing(page)).to_contain_text(HALF)
        assert_accessible(page)  # the stream paused halfway: a growing reply on screen
        page.get_by_role("button", name="Talk to a person").click()
        expect(page.get_by_text(HANDOFF_NOTE)).to_be_visible()
        assert_accessible(page)
    finally:
        context.close()
