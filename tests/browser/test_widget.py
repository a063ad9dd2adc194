"""The widget in real headless Chromium against the example project served by uvicorn.

Every test starts from a fresh browser context (so a new visitor). Waits are Playwright's
auto-retrying ``expect`` assertions on what the visitor sees, never sleeps or timings.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.axe import DESKTOP, PHONE, assert_accessible
from tests.browser.wire import DropOneFrame
from tests.live_server import FAST_RECONNECT, LiveServer, embed_snippet, screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.redis]
expect.set_options(timeout=20_000)

HOURS_Q, HOURS_A = "What are your opening hours?", "We are open Monday to Friday"
SHIP_Q, SHIP_A = "How much is shipping?", "Orders ship within 1 business day"
REFUND_Q, REFUND_A = "Can I get a refund?", "You can return any order within 30 days"
# A WebSocket that never connects, as behind a proxy that blocks them.
BLOCKED_WEBSOCKET = """
window.WebSocket = class BlockedWebSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    (window.__socketAttempts = window.__socketAttempts || []).push(url);
    setTimeout(() => { this.readyState = 3; this.onclose && this.onclose({ code: 1006 }); }, 20);
  }
  send() { throw new Error("not open"); }
  close() {}
};
"""
ONLINE_OR_AWAY = re.compile(r"^(Online|Away)$")
AWAY_TEXT = "No one is here right now. Leave a message and we will reply as soon as we can."
# What a visitor's eyes and the tests read: the widget's rows in the log.
ROWS = """() => [...document.querySelector("livechat-widget").shadowRoot
  .querySelectorAll(".log .msg")].map((row) => ({
    text: row.querySelector(".bubble").textContent,
    who: row.querySelector(".who")?.textContent || "",
    role: row.className.replace("msg ", "").replace(" failed", ""),
    seq: Number(row.dataset.seq || 0),
    state: row.dataset.state || "",
  }))"""


# ---------------------------------------------------------------------- helpers


def fast(page: Page, **config: Any) -> None:
    """Quick reconnection settings (merged over the tag's by window.ChatBotConfig)."""
    page.add_init_script(f"window.ChatBotConfig = {json.dumps({**FAST_RECONNECT, **config})};")


def widget(page: Page) -> Locator:
    return page.locator("livechat-widget")


def chat_log(page: Page) -> Locator:
    return page.get_by_role("log")


def open_chat(page: Page) -> None:
    page.get_by_role("button", name="Open chat").click()
    expect(page.get_by_role("textbox", name="Type your message")).to_be_focused()


def say(page: Page, text: str) -> None:
    page.get_by_role("textbox", name="Type your message").fill(text)
    page.get_by_role("button", name="Send").click()


def rows(page: Page) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate(ROWS)
    return result


def texts(page: Page) -> list[str]:
    return [row["text"] for row in rows(page)]


def conversation_id(page: Page, server: LiveServer) -> str:
    stored = page.evaluate(f"localStorage.getItem('django-livechat:{server.website_id}')")
    assert stored, "the widget stored no conversation"
    value: str = json.loads(stored)["conversationId"]
    return value


def stored_texts(server: LiveServer, conversation: str) -> list[str]:
    return [m["text"] for m in server.call("messages", conversation)]


def wait_for_api(page: Page) -> None:
    page.wait_for_function("window.LiveChat && window.LiveChat.version")


# ---------------------------------------------------------------------- the conversation


def test_first_message_reply_typing_gone_second_message_reply(page, live_server):
    live_server.wait_until_no_agent_online()  # "Away" is asserted below
    page.goto(live_server.url)
    wait_for_api(page)
    # Loaded, but nothing written anywhere before the visitor uses it.
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == ""
    assert page.get_attribute("script[data-livechat-config]", "async") is not None

    open_chat(page)
    page.evaluate(
        """() => {
          const root = document.querySelector("livechat-widget").shadowRoot;
          const line = root.querySelector(".typing");
          window.typingSeen = [];
          new MutationObserver(() => window.typingSeen.push(!line.hidden))
            .observe(line, { attributes: true, attributeFilter: ["hidden"] });
        }"""
    )
    say(page, HOURS_Q)
    expect(chat_log(page)).to_contain_text(HOURS_A)
    expect(page.get_by_text("typing")).to_be_hidden()
    # The demo's responder answers at once, and such a reply comes without typing frames
    # around it (a slow responder's has them): shown or not, the indicator is gone.
    typing_seen = page.evaluate("window.typingSeen")
    assert typing_seen[-1:] in ([], [False])

    say(page, SHIP_Q)
    expect(chat_log(page)).to_contain_text(SHIP_A)
    expect(page.get_by_text("typing")).to_be_hidden()

    shown = rows(page)
    assert [row["seq"] for row in shown] == [1, 2, 3, 4]
    assert [row["role"] for row in shown] == ["user", "assistant", "user", "assistant"]
    assert [row["state"] for row in shown] == ["", "", "", ""], "all sent, none pending"
    assert shown[0]["text"] == HOURS_Q and shown[2]["text"] == SHIP_Q
    conversation = conversation_id(page, live_server)
    assert stored_texts(live_server, conversation) == [row["text"] for row in shown]
    expect(widget(page)).to_have_attribute("data-connection", "socket")
    # No agent has a dashboard open.
    expect(page.locator("livechat-widget .status")).to_have_text("Away")
    assert page.errors == []


def test_reload_and_other_tabs_keep_the_conversation_and_its_history(context, page, live_server):
    page.goto(live_server.url)
    open_chat(page)
    say(page, REFUND_Q)
    expect(chat_log(page)).to_contain_text(REFUND_A)
    conversation = conversation_id(page, live_server)

    page.reload()  # the panel was open: it opens again by itself
    expect(chat_log(page)).to_contain_text(REFUND_A)
    assert texts(page) == [REFUND_Q, stored_texts(live_server, conversation)[1]]
    assert conversation_id(page, live_server) == conversation

    other = context.new_page()
    other.goto(live_server.url)
    open_chat(other)
    expect(chat_log(other)).to_contain_text(REFUND_A)
    say(other, HOURS_Q)
    # Both tabs are in the same conversation and see everything once.
    for tab in (page, other):
        expect(chat_log(tab)).to_contain_text(HOURS_A)
        assert texts(tab) == stored_texts(live_server, conversation)
    assert len(stored_texts(live_server, conversation)) == 4


def test_with_the_websocket_blocked_http_delivers_both_ways(context, page, live_server):
    live_server.wait_until_no_agent_online()  # "Away" is asserted below
    page.add_init_script(BLOCKED_WEBSOCKET)
    fast(page, reconnectMaxRetries=2)
    page.goto(live_server.url)
    open_chat(page)
    say(page, HOURS_Q)
    expect(chat_log(page)).to_contain_text(HOURS_A)
    expect(page.get_by_text("typing")).to_be_hidden()
    say(page, SHIP_Q)
    expect(chat_log(page)).to_contain_text(SHIP_A)
    # The retry limit reached, the widget works over HTTP polling.
    expect(widget(page)).to_have_attribute("data-connection", "http")
    expect(page.locator("livechat-widget .status")).to_have_text("Away")  # no agent online
    conversation = conversation_id(page, live_server)

    # An agent answers while the visitor has the chat closed: polling brings it, with a badge.
    page.keyboard.press("Escape")
    live_server.call("agent_says", conversation, "Ada here, over HTTP.", "Ada")
    badge = page.locator("livechat-widget .badge")
    expect(badge).to_have_text("1")
    launcher = page.get_by_role("button", name="Open chat")
    expect(launcher).to_have_accessible_description("1 unread")
    open_chat(page)
    expect(chat_log(page)).to_contain_text("Ada here, over HTTP.")
    expect(badge).to_be_hidden()

    # Once an agent has answered, the demo's responder stays quiet: the message is stored.
    say(page, "Thanks, Ada!")
    last = page.locator("livechat-widget .msg.user[data-seq='6'] .bubble")
    expect(last).to_have_text("Thanks, Ada!")
    assert texts(page) == stored_texts(live_server, conversation)
    auto = "Automatic reply"
    assert [row["who"] for row in rows(page)] == ["", auto, "", auto, "Ada", ""]
    assert len(page.evaluate("window.__socketAttempts")) >= 3, "the socket was tried first"


def test_server_restarted_mid_conversation_nothing_lost_nothing_twice(page, live_server):
    fast(page)
    page.goto(live_server.url)
    open_chat(page)
    say(page, HOURS_Q)
    expect(chat_log(page)).to_contain_text(HOURS_A)
    conversation = conversation_id(page, live_server)

    status = page.locator("livechat-widget .status")
    expect(status).to_have_text(ONLINE_OR_AWAY)
    live_server.stop()
    try:
        expect(widget(page)).not_to_have_attribute("data-connection", "socket")
        # The socket fails and so does HTTP: "Offline" within the first attempts.
        expect(status).to_have_text("Offline", timeout=5_000)
        # Written while the server is down: it cannot be delivered, and says so.
        say(page, SHIP_Q)
        failed = page.locator("livechat-widget .msg.failed")
        expect(failed).to_have_count(1)
        expect(failed.get_by_role("button", name="Retry")).to_be_visible()
        # An agent's message stored meanwhile, which no open socket received.
        live_server.call("agent_says", conversation, "Sorry for the wait.", "Ada", False)
    finally:
        live_server.start()

    expect(widget(page)).to_have_attribute("data-connection", "socket")
    expect(status).to_have_text(ONLINE_OR_AWAY)
    # Resumed after seq 2: the agent's message arrives, and the failed one goes by itself.
    expect(chat_log(page)).to_contain_text("Sorry for the wait.")
    expect(page.locator("livechat-widget .msg.user[data-seq='4'] .bubble")).to_have_text(SHIP_Q)
    expect(page.locator("livechat-widget .msg.failed")).to_have_count(0)
    # (After an agent's message the demo's responder stays quiet: no reply to seq 4.)
    stored = stored_texts(live_server, conversation)
    assert stored == [HOURS_Q, stored[1], "Sorry for the wait.", SHIP_Q]
    assert texts(page) == stored
    assert [row["seq"] for row in rows(page)] == [1, 2, 3, 4]


def test_agent_typing_agent_reply_and_resolved_status(page, live_server):
    page.goto(live_server.url)
    open_chat(page)
    say(page, "Can I talk to a human?")
    expect(chat_log(page)).to_contain_text("support@example.com")
    expect(page.get_by_text("typing")).to_be_hidden()
    conversation = conversation_id(page, live_server)

    live_server.call("agent_typing", conversation, True)
    expect(page.get_by_text("Support is typing…")).to_be_visible()
    live_server.call("agent_says", conversation, "Hi, I am Ada. How can I help?", "Ada")
    expect(chat_log(page)).to_contain_text("Hi, I am Ada.")
    expect(page.get_by_text("typing")).to_be_hidden()
    assert rows(page)[-1]["who"] == "Ada"
    live_server.call("set_status", conversation, "resolved")
    expect(chat_log(page)).to_contain_text("This conversation was marked resolved.")


# ---------------------------------------------------------------------- safety


def test_html_in_messages_is_shown_as_text_and_never_runs(page, live_server):
    page.goto(live_server.url)
    open_chat(page)
    payload = (
        '<img src=x onerror="window.xss = 1"> <script>window.xss = 2</script> '
        '<a href="javascript:window.xss = 3">x</a> https://example.com/help'
    )
    say(page, payload)
    expect(page.locator("livechat-widget .msg.user[data-seq]")).to_have_count(1)
    conversation = conversation_id(page, live_server)
    live_server.call(
        "agent_says", conversation, '<b>bold</b><iframe src="javascript:alert(4)">', "<i>Eve</i>"
    )
    expect(chat_log(page)).to_contain_text("<b>bold</b>")

    shown = rows(page)
    assert shown[0]["text"] == payload
    assert shown[-1]["text"] == '<b>bold</b><iframe src="javascript:alert(4)">'
    assert shown[-1]["who"] == "<i>Eve</i>"
    assert page.evaluate("window.xss") is None
    elements = page.evaluate(
        """() => [...document.querySelector("livechat-widget").shadowRoot
            .querySelectorAll(".log *")].map((el) => el.tagName.toLowerCase())"""
    )
    assert not {"img", "script", "iframe", "b", "i"} & set(elements)
    links = page.locator("livechat-widget .log a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.com/help")
    expect(links).to_have_attribute("target", "_blank")
    assert "noopener" in (links.get_attribute("rel") or "")


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ margin: 0; font: 16px/1.5 sans-serif; }} main {{ padding: 32px; max-width: 560px; }}
{style}</style></head>
<body>
<main>
  <h1>{title}</h1>
  <p>Hand-made ceramics, shipped from our workshop. Free shipping over 50 EUR.</p>
  <p>Every piece is one of a kind; returns are free within 30 days.</p>
