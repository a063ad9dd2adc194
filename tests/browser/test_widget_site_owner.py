"""The site owner's features in the widget (issue 11), in real Chromium against the example
project: opening hours, the pre-chat form, the email prompt, "seen", the rating, files and
email links. These load widget-extras.js on demand, so each test also proves that the core
finds and loads it (beside widget.js, with its content hash).

The ``server_*`` functions at the bottom run inside the served project (``server.call(...,
module=__name__)``): websites and conversations set up the way the admin and the dashboard
would.
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import DESKTOP, PHONE, assert_accessible
from tests.live_server import AGENT_LOGIN, FAST_RECONNECT, LiveServer, embed_snippet

pytestmark = [pytest.mark.browser, pytest.mark.redis]
expect.set_options(timeout=20_000)

HERE = __name__
QUESTION = "What are your opening hours?"
ANSWER = "We are open Monday to Friday"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><main><h1>Shop</h1><p>Hand-made ceramics.</p></main>
{snippet}
</body></html>"""
PRECHAT_FIELDS = [
    {
        "name": "topic",
        "label": "Topic",
        "type": "select",
        "required": True,
        "options": ["Billing", "Delivery"],
    },
    {"name": "order", "label": "Order number", "type": "text", "required": False},
]
CONSENT = "I agree that my answers are stored to answer me."
AWAY_TEXT = "No one is here right now. Leave a message and we will reply as soon as we can."


def png(width: int = 4, height: int = 3) -> bytes:
    """A real PNG image (red pixels), made here."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------------- helpers


def embedded(page: Page, server: LiveServer, site: Any, website_id: str, path: str) -> None:
    """A page of an allowed origin with the docs' snippet for ``website_id``."""
    snippet = embed_snippet(server, websiteId=website_id, **FAST_RECONNECT)
    page.goto(site.page(path, PAGE.format(snippet=snippet)))


def demo(page: Page, server: LiveServer) -> None:
    """The demo website's page (the template tag), with quick reconnection."""
    page.add_init_script(f"window.ChatBotConfig = {json.dumps(FAST_RECONNECT)};")
    page.goto(server.url)


def open_chat(page: Page) -> None:
    page.get_by_role("button", name="Open chat").click()


