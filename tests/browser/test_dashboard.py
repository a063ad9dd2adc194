"""Two pages at once in real Chromium: a visitor's widget and an agent's dashboard.

It walks the seed's testing checklist from both ends: the widget loads without errors;
the first message is sent; the automatic reply appears at once; the typing indicator
goes away; a second message can be sent; the status shows online; the dashboard receives
both messages live; the agent's reply appears in the widget at once with the agent's
name; typing shows both ways; resolve and reopen reach the visitor. New-conversation
alerts come from one dashboard tab only. It also takes the README's screenshot.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.browser.wire import DropOneFrame
from tests.live_server import screenshot_path

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AGENT = ("agent", "agent")  # demo_setup's agent
WIDGET = "livechat-widget"  # Playwright's CSS pierces its open shadow root
AT_ONCE_MS = 5_000  # "at once": well within the socket's round trip plus the responder

# Records desktop notifications instead of showing them (headless has no notification UI).
FAKE_NOTIFICATIONS = """
window.__notifications = [];
window.Notification = class {
  constructor(title, options) { window.__notifications.push({ title, body: options.body }); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
};
"""


def title_count(page: Any) -> int:
    """The unread total in the tab title, ``(3) Live chat``; 0 without one."""
    match = re.match(r"\((\d+)\) ", page.title())
    return int(match.group(1)) if match else 0


def console_errors(page: Any) -> list[str]:
    """Errors on the console, but for the favicon the example project does not have."""
    errors: list[str] = []

    def collect(message: Any) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location.get('url')})")

    page.on("console", collect)
    return errors


def log_in_to_dashboard(page: Any, base_url: str, hash: str = "") -> None:
    page.goto(f"{base_url}livechat/dashboard/{hash}")
    # Anonymous: sent to the sign-in page (the project's LOGIN_URL, or the app's own).
    page.fill("#id_username", AGENT[0])
    page.fill("#id_password", AGENT[1])
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r".*/livechat/dashboard/$"))
    if hash:
        page.goto(f"{base_url}livechat/dashboard/{hash}")
    page.wait_for_selector("#lc-connection[data-state=online]")


def test_visitor_and_agent_chat_live(live_server, browser):
    from playwright.sync_api import expect

    agent_context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-GB", timezone_id="UTC"
    )
    visitor_context = browser.new_context(viewport={"width": 1000, "height": 760})
    try:
        agent_context.add_init_script(FAKE_NOTIFICATIONS)
        for context in (agent_context, visitor_context):
            context.set_default_timeout(20_000)
        expect.set_options(timeout=20_000)

        # ---- the agent's dashboard, and a second tab of it
        dashboard = agent_context.new_page()
        dashboard_errors = console_errors(dashboard)
        dashboard.on("pageerror", lambda e: dashboard_errors.append(str(e)))
        log_in_to_dashboard(dashboard, live_server.url)
        other_tab = agent_context.new_page()
        other_tab.goto(f"{live_server.url}livechat/dashboard/")
        other_tab.wait_for_selector("#lc-connection[data-state=online]")
        for tab in (dashboard, other_tab):
            tab.select_option("#lc-notify", "desktop")
        # One tab leads the alerts, the other stays quiet and says so.
        expect(other_tab.locator("#lc-notify-where")).to_be_visible()
        expect(dashboard.locator("#lc-notify-where")).to_be_hidden()
        unread_before = title_count(dashboard)

        # ---- the visitor's page: the widget loads without errors
        visitor = visitor_context.new_page()
        visitor_errors = console_errors(visitor)
        visitor.on("pageerror", lambda e: visitor_errors.append(str(e)))
        visitor.goto(live_server.url)
        launcher = visitor.locator(f"{WIDGET} button.launcher")
        expect(launcher).to_have_attribute("aria-label", "Open chat")
        who = f"dash-{uuid.uuid4().hex[:8]}@example.com"
        digest = hmac.new(live_server.identity_secret.encode(), who.encode(), hashlib.sha256)
        visitor.evaluate(
            "([identifier, hash]) => window.LiveChat.push("
            "(chat) => chat.setUser({identifier, identifier_hash: hash, name: 'Ada Lovelace'}))",
            [who, digest.hexdigest()],
        )
        launcher.click()
        status = visitor.locator(f"{WIDGET} p.status")
        expect(status).to_have_text("Online")  # the socket is open

        # ---- the first message is sent
        box = visitor.locator(f"{WIDGET} textarea")
        box.press_sequentially("Hello, do you ship to Norway?", delay=10)
        box.press("Enter")
        log = visitor.locator(f"{WIDGET} .log")
        first = log.locator('.msg.user[data-seq="1"]')
        expect(first).to_contain_text("Hello, do you ship to Norway?")
        # The automatic reply (the demo's FAQ: shipping) appears at once ...
        reply = log.locator('.msg.assistant[data-seq="2"]')
        expect(reply).to_contain_text("Orders ship within 1 business day", timeout=AT_ONCE_MS)
        # ... and the typing indicator goes away.
        expect(visitor.locator(f"{WIDGET} p.typing")).to_be_hidden()

        # The new conversation reaches the dashboards, with one desktop notification.
        item = dashboard.locator(f'#lc-list button[aria-label*="{who}"]')
        expect(item).to_be_visible(timeout=AT_ONCE_MS)
        dashboard.wait_for_function("window.__notifications.length >= 1")
        other_tab.wait_for_timeout(300)
        notes = [
            note
            for tab in (dashboard, other_tab)
            for note in tab.evaluate("window.__notifications")
            if who in note["body"]
        ]
        assert notes == [{"title": "New conversation", "body": f"{who} on Demo site"}]

        # The dashboard got it live: in the list, with one more unread in the title.
        expect(item.locator(".lc-item-preview")).to_contain_text("Orders ship", timeout=AT_ONCE_MS)
        expect(item.locator(".lc-unread")).to_have_text("1")
        assert title_count(dashboard) == unread_before + 1

        # ---- the agent opens the conversation: full history, the visitor's details
        item.click()
        thread = dashboard.locator("#lc-log")
        expect(thread.locator('[data-seq="1"]')).to_contain_text("Hello, do you ship to Norway?")
        expect(thread.locator('[data-seq="2"]')).to_contain_text("Orders ship")
        details = dashboard.locator("#lc-details")
        expect(details).to_contain_text(who)
        expect(item.locator(".lc-item-name")).to_have_text("Ada Lovelace")
        expect(dashboard.locator("#lc-title")).to_have_text("Ada Lovelace")
        expect(details.locator("dd[data-verified=true]")).to_have_text("Verified")
        expect(details).to_contain_text(live_server.url.rstrip("/"))  # the page
        expect(details).to_contain_text("Chrome 1")  # the browser, e.g. "Chrome 140 on Linux"
        expect(dashboard).to_have_title(re.compile(r"^(\(\d+\) )?Live chat$"))
        dashboard.wait_for_function(f"!document.title.startsWith('({unread_before + 1})')")
        assert title_count(dashboard) == unread_before  # read, in this tab ...
        other_tab.wait_for_function(f"!document.title.startsWith('({unread_before + 1})')")

        # ---- a second message, live in the open conversation; the status is online
        box.fill("And what does it cost?")
        box.press("Enter")
        expect(log.locator('.msg.user[data-seq="3"]')).to_contain_text("what does it cost")
        expect(log.locator('.msg.assistant[data-seq="4"]')).to_be_visible(timeout=AT_ONCE_MS)
        expect(thread.locator('[data-seq="3"]')).to_contain_text(
            "what does it cost", timeout=AT_ONCE_MS
        )
        expect(thread.locator('[data-seq="4"]')).to_be_visible()
        expect(status).to_have_text("Online")

        # ---- typing both ways
        reply_box = dashboard.locator("#lc-input")
        reply_box.press_sequentially("Hi, I'm ", delay=20)
        visitor_typing = visitor.locator(f"{WIDGET} p.typing")
        expect(visitor_typing).to_be_visible(timeout=AT_ONCE_MS)
        expect(visitor_typing).to_contain_text("typing")
        box.press_sequentially("ok", delay=20)
        expect(dashboard.locator("#lc-typing")).to_have_text(
            "The visitor is typing…", timeout=AT_ONCE_MS
        )
        box.fill("")

        # ---- the agent's reply appears in the widget at once, with the agent's name
        reply_box.press_sequentially("here to help: shipping to Norway is free.", delay=5)
        reply_box.press("Enter")
        agent_reply = log.locator('.msg.agent[data-seq="5"]')
        expect(agent_reply).to_contain_text(
            "Hi, I'm here to help: shipping to Norway is free.", timeout=AT_ONCE_MS
        )
        # Visitors see the agent's first name (the demo's agent is Alex), never the username.
        expect(agent_reply.locator(".who")).to_have_text("Alex")
        expect(visitor_typing).to_be_hidden()
        expect(thread.locator('[data-seq="5"]')).to_contain_text("here to help")
        expect(dashboard.locator("#lc-typing")).to_have_text("")

        # Now that an agent answered, the responder leaves the talking to them.
        box.fill("Great, thanks!")
        box.press("Enter")
        expect(thread.locator('[data-seq="6"]')).to_contain_text("Great, thanks!")
        dashboard.wait_for_timeout(1000)
        expect(thread.locator('[data-seq="7"]')).to_have_count(0)
        expect(log.locator('[data-seq="7"]')).to_have_count(0)

        # ---- the README's screenshot
        dashboard.locator("#lc-assign").click()
        expect(dashboard.locator("#lc-assign")).to_have_text("Assigned to you")
        dashboard.screenshot(path=str(screenshot_path("dashboard.png")))

        # ---- resolve and reopen reach the visitor
        dashboard.locator("#lc-resolve").click()
        expect(log.locator(".note", has_text="marked resolved")).to_be_visible(timeout=AT_ONCE_MS)
        expect(dashboard.locator("#lc-reopen")).to_be_visible()
        expect(dashboard.locator("#lc-subtitle")).to_contain_text("Resolved")
        dashboard.locator("#lc-reopen").click()
        expect(log.locator(".note", has_text="reopened")).to_be_visible(timeout=AT_ONCE_MS)
        expect(dashboard.locator("#lc-resolve")).to_be_visible()

        assert dashboard_errors == []
        assert visitor_errors == []
        stored = live_server.call("messages", item.get_attribute("data-conversation-id"))
        assert [m["role"] for m in stored] == ["user", "assistant"] * 2 + ["agent", "user"]
    finally:
        visitor_context.close()
        agent_context.close()


# ---------------------------------------------------------------------- lossy live delivery


def visitor_api(server: Any, path: str, body: dict[str, Any], token: str = "") -> Any:
    """A visitor's call to the HTTP API, as a script without a page would make it."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{server.url}livechat/api/{path}", data=json.dumps(body).encode(), headers=headers
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.load(response)


def test_a_message_lost_on_its_way_to_the_dashboard_arrives_all_the_same(live_server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        context.set_default_timeout(20_000)
        page = context.new_page()
        errors = console_errors(page)
        page.on("pageerror", lambda e: errors.append(str(e)))
        losing = {"armed": False}
        wire = DropOneFrame(
            page,
            re.compile(r"/ws/livechat/dashboard/$"),
            lambda frame: (
                losing["armed"]
                and frame.get("type") == "chat_message"
                and frame.get("role") == "assistant"
            ),
        )
        page.clock.install()  # the page's timers, to be run ahead to its next heartbeat
        log_in_to_dashboard(page, live_server.url)

        who = f"lossy-{uuid.uuid4().hex[:8]}@example.com"
        started = visitor_api(
            live_server,
            "conversations/",
            {"website_id": live_server.website_id, "user_identifier": who},
        )
        conversation, token = started["conversation_id"], started["visitor_token"]
        visitor_api(
            live_server,
            "messages/",
            {"message": "What are your opening hours?", "client_id": "v-1"},
            token,
        )
        item = page.locator(f'#lc-list button[aria-label*="{who}"]')
        item.click()
        thread = page.locator("#lc-log")
        expect(thread.locator('[data-seq="2"]')).to_contain_text("open Monday to Friday")

        # The automatic reply's frame never reaches the dashboard. At the next heartbeat
        # (every 25 s), the answer to "what changed since" shows a newer seq, and the dashboard
        # asks for the history it misses. The agent does nothing.
        losing["armed"] = True
        visitor_api(
            live_server,
            "messages/",
            {"message": "How much is shipping?", "client_id": "v-2"},
            token,
        )
        expect(thread.locator('[data-seq="3"]')).to_contain_text("How much is shipping?")
        page.wait_for_timeout(1500)
        expect(thread.locator('[data-seq="4"]')).to_have_count(0)
        config = page.evaluate(
            "JSON.parse(document.querySelector('#livechat-dashboard-config').text)"
        )
        page.clock.fast_forward(int(config["heartbeatInterval"] * 1000))
        expect(thread.locator('[data-seq="4"]')).to_contain_text(
            "Orders ship within 1 business day"
        )
        expect(item.locator(".lc-item-preview")).to_contain_text("Orders ship")
        assert [frame["seq"] for frame in wire.dropped] == [4], "the reply's live frame was lost"
        gap = [f for f in wire.sent_of_type("history") if f.get("reason") == "gap"]
        assert gap[:1] == [
            {"type": "history", "conversation_id": conversation, "last_seq": 3, "reason": "gap"}
        ]
        assert any("changed_since" in f for f in wire.sent_of_type("conversations"))
        shown = thread.locator("[data-seq]").evaluate_all("(ns) => ns.map((n) => +n.dataset.seq)")
        assert shown == [1, 2, 3, 4], "each once, in order"
        assert errors == []
    finally:
        context.close()


class RecordedSockets:
    """The page's dashboard sockets, routed to the real server: what the page sent (parsed)
    is in ``sent``, and ``cut()`` drops the current one as a lost connection would."""

    def __init__(self, page: Any) -> None:
        self.sent: list[dict[str, Any]] = []
        self.routes: list[Any] = []
        page.route_web_socket(re.compile(r"/ws/livechat/dashboard/$"), self.route)

    def route(self, ws: Any) -> None:
        server = ws.connect_to_server()
        self.routes.append(ws)

        def to_server(message: str | bytes) -> None:
            if isinstance(message, str):
                self.sent.append(json.loads(message))
            server.send(message)

        ws.on_message(to_server)
        server.on_message(ws.send)

    def cut(self) -> None:
        self.routes[-1].close(code=4000, reason="cut by the test")

    def replies(self, client_id: str) -> list[dict[str, Any]]:
        return [
            f for f in self.sent if f.get("type") == "agent_message" and f["client_id"] == client_id
        ]


def start_conversation(server: Any, text: str, prefix: str) -> tuple[str, str]:
    """A visitor (over HTTP) starts a conversation with ``text``: (its id, the visitor)."""
    who = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    started = visitor_api(
        server, "conversations/", {"website_id": server.website_id, "user_identifier": who}
    )
    visitor_api(
        server, "messages/", {"message": text, "client_id": "v-1"}, started["visitor_token"]
    )
    return started["conversation_id"], who


def test_a_refused_reply_is_failed_with_a_retry_and_not_resent_on_reconnect(live_server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=DESKTOP)
    try:
        context.set_default_timeout(20_000)
        expect.set_options(timeout=20_000)
        page = context.new_page()
        errors = console_errors(page)
        page.on("pageerror", lambda e: errors.append(str(e)))
        sockets = RecordedSockets(page)
        log_in_to_dashboard(page, live_server.url)
        conversation, who = start_conversation(
            live_server, "Hello? The form at https://example.com/help?x=1 fails.", "refused"
        )
        page.locator(f'#lc-list button[aria-label*="{who}"]').click()
        expect(page.locator('#lc-log [data-seq="2"]')).to_be_visible()
        assert page.evaluate("location.hash") == f"#conversation={conversation}"

        # Links in messages open elsewhere; each message has its time, the full date on hover.
        link = page.locator('#lc-log [data-seq="1"] a')
        expect(link).to_have_attribute("href", "https://example.com/help?x=1")
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
        stamp = page.locator('#lc-log [data-seq="1"] time')
        expect(stamp).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
        expect(stamp).to_have_text(re.compile(r"\d"))
        assert len(stamp.get_attribute("title") or "") > len(stamp.inner_text())

        # A reply over MAX_MESSAGE_LENGTH: refused, that reply failed, with the reason and Retry.
        page.locator("#lc-input").fill("x" * 5000)
        page.locator("#lc-input").press("Enter")
        failed = page.locator("#lc-log .lc-failed")
        expect(failed).to_contain_text("not sent")
        expect(failed.locator(".lc-msg-error")).to_contain_text("Not sent:")
        expect(failed.get_by_role("button", name="Retry")).to_be_visible()
        expect(page.locator("#lc-alert")).to_be_visible()
        client_id = failed.get_attribute("data-client-id")
        assert client_id and len(sockets.replies(client_id)) == 1

        # The connection drops and comes back: the refused reply is not sent again.
        sockets.cut()
        expect(page.locator("#lc-connection[data-state=online]")).to_have_count(0, timeout=5_000)
        expect(page.locator("#lc-connection")).to_have_attribute("data-state", "online")
        page.wait_for_timeout(1_500)
        assert len(sockets.routes) == 2
        assert len(sockets.replies(client_id)) == 1, "a refused reply is never resent by itself"
        expect(failed).to_have_count(1)

        # Retry sends the same reply again (refused again: still too long).
        failed.get_by_role("button", name="Retry").click()
        page.wait_for_function(
            "() => document.querySelectorAll('#lc-log .lc-failed button').length === 1"
        )
        assert len(sockets.replies(client_id)) == 2
        # A reply that fits goes through.
        page.locator("#lc-input").fill("Sorry, try again please.")
        page.locator("#lc-input").press("Enter")
        expect(page.locator('#lc-log [data-seq="3"]')).to_contain_text("try again please")
        stored = live_server.call("messages", conversation)
        assert [m["role"] for m in stored] == ["user", "assistant", "agent"]

        # A reload reopens the conversation named in the address.
        page.reload()
        expect(page.locator("#lc-title")).to_have_text(who)
        expect(page.locator('#lc-log [data-seq="3"]')).to_contain_text("try again please")
        assert errors == []
    finally:
        context.close()


def test_the_dashboard_on_a_phone_and_axe_at_both_widths(live_server, browser):
    from playwright.sync_api import expect

    from tests.browser.axe import assert_accessible

    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    try:
        context.set_default_timeout(20_000)
        expect.set_options(timeout=20_000)
        page = context.new_page()
        errors = console_errors(page)
        page.on("pageerror", lambda e: errors.append(str(e)))
        log_in_to_dashboard(page, live_server.url)
        conversation, who = start_conversation(live_server, "Hi from my phone", "phone")
        item = page.locator(f'#lc-list button[aria-label*="{who}"]')
        expect(page.locator("#lc-conversation")).to_be_hidden()
        item.click()

        # Two views: the list is gone, the conversation fills the screen.
        expect(page.locator('#lc-log [data-seq="1"]')).to_contain_text("Hi from my phone")
        expect(page.locator(".lc-inbox")).to_be_hidden()
        boxes = {name: page.locator(name).bounding_box() for name in PHONE_PARTS}
        for name, box in boxes.items():
            assert box is not None, name
            assert box["x"] >= 0 and box["y"] >= 0, (name, box)
            assert box["x"] + box["width"] <= PHONE["width"] + 0.5, (name, box)
            assert box["y"] + box["height"] <= PHONE["height"] + 0.5, (name, box)
        names = list(boxes)
        for index, first in enumerate(names):
            for second in names[index + 1 :]:
                assert not overlap(boxes[first], boxes[second]), (first, second, boxes)
        assert boxes["#lc-log"]["height"] >= 150, boxes["#lc-log"]
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), "nothing scrolls sideways"
        assert page.evaluate("document.documentElement.scrollHeight") <= PHONE["height"]

        # The visitor's details are folded, and open on a tap.
        details = page.locator("#lc-details")
        expect(details).to_be_hidden()
        page.locator("#lc-visitor-box summary").click()
        expect(details).to_contain_text(who)
        page.locator("#lc-visitor-box summary").click()

        assert_accessible(page)

        # The agent replies from the phone.
        page.locator("#lc-input").fill("Happy to help on any screen.")
        page.locator("#lc-send").click()
        expect(page.locator("#lc-log [data-seq]").last).to_contain_text("any screen")
        stored = live_server.call("messages", conversation)
        assert stored[-1]["text"] == "Happy to help on any screen."

        # Back to the list.
        page.locator("#lc-back").click()
        expect(item).to_be_visible()
        expect(page.locator("#lc-conversation")).to_be_hidden()
        assert page.evaluate("location.hash") == ""

        # The same page at desktop width with the conversation open: axe again.
        page.set_viewport_size(DESKTOP)
        item.click()
        expect(page.locator('#lc-log [data-seq="1"]')).to_be_visible()
        expect(page.locator(".lc-inbox")).to_be_visible()
        expect(page.locator("#lc-details")).to_contain_text(who)
        assert_accessible(page)
        assert errors == []
    finally:
        context.close()


def test_the_sign_in_page_and_signing_out(live_server, browser):
    from playwright.sync_api import expect

    from tests.browser.axe import assert_accessible

    context = browser.new_context(viewport=PHONE)
    try:
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.goto(f"{live_server.url}livechat/login/?next=/livechat/dashboard/")
        expect(page).to_have_title("Sign in to live chat")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to live chat")
        assert_accessible(page)
        page.get_by_label("Username").fill(AGENT[0])
        page.get_by_label("Password").fill(AGENT[1])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r".*/livechat/dashboard/$"))
        expect(page.locator("#lc-me")).to_have_text(re.compile(r"\S"))
        # The demo's agent is staff: the header links to the admin.
        expect(page.get_by_role("link", name="Admin")).to_have_attribute("href", "/admin/")

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(lambda url: "/livechat/dashboard/" not in url)
        page.goto(f"{live_server.url}livechat/dashboard/")
        expect(page.locator("#id_username")).to_be_visible()  # signed out: asked to sign in
    finally:
        context.close()


DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
PHONE_PARTS = ("#lc-log", "#lc-input", "#lc-send")


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )
