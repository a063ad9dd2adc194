"""A streaming bot seen from the agent's dashboard, in real Chromium: the inbox tags the
conversation "Bot", the reply grows in the open conversation and stays as a normal
message, the visitor's hand-off turns the tag into "Waiting for a person" (a Status
filter finds it) with a line in the thread, and an agent who takes the conversation
mid-reply stops the bot at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.bots import HALF
from tests.live_server import FAST_RECONNECT, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.redis]
expect.set_options(timeout=20_000)

BOTS = "tests.browser.bots"
AGENT = ("agent", "agent")  # demo_setup's agent
WIDGET = "livechat-widget"


@pytest.fixture
def dashboard(browser: Any, bot: LiveServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{bot.url}livechat/dashboard/")
    page.fill("#id_username", AGENT[0])
    page.fill("#id_password", AGENT[1])
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r".*/livechat/dashboard/$"))
    page.wait_for_selector("#lc-connection[data-state=online]")
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def visitor(browser: Any, bot: LiveServer) -> Iterator[tuple[Page, str]]:
    """A visitor's widget, open, named with a verified identity only this test uses."""
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.add_init_script(f"window.ChatBotConfig = {json.dumps(FAST_RECONNECT)};")
    page.goto(bot.url)
    who = f"bot-{uuid.uuid4().hex[:8]}@example.com"
    digest = hmac.new(bot.identity_secret.encode(), who.encode(), hashlib.sha256).hexdigest()
    page.evaluate(
        "([identifier, hash]) => window.LiveChat.push("
        "(chat) => chat.setUser({identifier, identifier_hash: hash}))",
        [who, digest],
    )
    page.get_by_role("button", name="Open chat").click()
    try:
        yield page, who
    finally:
        context.close()


def say(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Type your message").fill(text)
    page.get_by_role("button", name="Send").click()


def test_the_agent_sees_the_bot_write_and_the_hand_off(dashboard, visitor):
    page, who = visitor
    say(page, "When are you open?")
    item = dashboard.locator(f'#lc-list button[aria-label*="{who}"]')
    expect(item.locator("[data-bot-state=bot]")).to_have_text("Bot")
    item.click()
    thread = dashboard.locator("#lc-messages")
    growing = thread.locator(".lc-streaming")
    expect(growing).to_contain_text(HALF)  # the reply grows here too
    expect(growing).to_have_attribute("aria-busy", "true")
    expect(growing).to_have_count(0)  # then the stored message replaces it
    expect(thread.locator('[data-seq="2"]')).to_contain_text("see https://shop.example/hours")
    expect(thread.locator('[data-seq="2"]')).to_contain_text("Automatic reply")

    page.get_by_role("button", name="Talk to a person").click()
    expect(item.locator("[data-bot-state=waiting]")).to_have_text("Waiting for a person")
    expect(item).to_have_attribute("aria-label", re.compile("Waiting for a person"))
    expect(thread).to_contain_text("The visitor asked for a person.")
    dashboard.select_option("#lc-filter", "waiting")
    expect(item).to_be_visible()
    assert_accessible(dashboard)
    dashboard.select_option("#lc-filter", "all")

    reply = dashboard.locator("#lc-input")
    reply.fill("Hi, Alex here: we open at nine.")
    reply.press("Enter")
    expect(page.locator(f"{WIDGET} .msg.agent")).to_contain_text("we open at nine")
    expect(item.locator("[data-bot-state]")).to_have_count(0)  # with a person now
    dashboard.select_option("#lc-filter", "waiting")
    expect(item).to_be_hidden()


def test_an_agent_taking_the_conversation_mid_reply_stops_the_bot(dashboard, visitor):
    page, who = visitor
    say(page, "When are you open?")
    item = dashboard.locator(f'#lc-list button[aria-label*="{who}"]')
    item.click()
    expect(dashboard.locator("#lc-messages .lc-streaming")).to_contain_text(HALF)
    dashboard.get_by_role("button", name="Assign to me").click()
    # At once, not when the bot would have finished: the partial reply is stored, marked.
    bubble = page.locator(f"{WIDGET} .msg.assistant[data-seq]")
    expect(bubble).to_contain_text("The automatic reply was cut short", timeout=3_000)
    expect(page.locator(f"{WIDGET} .msg.assistant[aria-busy=true]")).to_have_count(0)
    expect(page.get_by_text("A person will answer here.")).to_be_visible()
    expect(dashboard.locator("#lc-messages .lc-streaming")).to_have_count(0)
    expect(dashboard.locator("#lc-messages")).to_contain_text(
        "An agent took the conversation over from the bot."
    )