def say(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Type your message").fill(text)
    page.get_by_role("button", name="Send").click()


def stored_conversation(page: Page, website_id: str) -> str:
    page.wait_for_function(
        f"JSON.parse(localStorage.getItem('django-livechat:{website_id}') || '{{}}').conversationId"
    )
    stored = page.evaluate(f"localStorage.getItem('django-livechat:{website_id}')")
    value: str = json.loads(stored)["conversationId"]
    return value


def a_website(server: LiveServer, site: Any, **fields: Any) -> str:
    website_id: str = server.call("server_website", site.origin, fields, module=HERE)
    return website_id


# ---------------------------------------------------------------------- opening hours


def test_a_closed_website_says_so_and_the_extras_come_from_beside_widget_js(
    page, live_server, embed_sites
):
    site, _ = embed_sites
    website = a_website(live_server, site, closed_today=True, reply_time="a few minutes")
    loaded: list[str] = []
    page.on(
        "request",
        lambda request: loaded.append(request.url) if "widget-extras" in request.url else None,
    )
    embedded(page, live_server, site, website, "/closed.html")
    open_chat(page)
    expect(
        page.get_by_text("We are closed now. Leave a message and we will answer when we are back.")
    ).to_be_visible()
    expect(page.get_by_text("We usually reply within a few minutes.")).to_be_hidden()
    expect(page.locator("livechat-widget")).to_have_attribute("data-status", "away")
    expect(page.get_by_role("button", name="Attach a file")).to_be_visible()  # the extras are in
    assert len(loaded) == 1
    assert re.fullmatch(
        rf"{re.escape(live_server.url)}livechat/assets/widget-extras\.js\?v=[0-9a-f]{{12}}",
        loaded[0],
    )


def test_with_an_agent_present_the_reply_time_is_promised_and_without_the_away_text(
    browser, page, live_server, embed_sites
):
    site, _ = embed_sites
    website = a_website(live_server, site, reply_time="a few minutes", agents=[AGENT_LOGIN[0]])
    agent = browser.new_context()
    try:
        dashboard = agent.new_page()
        dashboard.goto(f"{live_server.url}livechat/dashboard/")
        dashboard.fill("#id_username", AGENT_LOGIN[0])
        dashboard.fill("#id_password", AGENT_LOGIN[1])
        dashboard.click("[type=submit]")
        dashboard.wait_for_selector("#lc-connection[data-state=online]")
        embedded(page, live_server, site, website, "/reply-time.html")
        open_chat(page)
        expect(page.get_by_text("We usually reply within a few minutes.")).to_be_visible()
        expect(page.locator("livechat-widget")).to_have_attribute("data-status", "online")
        expect(page.get_by_text(AWAY_TEXT)).to_be_hidden()
        # The visitor's conversation follows the website's presence live.
        say(page, QUESTION)
        expect(page.get_by_role("log")).to_contain_text(ANSWER)
    finally:
        agent.close()  # the dashboard's socket closes: its agent is gone at once
    expect(page.locator("livechat-widget")).to_have_attribute("data-status", "away")
    expect(page.get_by_text(AWAY_TEXT)).to_be_visible()
    expect(page.get_by_text("We usually reply within a few minutes.")).to_be_hidden()


# ---------------------------------------------------------------------- pre-chat form


def test_the_prechat_form_comes_first_is_checked_and_starts_the_conversation(
    page, live_server, embed_sites
):
    site, _ = embed_sites
    website = a_website(
        live_server, site, prechat_fields=PRECHAT_FIELDS, prechat_consent_text=CONSENT
    )
    embedded(page, live_server, site, website, "/prechat.html")
    open_chat(page)
    name = page.get_by_role("textbox", name="Your name")
    expect(name).to_be_focused()
    expect(page.get_by_role("textbox", name="Type your message")).to_be_hidden()
    # Sent empty: each problem by its field, the focus on the first.
    page.get_by_role("button", name="Start the chat").click()
    email = page.get_by_role("textbox", name="Your email address")
    expect(email).to_be_focused()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("livechat-widget #lc-pc-email-error")).to_have_text(
        "This field is required."
    )
    expect(page.locator("livechat-widget #lc-pc-consent-error")).to_have_text(
        "This field is required."
    )
    expect(page.locator("livechat-widget #lc-pc-topic-error")).to_have_text(
        "This field is required."
    )
    name.fill("Ann Example")
    email.fill("ann@example")
    page.get_by_role("button", name="Start the chat").click()
    expect(page.locator("livechat-widget #lc-pc-email-error")).to_have_text(
        "Enter a valid email address."
    )
    email.fill("ann@example.com")
    page.get_by_role("combobox", name="Topic").select_option("Delivery")
    page.get_by_role("textbox", name="Order number").fill("A-1017")
    page.get_by_role("checkbox", name=CONSENT).check()
    page.get_by_role("button", name="Start the chat").click()
    composer = page.get_by_role("textbox", name="Type your message")
    expect(composer).to_be_focused()
    say(page, QUESTION)
    expect(page.get_by_role("log")).to_contain_text(ANSWER)
    conversation = stored_conversation(page, website)
    stored = live_server.call("server_conversation", conversation, module=HERE)
    assert stored["visitor_name"] == "Ann Example"
    assert stored["visitor_email"] == "ann@example.com"
    assert stored["prechat"]["topic"] == "Delivery"
    assert stored["prechat"]["order"] == "A-1017"
    assert stored["prechat"]["consent_at"]
    # Known from the form: no email prompt, though nobody is present.
    expect(page.locator("livechat-widget .contact")).to_have_count(0)
    # A reload continues the conversation: no form again.
    page.reload()
    expect(page.get_by_role("textbox", name="Type your message")).to_be_visible()
    expect(page.get_by_role("button", name="Start the chat")).to_have_count(0)


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_prechat_form_is_accessible(browser, live_server, embed_sites, size):
    site, _ = embed_sites
    website = a_website(
        live_server, site, prechat_fields=PRECHAT_FIELDS, prechat_consent_text=CONSENT
    )
    context = browser.new_context(viewport=size)
    try:
        page = context.new_page()
        embedded(page, live_server, site, website, "/prechat-axe.html")
        open_chat(page)
        page.get_by_role("button", name="Start the chat").click()  # with its errors showing
        expect(page.locator("livechat-widget #lc-pc-email-error")).to_be_visible()
        assert_accessible(page)
    finally:
        context.close()


# ---------------------------------------------------------------------- email prompt, seen


def test_nobody_present_the_visitor_is_asked_for_an_email_once(page, live_server):
    demo(page, live_server)
    open_chat(page)
    say(page, QUESTION)
    prompt = page.get_by_role("textbox", name="Leave your email address and we will reply there.")
    expect(prompt).to_be_visible()
    prompt.fill("bob@example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Thank you. We will reply to bob@example.com.")).to_be_visible()
    conversation = stored_conversation(page, live_server.website_id)
    assert (
        live_server.call("server_conversation", conversation, module=HERE)["visitor_email"]
        == "bob@example.com"
    )
    say(page, "And on Saturdays?")
    expect(page.get_by_role("log")).to_contain_text("And on Saturdays?")
    expect(page.locator("livechat-widget .contact")).to_have_count(0)
    page.reload()  # the panel opens again by itself
    say(page, "Still there?")
    expect(page.get_by_role("log")).to_contain_text("Still there?")
    expect(page.locator("livechat-widget .contact")).to_have_count(0)


def test_what_the_visitor_has_seen_reaches_the_server(page, live_server):
    demo(page, live_server)
    open_chat(page)
    say(page, QUESTION)
    expect(page.get_by_role("log")).to_contain_text(ANSWER)
    conversation = stored_conversation(page, live_server.website_id)
    seq = live_server.call("agent_says", conversation, "Hello from Sam", "Sam")
    expect(page.get_by_role("log")).to_contain_text("Hello from Sam")
    # Reported at most every two seconds: ask the server until it knows (each call ~1 s).
    for _ in range(15):
        read = live_server.call("server_conversation", conversation, module=HERE)[
            "visitor_read_seq"
        ]
        if read >= seq:
            break
    assert read >= seq


# ---------------------------------------------------------------------- rating


def resolved_chat(page: Page, server: LiveServer) -> str:
    demo(page, server)
    open_chat(page)
    say(page, QUESTION)
    expect(page.get_by_role("log")).to_contain_text(ANSWER)
    conversation = stored_conversation(page, server.website_id)
    server.call("server_resolve", conversation, module=HERE)
    expect(page.get_by_role("group", name="How was this conversation?")).to_be_visible()
    return conversation


def test_a_resolved_conversation_is_rated_with_the_keyboard(page, live_server):
    conversation = resolved_chat(page, live_server)
    page.get_by_role("button", name="Send rating").click()
    expect(page.get_by_text("Choose a rating first.")).to_be_visible()
    expect(page.get_by_role("radio", name="1 out of 5")).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="4 out of 5")).to_be_checked()
    page.get_by_role("textbox", name="Add a comment (optional)").fill("Quick and kind.")
    page.get_by_role("button", name="Send rating").click()
    expect(page.get_by_text("Thank you for your rating.")).to_be_focused()
    stored = live_server.call("server_conversation", conversation, module=HERE)
    assert (stored["rating"], stored["rating_comment"]) == (4, "Quick and kind.")


