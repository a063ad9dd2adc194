"""The dashboard's side of what site owners expect (issue 11), in real Chromium against the
example project: the visitor panel with the pre-chat answers and an earlier conversation
opened read only, a file the agent sends reaching the visitor, a rating the visitor gives
over the API showing in the panel, the inbox and the averages, the email preference kept
on the server, and axe-core at both widths with the new parts open.

The functions at the top run inside the served project (``live_server.call(...,
module=__name__)``): they set the website up and read what the server stored.
"""

from __future__ import annotations

import json
import re
import struct
import urllib.request
import uuid
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

AGENT = ("agent", "agent")  # demo_setup's agent
ORDER_FIELD = {"name": "order", "label": "Order number", "type": "text", "required": False}


# ---------------------------------------------------------------- in the served project


def enable_prechat(website_name: str) -> None:
    from django_livechat.models import Website

    site = Website.objects.get(name=website_name)
    site.prechat_enabled = True
    site.prechat_fields = [ORDER_FIELD]
    site.prechat_consent_text = "I agree to the privacy policy."
    site.save(update_fields=["prechat_enabled", "prechat_fields", "prechat_consent_text"])


def disable_prechat(website_name: str) -> None:
    from django_livechat.models import Website

    site = Website.objects.get(name=website_name)
    site.prechat_enabled = False
    site.prechat_fields = []
    site.prechat_consent_text = ""
    site.save(update_fields=["prechat_enabled", "prechat_fields", "prechat_consent_text"])


def mark_resolved(conversation_id: str) -> None:
    from django_livechat.models import Conversation

    Conversation.objects.filter(pk=uuid.UUID(conversation_id)).update(status="resolved")


def website_average(website_name: str) -> list[Any]:
    """The website's average rating and how many there are, as the summary should say."""
    from django.db.models import Avg, Count

    from django_livechat.models import Conversation

    found = Conversation.objects.filter(website__name=website_name, rating__isnull=False)
    summary = found.aggregate(average=Avg("rating"), count=Count("id"))
    return [float(summary["average"]), summary["count"]]


# ---------------------------------------------------------------- in the test process


def api(live_server: Any, method: str, path: str, body: Any = None, token: str = "") -> Any:
    """The visitor's HTTP API, as the widget calls it (bearer token, the site's origin)."""
    request = urllib.request.Request(
        f"{live_server.url}livechat/api/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Origin": live_server.origin},
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read() or b"null")


def start_conversation(live_server: Any, email: str, first_message: str) -> tuple[str, str]:
    """A visitor fills in the pre-chat form and writes: (conversation id, token)."""
    prechat = {"name": "Ada Lovelace", "email": email, "consent": True, "fields": {"order": "A-17"}}
    opened = api(
        live_server,
        "POST",
        "conversations/",
        {"website_id": live_server.website_id, "prechat": prechat},
    )
    token = opened["visitor_token"]
    api(
        live_server,
        "POST",
        "messages/",
        {"message": first_message, "client_id": uuid.uuid4().hex},
        token,
    )
    return opened["conversation_id"], token


def png(width: int = 40, height: int = 30) -> bytes:
    """A small valid PNG (plain RGB), made here so the test needs no image file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x2a\x8a\x5a" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# What a browser does when a file is dropped on the conversation and an image pasted into
# the reply box: the events, with real File objects in a DataTransfer.
DROP_AND_PASTE = """({html, png}) => {
  const init = (d) => ({dataTransfer: d, clipboardData: d, bubbles: true, cancelable: true});
  const dropped = new DataTransfer();
  dropped.items.add(new File([html], "page.html", {type: "text/html"}));
  const thread = document.getElementById("lc-log");
  thread.dispatchEvent(new DragEvent("dragover", init(dropped)));
  thread.dispatchEvent(new DragEvent("drop", init(dropped)));
  const pasted = new DataTransfer();
  pasted.items.add(new File([new Uint8Array(png)], "pasted.png", {type: "image/png"}));
  document.getElementById("lc-input").dispatchEvent(new ClipboardEvent("paste", init(pasted)));
}"""


def log_in(page: Any, base_url: str, conversation_id: str) -> None:
    page.goto(f"{base_url}livechat/dashboard/")
    page.fill("#id_username", AGENT[0])
    page.fill("#id_password", AGENT[1])
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r".*/livechat/dashboard/$"))
    page.goto(f"{base_url}livechat/dashboard/#conversation={conversation_id}")
    page.wait_for_selector("#lc-connection[data-state=online]")


def detail(page: Any, key: str) -> Any:
    return page.locator(f'#lc-details dd[data-detail="{key}"]')


@pytest.fixture
def demo_prechat(live_server: Any) -> Iterator[None]:
    """The demo website asks the pre-chat form for one test, and no longer afterwards: the
    live server is shared with the widget's tests."""
    from tests.live_server import WEBSITE_NAME

    live_server.call("enable_prechat", WEBSITE_NAME, module=__name__)
    yield
    live_server.call("disable_prechat", WEBSITE_NAME, module=__name__)