</main>
{extra}
{snippet}
</body></html>"""
HOSTILE_CSS = """
html { font-size: 40px !important; }
* { font-size: 31px !important; font-family: serif !important; color: #f0f !important;
    background: #ff0 !important; line-height: 3 !important; letter-spacing: 4px !important;
    text-transform: uppercase !important; padding: 13px !important; margin: 11px !important;
    border: 7px dashed #0f0 !important; box-sizing: content-box !important;
    opacity: .7 !important; transform: rotate(2deg) !important; filter: blur(1px) !important;
    z-index: 2147483647 !important; visibility: visible !important; }
#overlay { position: fixed !important; inset: 0 !important; z-index: 2147483647 !important;
    background: rgba(200, 0, 0, .25) !important; transform: none !important; }
"""
# Added after the widget, so that it would win on DOM order at equal z-index.
OVERLAY_AFTER_WIDGET = """<script>
document.addEventListener("livechat:ready", () => {
  const overlay = document.createElement("div");
  overlay.id = "overlay";
  document.body.append(overlay);
});
</script>"""
MEASURE = """() => {
  const host = document.querySelector("livechat-widget");
  const root = host.shadowRoot;
  const props = ["font-size", "font-family", "font-weight", "line-height", "color",
    "background-color", "padding-top", "margin-top", "border-top-width", "opacity",
    "transform", "filter", "letter-spacing", "text-transform", "display", "visibility"];
  const out = {};
  for (const selector of [".launcher", ".panel", "header", "h2", ".status", ".log", ".note",
                          "textarea", ".send", ".icon"]) {
    const el = root.querySelector(selector);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    out[selector] = { box: [box.x, box.y, box.width, box.height].map(Math.round) };
    for (const prop of props) out[selector][prop] = style.getPropertyValue(prop);
  }
  return out;
}"""


def test_hostile_host_css_changes_nothing_and_the_launcher_stays_on_top(
    page, live_server, embed_sites
):
    site, _ = embed_sites
    snippet = embed_snippet(live_server)
    plain = site.page("/plain.html", PAGE.format(title="Shop", style="", extra="", snippet=snippet))
    hostile = site.page(
        "/hostile.html",
        PAGE.format(title="Shop", style=HOSTILE_CSS, extra=OVERLAY_AFTER_WIDGET, snippet=snippet),
    )

    measured = []
    for url in (plain, hostile):
        page.goto(url)
        wait_for_api(page)
        # A real click: Playwright refuses if anything else would receive it.
        open_chat(page)
        # Settled: the extras loaded (the paperclip) and the status known (the away note).
        expect(page.get_by_role("button", name="Attach a file")).to_be_visible()
        expect(widget(page)).to_have_attribute("data-status", re.compile("^(online|away)$"))
        measured.append(page.evaluate(MEASURE))
        page.keyboard.press("Escape")  # else the next page opens it by itself (same tab)
    assert measured[0] == measured[1]

    # The overlay covers the page, yet the widget gets the pointer.
    launcher = page.evaluate(
        """() => { const b = document.querySelector("livechat-widget").shadowRoot
                     .querySelector(".launcher").getBoundingClientRect();
                   return [b.x + b.width / 2, b.y + b.height / 2]; }"""
    )
    assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).tagName", launcher) == (
        "LIVECHAT-WIDGET"
    )
    assert page.evaluate("document.elementFromPoint(400, 300).id") == "overlay"
    page.get_by_role("button", name="Open chat").click()
    expect(page.get_by_role("textbox", name="Type your message")).to_be_visible()


# ---------------------------------------------------------------------- other origins


def test_embedded_on_an_allowed_origin_it_works_and_verifies_identity(
    page, live_server, embed_sites
):
    site, _ = embed_sites
    identifier = "ann@example.com"
    identifier_hash = hmac.new(
        live_server.identity_secret.encode(), identifier.encode(), hashlib.sha256
    ).hexdigest()
    user = {"identifier": identifier, "name": "Ann", "identifier_hash": identifier_hash}
    api_calls = f"""<script>
      window.LiveChat = window.LiveChat || [];
      LiveChat.push((chat) => {{
        chat.setUser({json.dumps(user)});
        window.received = [];
        chat.on("message", (message) => window.received.push(message.role));
      }});
    </script>"""
    url = site.page(
        "/shop.html",
        PAGE.format(
            title="Clay & Co.", style="", extra=api_calls, snippet=embed_snippet(live_server)
        ),
    )
    page.set_viewport_size({"width": 1000, "height": 700})
    page.goto(url)
    open_chat(page)
    say(page, "Do you ship to Norway?")
    expect(chat_log(page)).to_contain_text(SHIP_A)
    conversation = conversation_id(page, live_server)
    live_server.call(
        "agent_says",
        conversation,
        "Hi Ann, Ada here. Yes, Norway is fine: https://example.com/shipping",
        "Ada",
    )
    expect(chat_log(page)).to_contain_text("Norway is fine")
    assert page.evaluate("window.received") == ["user", "assistant", "agent"]

    stored = live_server.call("conversation", conversation)
    assert stored["visitor_identifier"] == identifier
    assert stored["metadata"]["identity_verified"] is True
    assert stored["metadata"]["name"] == "Ann"
    assert stored["metadata"]["page"] == url

    # The README's screenshot: the widget on a page of its own, so it is the same each run.
    panel = page.locator("livechat-widget .panel").bounding_box()
    assert panel is not None
    x, y = panel["x"] - 40, panel["y"] - 24
    page.mouse.move(0, 0)
    page.screenshot(
        path=screenshot_path("widget.png"),
        clip={"x": x, "y": y, "width": 1000 - x, "height": 700 - y},
    )


def test_on_an_origin_that_is_not_allowed_the_chat_is_refused(page, live_server, embed_sites):
    _, foreign = embed_sites
    before = live_server.call("conversation_count")
    page.goto(
        foreign.page(
            "/",
            PAGE.format(title="Elsewhere", style="", extra="", snippet=embed_snippet(live_server)),
        )
    )
    open_chat(page)
    say(page, "hello?")
    expect(chat_log(page)).to_contain_text("The chat is not available on this site.")
    expect(page.locator("livechat-widget .msg.failed")).to_have_count(1)
    expect(widget(page)).to_have_attribute("data-connection", "refused")
    expect(page.locator("livechat-widget .status")).to_have_text("Offline")
    assert live_server.call("conversation_count") == before


def test_works_under_a_strict_content_security_policy(page, live_server, embed_sites):
    site, _ = embed_sites
    nonce = "r4nd0m-n0nce"
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        f"connect-src {live_server.origin} ws://127.0.0.1:{live_server.port}"
    )
    html = PAGE.format(
        title="Strict", style="", extra="", snippet=embed_snippet(live_server, nonce=nonce)
    ).replace("<style>", f'<style nonce="{nonce}">')
    url = site.page("/strict.html", html, {"Content-Security-Policy": policy})
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Security Policy" in m.text else None)
    page.goto(url)
    open_chat(page)
    say(page, HOURS_Q)
    expect(chat_log(page)).to_contain_text(HOURS_A)
    # Styled (constructed stylesheets need no 'unsafe-inline'), and connected over the socket.
    launcher = page.locator("livechat-widget .launcher")
    expect(launcher).to_have_css("background-color", "rgb(11, 110, 79)")
    expect(widget(page)).to_have_attribute("data-connection", "socket")
    assert violations == []


# ---------------------------------------------------------------------- tabs, sound, keyboard


def test_one_tab_chimes_for_a_reply_and_muting_silences_all_tabs(context, live_server):
    tabs = [context.new_page(), context.new_page()]
    for tab in tabs:
        tab.goto(live_server.url)
        wait_for_api(tab)
        tab.evaluate("() => { window.sounds = 0; LiveChat.on('sound', () => window.sounds++); }")
        open_chat(tab)
    say(tabs[0], HOURS_Q)
    for tab in tabs:
        expect(chat_log(tab)).to_contain_text(HOURS_A)
    assert sum(tab.evaluate("window.sounds") for tab in tabs) == 1

    tabs[1].get_by_role("button", name="Turn sound off").click()
    expect(tabs[0].get_by_role("button", name="Turn sound on")).to_be_visible()
    say(tabs[0], SHIP_Q)
    for tab in tabs:
        expect(chat_log(tab)).to_contain_text(SHIP_A)
    assert sum(tab.evaluate("window.sounds") for tab in tabs) == 1


def test_usable_at_320_px_with_the_keyboard_alone(browser, live_server):
    context = browser.new_context(viewport={"width": 320, "height": 640}, has_touch=True)
    try:
        page = context.new_page()
        page.goto(live_server.url)
        launcher = page.get_by_role("button", name="Open chat")
        launcher.focus()
        page.keyboard.press("Enter")
        box = page.get_by_role("textbox", name="Type your message")
        expect(box).to_be_focused()
        panel = page.locator("livechat-widget .panel").bounding_box()
        assert panel is not None
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 320
        assert panel["width"] >= 300
        font_size = box.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
        assert font_size >= 16, "smaller inputs make iOS zoom in on focus"

        page.keyboard.type(HOURS_Q)
        page.keyboard.press("Enter")
        expect(chat_log(page)).to_contain_text(HOURS_A)
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Send")).to_be_focused()
        page.keyboard.press("Escape")
        expect(box).to_be_hidden()
        expect(page.get_by_role("button", name="Open chat")).to_be_focused()
    finally:
        context.close()


# ---------------------------------------------------------------------- lossy live delivery


def test_a_reply_lost_on_its_way_to_the_widget_arrives_all_the_same(page, live_server):
    # The reply's frame never reaches the page; the heartbeat's pong names its seq, and
    # the widget asks for what it misses. The visitor does nothing.
    wire = DropOneFrame(
        page,
        re.compile(r"/ws/livechat/widget/$"),
        lambda frame: frame.get("type") == "chat_message" and frame.get("role") == "assistant",
    )
    fast(page, heartbeatInterval=1)
    page.goto(live_server.url)
    open_chat(page)
    expect(widget(page)).to_have_attribute("data-connection", "socket")  # not over HTTP
    say(page, HOURS_Q)
    expect(chat_log(page)).to_contain_text(HOURS_A)
    assert [frame["seq"] for frame in wire.dropped] == [2], "the reply's live frame was lost"
    gap = [frame for frame in wire.sent_of_type("history") if frame.get("reason") == "gap"]
    assert gap == [{"type": "history", "last_seq": 1, "reason": "gap"}]
    assert [row["seq"] for row in rows(page)] == [1, 2]
    assert [row["state"] for row in rows(page)] == ["", ""]
    expect(widget(page)).to_have_attribute("data-connection", "socket")
    assert page.errors == []


def test_a_hole_below_a_live_message_is_filled_from_history(page, live_server):
    # With the usual heartbeat: the next message's seq shows the hole at once.
    wire = DropOneFrame(
        page,
        re.compile(r"/ws/livechat/widget/$"),
        lambda frame: frame.get("type") == "chat_message" and frame.get("role") == "agent",
    )
    page.goto(live_server.url)
    open_chat(page)
    expect(widget(page)).to_have_attribute("data-connection", "socket")
    say(page, "Can I talk to a human?")
    expect(chat_log(page)).to_contain_text("support@example.com")
    conversation = conversation_id(page, live_server)
    live_server.call("agent_says", conversation, "Ada here: lost on the way?", "Ada")
    live_server.call("agent_says", conversation, "Ada again.", "Ada")
    expect(chat_log(page)).to_contain_text("Ada again.")
    expect(chat_log(page)).to_contain_text("Ada here: lost on the way?")
    assert [frame["seq"] for frame in wire.dropped] == [3]
    assert [row["seq"] for row in rows(page)] == [1, 2, 3, 4]
    assert texts(page) == stored_texts(live_server, conversation)


# ---------------------------------------------------------------------- status, input, look


def test_with_websockets_blocked_the_status_is_known_as_soon_as_http_works(page, live_server):
    live_server.wait_until_no_agent_online()  # "Away" is asserted below
    # The default retries (8, ~96 s of backoff): the status must not wait for them.
    page.add_init_script(BLOCKED_WEBSOCKET)
    page.goto(live_server.url)
    open_chat(page)
    status = page.locator("livechat-widget .status")
    # No agent has a dashboard open: "Away", with the notice, and the visitor can write.
    expect(status).to_have_text("Away", timeout=5_000)
    expect(widget(page)).to_have_attribute("data-connection", "connecting")
    expect(page.get_by_text(AWAY_TEXT)).to_be_visible()
    say(page, HOURS_Q)
    expect(chat_log(page)).to_contain_text(HOURS_A)
    expect(status).to_have_text("Away")


def test_input_limit_and_empty_messages_are_explained_never_cut(page, live_server):
    fast(page, maxMessageLength=20)
    page.goto(live_server.url)
    open_chat(page)
    box = page.get_by_role("textbox", name="Type your message")
    send = page.get_by_role("button", name="Send")
    hint = page.locator("livechat-widget #lc-hint")
    expect(send).to_be_disabled()
    box.press("Enter")
    expect(hint).to_have_text("Type a message first.")
    expect(hint).to_have_attribute("aria-live", "polite")
    expect(box).to_have_accessible_description("Type a message first.")
    box.fill("   ")
    expect(send).to_be_disabled()

    box.fill("x" * 19)
    expect(hint).to_have_text("1 characters left")
    pasted = "A pasted text of 31 characters."
    box.fill(pasted)  # as a paste: nothing is cut
    expect(box).to_have_value(pasted)
    expect(hint).to_have_text("This message is too long: at most 20 characters.")
    expect(box).to_have_attribute("aria-invalid", "")
    send.click()
    box.press("Enter")
    expect(box).to_have_value(pasted)
    assert rows(page) == [], "nothing sent"

    box.fill("Short enough.")
    expect(hint).to_have_text("")
    send.click()
    expect(page.locator("livechat-widget .msg.user .bubble")).to_have_text("Short enough.")
    expect(send).to_be_disabled()


def test_times_names_and_an_open_panel_survive_a_reload(page, live_server):
    page.goto(live_server.url)
    open_chat(page)
    say(page, HOURS_Q)
    expect(chat_log(page)).to_contain_text(HOURS_A)
    conversation = conversation_id(page, live_server)
    live_server.call("agent_says", conversation, "Ada here.", "Ada")
    expect(chat_log(page)).to_contain_text("Ada here.")
    assert [row["who"] for row in rows(page)] == ["", "Automatic reply", "Ada"]
    stamps = page.locator("livechat-widget .msg time")
    expect(stamps).to_have_count(3)
    assert re.fullmatch(r"\d{1,2}:\d{2}( [AP]M)?", stamps.first.inner_text())
    assert stamps.first.get_attribute("datetime")
    assert stamps.first.get_attribute("title")

    page.reload()  # the panel was open: it stays open, the conversation shown
    expect(chat_log(page)).to_contain_text("Ada here.")
    expect(page.get_by_role("textbox", name="Type your message")).to_be_visible()
    page.get_by_role("button", name="Close chat").first.click()
    page.reload()
    wait_for_api(page)
    expect(page.get_by_role("textbox", name="Type your message")).to_be_hidden()


def test_without_the_tag_the_website_settings_are_fetched(page, live_server, embed_sites):
    site, _ = embed_sites
    fetched: list[str] = []

    def settings(route: Any) -> None:
        fetched.append(route.request.url)
        route.fulfill(
            status=200,
            headers={"Access-Control-Allow-Origin": site.origin},
            json={
                "website_id": live_server.website_id,
                "theme": "dark",
                "color": "#7a1f5c",
                "position": "left",
                "labels": {"title": "Ask Clay & Co.", "openChat": "Ask us"},
                "agents_online": 0,
            },
        )

    page.route("**/api/websites/*/widget/", settings)
    # The page's own settings still win over the website's.
    snippet = embed_snippet(live_server, labels={"openChat": "Questions?"})
    html = PAGE.format(title="Look", style="", extra="", snippet=snippet)
    page.goto(site.page("/look.html", html))
    page.get_by_role("button", name="Questions?").click()
    expect(page.get_by_role("heading", name="Ask Clay & Co.")).to_be_visible()
    expect(widget(page)).to_have_attribute("data-position", "left")
    expect(page.locator("livechat-widget .lc")).to_have_attribute("data-theme", "dark")
    expect(page.locator("livechat-widget .launcher")).to_have_css(
        "background-color", "rgb(122, 31, 92)"
    )
    expect(page.locator("livechat-widget .status")).to_have_text("Away")
    assert fetched == [f"{live_server.url}livechat/api/websites/{live_server.website_id}/widget/"]


def test_setuser_after_an_anonymous_start_keeps_the_conversation(page, live_server):
    page.goto(live_server.url)
    open_chat(page)
    say(page, HOURS_Q)
    expect(chat_log(page)).to_contain_text(HOURS_A)
    conversation = conversation_id(page, live_server)
    identifier = "ann@example.com"
    identifier_hash = hmac.new(
        live_server.identity_secret.encode(), identifier.encode(), hashlib.sha256
    ).hexdigest()
    user = {"identifier": identifier, "hash": identifier_hash, "name": "Ann"}
    page.evaluate(f"LiveChat.setUser({json.dumps(user)})")
    page.wait_for_function(
        f"JSON.parse(localStorage.getItem('django-livechat:{live_server.website_id}'))"
        f".userIdentifier === {json.dumps(identifier)}"
    )
    assert conversation_id(page, live_server) == conversation
    stored = live_server.call("conversation", conversation)
    assert stored["visitor_identifier"] == identifier
    assert stored["metadata"]["identity_verified"] is True
    say(page, SHIP_Q)
    expect(chat_log(page)).to_contain_text(SHIP_A)
    assert texts(page)[:1] == [HOURS_Q], "the history is kept"
    assert conversation_id(page, live_server) == conversation


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_open_widget_is_accessible(browser, live_server, size):
    context = browser.new_context(viewport=size)
    try:
        page = context.new_page()
        # A widget that allows more than the server (4,000): the server refuses the message.
        page.add_init_script(
            f"window.ChatBotConfig = {json.dumps({**FAST_RECONNECT, 'maxMessageLength': 5000})};"
        )
        page.goto(live_server.url)
        open_chat(page)
        say(page, HOURS_Q)
        expect(chat_log(page)).to_contain_text(HOURS_A)
        expect(page.get_by_text(AWAY_TEXT)).to_be_visible()  # no agent online
        say(page, "x" * 4001)
        failed = page.locator("livechat-widget .msg.failed")
        expect(failed).to_have_count(1)
        expect(failed).to_contain_text("This message is too long")
        expect(page.get_by_role("button", name="Retry")).to_be_visible()
        say(page, SHIP_Q)  # the refused one does not hold the next back
        expect(chat_log(page)).to_contain_text(SHIP_A)
        expect(failed).to_have_count(1)
        assert_accessible(page)
    finally:
        context.close()