def test_a_reload_before_rating_asks_again_and_a_rated_conversation_never(page, live_server):
    conversation = resolved_chat(page, live_server)
    question = page.get_by_role("group", name="How was this conversation?")
    page.reload()  # the panel opens again by itself
    expect(page.get_by_role("log")).to_contain_text(ANSWER)
    expect(question).to_be_visible()
    # Below the conversation's messages, not above them.
    assert page.evaluate(
        "() => { const log = document.querySelector('livechat-widget').shadowRoot"
        ".querySelector('.log'); return log.lastElementChild.matches('.rating'); }"
    )
    page.get_by_title("5 out of 5").click()  # the star (the radio itself is for screen readers)
    page.get_by_role("button", name="Send rating").click()
    expect(page.get_by_text("Thank you for your rating.")).to_be_visible()
    assert live_server.call("server_conversation", conversation, module=HERE)["rating"] == 5
    page.reload()
    expect(page.get_by_role("log")).to_contain_text(ANSWER)
    page.wait_for_timeout(1000)  # the history is in: a rating form would follow at once
    expect(question).to_have_count(0)


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_rating_is_accessible(browser, live_server, size):
    context = browser.new_context(viewport=size)
    try:
        page = context.new_page()
        resolved_chat(page, live_server)
        assert_accessible(page)
    finally:
        context.close()


# ---------------------------------------------------------------------- files


def test_files_by_paperclip_paste_and_drop_with_progress_and_refusals(page, live_server):
    demo(page, live_server)
    open_chat(page)
    say(page, QUESTION)
    expect(page.get_by_role("log")).to_contain_text(ANSWER)
    conversation = stored_conversation(page, live_server.website_id)
    # The paperclip: an image shows as its thumbnail, named by its file name.
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach a file").click()
    chooser.value.set_files(files=[{"name": "photo.png", "mimeType": "image/png", "buffer": png()}])
    expect(page.get_by_role("img", name="photo.png")).to_be_visible()
    # A file of a type the server refuses (read from its content): why, and no retry.
    page.locator("livechat-widget input[type=file]").set_input_files(
        files=[
            {"name": "tool.png", "mimeType": "image/png", "buffer": b"MZ\x90\x00" + b"\x00" * 200}
        ]
    )
    refused = page.locator("livechat-widget .msg.failed")
    expect(refused).to_contain_text("This type of file cannot be sent.")
    expect(refused.get_by_role("button", name="Retry")).to_have_count(0)
    # Pasted into the input, and dropped on the panel: the same upload.
    data = base64.b64encode(png(6, 6)).decode()
    for event, name in (("paste", "pasted.png"), ("drop", "dropped.png")):
        page.evaluate(
            """([event, name, data]) => {
              const root = document.querySelector("livechat-widget").shadowRoot;
              const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
              const transfer = new DataTransfer();
              transfer.items.add(new File([bytes], name, { type: "image/png" }));
              const target = root.querySelector(event === "paste" ? "textarea" : ".log");
              const init = { bubbles: true, cancelable: true, composed: true };
              target.dispatchEvent(event === "paste"
                ? new ClipboardEvent("paste", { ...init, clipboardData: transfer })
                : new DragEvent("drop", { ...init, dataTransfer: transfer }));
            }""",
            [event, name, data],
        )
        expect(page.get_by_role("img", name=name)).to_be_visible()
    stored = live_server.call("server_attachments", conversation, module=HERE)
    assert sorted(stored) == ["dropped.png", "pasted.png", "photo.png"], "each stored once"


def test_an_upload_shows_its_progress(page, live_server):
    demo(page, live_server)
    open_chat(page)
    say(page, QUESTION)
    expect(page.get_by_role("log")).to_contain_text(ANSWER)
    # Hold the upload's answer back: the item shows its progress bar meanwhile.
    held: list[Any] = []
    page.route("**/api/attachments/", lambda route: held.append(route))
    page.locator("livechat-widget input[type=file]").set_input_files(
        files=[{"name": "slow.png", "mimeType": "image/png", "buffer": png()}]
    )
    bar = page.get_by_role("progressbar", name="Uploading slow.png")
    expect(bar).to_be_visible()
    assert bar.get_attribute("aria-valuemin") == "0"
    assert bar.get_attribute("aria-valuemax") == "100"
    for _ in range(200):  # route handlers run while Playwright waits
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    expect(page.get_by_role("img", name="slow.png")).to_be_visible()
    expect(bar).to_have_count(0)