@pytest.mark.usefixtures("demo_prechat")
def test_the_visitor_panel_files_ratings_and_the_email_preference(live_server, browser):
    from playwright.sync_api import expect

    from tests.browser.axe import DESKTOP, PHONE, assert_accessible
    from tests.live_server import WEBSITE_NAME, screenshot_path

    here = __name__
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    earlier_id, earlier_token = start_conversation(live_server, email, "My first order is late")
    live_server.call("mark_resolved", earlier_id, module=here)
    api(live_server, "POST", "rating/", {"rating": 3, "comment": "Slow"}, earlier_token)
    current_id, current_token = start_conversation(live_server, email, "Where is my parcel?")

    context = browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(20_000)
    expect.set_options(timeout=20_000)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, live_server.url, current_id)

        # ---- the visitor panel: contact, pre-chat answers, consent, the earlier conversation
        expect(page.locator("#lc-title")).to_have_text("Ada Lovelace")
        expect(detail(page, "email")).to_have_text(email)
        expect(detail(page, "prechat-order")).to_have_text("A-17")
        order_term = page.locator('#lc-details dt:has(+ dd[data-detail="prechat-order"])')
        expect(order_term).to_have_text("Order number")
        expect(detail(page, "consent")).to_contain_text("Given")
        earlier = page.locator(f'#lc-previous [data-previous-id="{earlier_id}"]')
        expect(earlier).to_contain_text("★ 3")  # its preview is its last message: the auto reply
        expect(earlier).to_contain_text("Resolved")
        assert_accessible(page)

        # ---- the earlier conversation opens read only, and Back returns
        earlier.click()
        expect(page.locator("#lc-readonly")).to_be_visible()
        expect(page.locator("#lc-messages")).to_contain_text("My first order is late")
        expect(page.locator("#lc-input")).to_be_disabled()
        expect(page.locator("#lc-send")).to_be_disabled()
        expect(page.locator("#lc-resolve")).to_be_hidden()
        assert page.evaluate("location.hash") == f"#conversation={current_id}"
        assert_accessible(page)
        page.click("#lc-readonly-back")
        expect(page.locator("#lc-readonly")).to_be_hidden()
        expect(page.locator("#lc-messages")).to_contain_text("Where is my parcel?")
        expect(page.locator("#lc-input")).to_be_enabled()

        # ---- a file from the agent: progress while it goes, a thumbnail here, the
        # attachment at the visitor's. The upload is held on its way to show the bar.
        held: list[Any] = []
        page.route("**/attachments/", lambda route: held.append(route))
        page.set_input_files(
            "#lc-file", files=[{"name": "parcel.png", "mimeType": "image/png", "buffer": png()}]
        )
        bar = page.locator('#lc-messages [role=progressbar][aria-label="Uploading parcel.png"]')
        expect(bar).to_be_visible()
        assert 0 <= int(bar.get_attribute("aria-valuenow") or "-1") <= 99
        for _ in range(100):  # the route's callback runs while Playwright is waiting
            if held:
                break
            page.wait_for_timeout(50)
        assert held, "the upload goes to the agent attachments URL"
        held[0].continue_()
        page.unroute("**/attachments/")
        thumbnail = page.locator('#lc-messages .lc-attachment-image img[alt="parcel.png"]')
        expect(thumbnail).to_be_visible()
        # The thumbnail is served to the agent (a real image, loaded).
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
        )
        expect(page.locator("#lc-messages [role=progressbar]")).to_have_count(0)
        link = page.locator("#lc-messages a.lc-attachment-image")
        expect(link).to_have_attribute("target", "_blank")
        visitor_view = api(live_server, "GET", "messages/?after_seq=0", token=current_token)
        sent = [m for m in visitor_view["messages"] if m.get("attachment")]
        assert len(sent) == 1, visitor_view
        assert sent[0]["attachment"]["name"] == "parcel.png"
        assert sent[0]["attachment"]["is_image"] is True
        assert sent[0]["role"] == "agent"

        # ---- a file dropped on the conversation, an image pasted into the reply box; a
        # refused type fails on its own item, with the server's reason and a retry
        page.evaluate(
            DROP_AND_PASTE,
            {
                "html": "<html><body><script>alert(1)</script></body></html>",
                "png": list(png(20, 20)),
            },
        )
        failed = page.locator('#lc-messages .lc-upload:has-text("page.html")')
        expect(failed.locator(".lc-msg-error")).to_contain_text("Not uploaded")
        expect(failed.locator("[data-retry-upload]")).to_be_visible()
        expect(
            page.locator('#lc-messages .lc-attachment-image img[alt="pasted.png"]')
        ).to_be_visible()
        expect(page.locator("#lc-input")).to_have_value("")

        page.screenshot(path=screenshot_path("dashboard-visitor-panel.png"))

        # ---- the visitor rates after the agent resolved: panel, inbox and averages
        page.click("#lc-resolve")
        expect(page.locator("#lc-reopen")).to_be_visible()
        api(
            live_server,
            "POST",
            "rating/",
            {"rating": 5, "comment": "Quick and kind"},
            current_token,
        )
        expect(detail(page, "rating")).to_contain_text("5 out of 5")
        expect(detail(page, "rating-comment")).to_have_text("Quick and kind")
        item = page.locator(f'#lc-list [data-conversation-id="{current_id}"]')
        expect(item.locator(".lc-rating")).to_have_text("★ 5")
        average, count = live_server.call("website_average", WEBSITE_NAME, module=here)
        page.click("#lc-ratings-open")
        dialog = page.locator("#lc-ratings")
        expect(dialog).to_be_visible()
        page.click("#lc-ratings-refresh")
        row = dialog.locator(f'tr:has(th:text-is("{WEBSITE_NAME}"))')
        expect(row.locator("td").nth(0)).to_have_text(f"{average:.1f}")
        expect(row.locator("td").nth(1)).to_have_text(str(count))
        page.screenshot(path=screenshot_path("dashboard-ratings.png"))
        expect(dialog.locator("caption")).to_have_text(["By website", "By agent"])
        assert_accessible(page)
        page.set_viewport_size(PHONE)
        assert_accessible(page)
        page.click("#lc-ratings-close")
        expect(dialog).to_be_hidden()
        # The phone: the conversation, its visitor panel open, still accessible.
        page.locator("#lc-visitor-box summary").click()
        expect(page.locator("#lc-previous-box")).to_be_visible()
        assert_accessible(page)
        page.screenshot(path=screenshot_path("dashboard-phone-visitor-panel.png"))
        page.set_viewport_size(DESKTOP)

        # ---- the email preference is the server's: kept across a reload
        expect(page.locator("#lc-email-pref")).to_be_enabled()
        page.select_option("#lc-email-pref", "daily")
        expect(page.locator("#lc-email-pref")).to_be_enabled()
        page.reload()
        page.wait_for_selector("#lc-connection[data-state=online]")
        expect(page.locator("#lc-email-pref")).to_have_value("daily")
        page.select_option("#lc-email-pref", "off")
        expect(page.locator("#lc-email-pref")).to_be_enabled()
        assert errors == []
    finally:
        context.close()