# ---------------------------------------------------------------------- email links


def test_an_email_link_reopens_its_conversation_in_a_new_browser(browser, live_server):
    first = browser.new_context()
    try:
        page = first.new_page()
        demo(page, live_server)
        open_chat(page)
        say(page, QUESTION)
        expect(page.get_by_role("log")).to_contain_text(ANSWER)
        conversation = stored_conversation(page, live_server.website_id)
    finally:
        first.close()
    live_server.call("agent_says", conversation, "Here is your answer by email", "Sam")
    token = live_server.call("server_resume_token", conversation, module=HERE)
    other = browser.new_context()  # another device: nothing stored
    try:
        page = other.new_page()
        page.add_init_script(f"window.ChatBotConfig = {json.dumps(FAST_RECONNECT)};")
        page.goto(f"{live_server.url}?ref=mail&livechat_resume={token}")
        log = page.get_by_role("log")
        expect(log).to_contain_text("Here is your answer by email")
        expect(log).to_contain_text(QUESTION)
        assert page.url == f"{live_server.url}?ref=mail", "the token left the address bar"
        assert stored_conversation(page, live_server.website_id) == conversation
        say(page, "Thanks!")
        expect(log).to_contain_text("Thanks!")
        texts = [m["text"] for m in live_server.call("messages", conversation)]
        assert "Thanks!" in texts
    finally:
        other.close()


# ---------------------------------------------------------------------- in the served project


def server_website(origin: str, fields: dict[str, Any]) -> str:
    """A website of its own for one test, allowing ``origin``; ``closed_today`` closes it."""
    import datetime as dt

    from django_livechat.models import Website

    closed_today = fields.pop("closed_today", False)
    agents = fields.pop("agents", [])
    site = Website.objects.create(
        name=f"Site owner test {Website.objects.count()}", allowed_origins=[origin]
    )
    if fields.get("prechat_fields"):
        fields["prechat_enabled"] = True
    if closed_today:
        zone = dt.timezone.utc
        site.time_zone = "UTC"
        today = dt.datetime.now(zone).date()
        fields["closed_dates"] = [
            str(today - dt.timedelta(days=1)),
            str(today),
            str(today + dt.timedelta(days=1)),
        ]
    for name, value in fields.items():
        setattr(site, name, value)
    site.save()
    if agents:
        from django.contrib.auth import get_user_model

        site.agents.add(*get_user_model()._default_manager.filter(username__in=agents))
    return str(site.id)


def server_conversation(conversation_id: str) -> dict[str, Any]:
    from django_livechat.models import Conversation

    row = Conversation.objects.get(pk=conversation_id)
    return {
        "visitor_name": row.visitor_name,
        "visitor_email": row.visitor_email,
        "prechat": row.prechat,
        "visitor_read_seq": row.visitor_read_seq,
        "rating": row.rating,
        "rating_comment": row.rating_comment,
    }


def server_resolve(conversation_id: str) -> None:
    """What the dashboard's Resolve does for the visitor: stored, then told."""
    from asgiref.sync import async_to_sync

    from django_livechat.models import Conversation
    from django_livechat.pipeline import events, frames

    row = Conversation.objects.get(pk=conversation_id)
    row.status = Conversation.Status.RESOLVED
    row.save(update_fields=["status"])
    out = events.Frames(row.id, row.website_id)
    out.to_visitors(frames.status(row.id, "resolved", by=None, for_agents=False))
    async_to_sync(out.send)()


def server_attachments(conversation_id: str) -> list[str]:
    from django_livechat.models import Attachment

    return [
        a.name
        for a in Attachment.objects.filter(conversation_id=conversation_id, message__isnull=False)
    ]


def server_resume_token(conversation_id: str) -> str:
    from django_livechat.models import Conversation
    from django_livechat.pipeline.resume import make_resume_token

    return make_resume_token(Conversation.objects.get(pk=conversation_id))
