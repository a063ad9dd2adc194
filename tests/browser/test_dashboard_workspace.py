"""The agent's workspace (issue 12) in real Chromium against the example project: a canned
reply picked with ``/`` and its placeholder filled, a private note the visitor's widget
never shows, labels and the inbox filters, a search hit opened at its message, a
conversation assigned to another agent who is told at once (and sees who else is there,
and who types), the inbox worked with the keyboard alone, the shortcut list, and axe-core
at both widths with the new parts open.

The functions at the top run inside the served project (``live_server.call(...,
module=__name__)``): they add agents, labels and canned replies, and read what was stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

AGENT = ("agent", "agent")  # demo_setup's agent, Alex
WIDGET = "livechat-widget"  # Playwright's CSS pierces its open shadow root
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
PRIVATE = "Private note — only agents see this"


# ---------------------------------------------------------------- in the served project


def ensure_agent(username: str, first_name: str, website_name: str) -> Any:
    """An agent (password = username) serving one website: their user id."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from django_livechat.models import Website

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.first_name = first_name
    user.set_password(username)
    user.save()
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="django_livechat", codename="reply_conversation"
        )
    )
    Website.objects.get(name=website_name).agents.add(user)
    return user.pk


def add_canned(website_name: str, shortcut: str, text: str) -> Any:
    from django_livechat.models import CannedReply, Website

    reply, _ = CannedReply.objects.update_or_create(
        website=Website.objects.get(name=website_name),
        owner=None,
        shortcut=shortcut,
        defaults={"text": text},
    )
    return reply.pk


def add_label(website_name: str, name: str, color: str) -> Any:
    from django_livechat.models import Label, Website

    label, _ = Label.objects.get_or_create(
        website=Website.objects.get(name=website_name), name=name, defaults={"color": color}
    )
    return label.pk


def add_messages(conversation_id: str, texts: list[str]) -> list[int]:
    """Visitor messages stored one after the other (no broadcast): their seqs."""
    from django_livechat.models import Message
    from django_livechat.store import NewMessage, append_message

    seqs = []
    for text in texts:
        stored = append_message(
            NewMessage(
                conversation_id=uuid.UUID(conversation_id),
                role=str(Message.Role.USER),
                content=text,
                is_manual=False,
                metadata={},
            )
        )
        seqs.append(int(stored.message.seq))
    return seqs


def stored_notes(conversation_id: str) -> list[str]:
    from django_livechat.models import Note

    found = Note.objects.filter(conversation_id=uuid.UUID(conversation_id)).order_by("created_at")
    return [note.text for note in found]


def conversation_state(conversation_id: str) -> dict[str, Any]:
    from django_livechat.models import Conversation

    row = Conversation.objects.get(pk=uuid.UUID(conversation_id))
    return {
        "status": row.status,
        "assigned_agent": row.assigned_agent.get_username() if row.assigned_agent else None,
        "labels": sorted(label.name for label in row.labels.all()),
    }


# ---------------------------------------------------------------- in the test process


def visitor_api(server: Any, method: str, path: str, body: Any = None, token: str = "") -> Any:
    """The visitor's HTTP API, as a script without a page calls it."""
    request = urllib.request.Request(
        f"{server.url}livechat/api/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read() or b"null")


def start_conversation(server: Any, text: str, prefix: str) -> tuple[str, str, str]:
    """A visitor (over HTTP) writes ``text``: (conversation id, the visitor, their token)."""
    who = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    started = visitor_api(
        server, "POST", "conversations/", {"website_id": server.website_id, "user_identifier": who}
    )
    token = started["visitor_token"]
    visitor_api(server, "POST", "messages/", {"message": text, "client_id": "v-1"}, token)
    return started["conversation_id"], who, token


def log_in(page: Any, base_url: str, user: tuple[str, str] = AGENT, hash: str = "") -> None:
    page.goto(f"{base_url}livechat/dashboard/")
    page.fill("#id_username", user[0])
    page.fill("#id_password", user[1])
    page.click("[type=submit]")
    page.wait_for_url(re.compile(r".*/livechat/dashboard/$"))
    if hash:
        page.goto(f"{base_url}livechat/dashboard/{hash}")
    page.wait_for_selector("#lc-connection[data-state=online]")


def new_page(context: Any) -> Any:
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def item_of(page: Any, who: str) -> Any:
    return page.locator(f'#lc-list button[aria-label*="{who}"]')


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(20_000)
    expect.set_options(timeout=20_000)
    yield context
    context.close()


def test_a_canned_reply_with_its_placeholder_and_a_note_the_widget_never_shows(
    live_server, browser, desktop
):
    from playwright.sync_api import expect

    from tests.live_server import WEBSITE_NAME

    live_server.call(
        "add_canned",
        WEBSITE_NAME,
        "thanks",
        "Thanks {visitor_name}, {agent_name} from {website_name} here.",
        module=__name__,
    )
    live_server.call("add_canned", WEBSITE_NAME, "refund", "Refunds take 5 days.", module=__name__)
    dashboard = new_page(desktop)
    log_in(dashboard, live_server.url)

    # The visitor writes from the widget, with a name the placeholder fills in.
    visitor_context = browser.new_context(viewport={"width": 1000, "height": 760})
    try:
        visitor_context.set_default_timeout(20_000)
        visitor = new_page(visitor_context)
        visitor.goto(live_server.url)
        who = f"canned-{uuid.uuid4().hex[:8]}@example.com"
        digest = hmac.new(live_server.identity_secret.encode(), who.encode(), hashlib.sha256)
        visitor.evaluate(
            "([identifier, hash]) => window.LiveChat.push("
            "(chat) => chat.setUser({identifier, identifier_hash: hash, name: 'Ada Lovelace'}))",
            [who, digest.hexdigest()],
        )
        visitor.locator(f"{WIDGET} button.launcher").click()
        box = visitor.locator(f"{WIDGET} textarea")
        box.fill("Can I get my money back?")
        box.press("Enter")
        log = visitor.locator(f"{WIDGET} .log")
        expect(log.locator('.msg.user[data-seq="1"]')).to_be_visible()

        item_of(dashboard, who).click()
        expect(dashboard.locator('#lc-log [data-seq="1"]')).to_contain_text("money back")

        # "/" opens the list of canned replies; typing narrows it; arrows and Enter pick.
        reply = dashboard.locator("#lc-input")
        reply.press_sequentially("/")
        listbox = dashboard.get_by_role("listbox", name="Canned replies")
        expect(listbox).to_be_visible()
        expect(listbox.get_by_role("option", name="/thanks")).to_be_visible()
        reply.press_sequentially("th")
        expect(listbox.get_by_role("option")).to_have_count(1)
        expect(reply).to_have_attribute("aria-activedescendant", "lc-canned-0")
        reply.press("Enter")
        expect(listbox).to_be_hidden()
        expect(reply).to_have_value("Thanks Ada Lovelace, Alex from Demo site here.")
        reply.press("Enter")  # now it sends
        expect(log.locator(".msg.agent").last).to_have_text(
            re.compile("Thanks Ada Lovelace, Alex from Demo site here."), timeout=5_000
        )
        # Escape closes the list and keeps what was typed.
        reply.press_sequentially("/ref")
        expect(listbox).to_be_visible()
        reply.press("Escape")
        expect(listbox).to_be_hidden()
        expect(reply).to_have_value("/ref")
        reply.fill("")

        # A private note: marked so in the thread, stored, never on the visitor's side.
        secret = f"Internal: refund approved by finance {uuid.uuid4().hex[:6]}"
        dashboard.locator("#lc-note-mode").click()
        expect(dashboard.locator("#lc-note-mode")).to_have_attribute("aria-pressed", "true")
        expect(dashboard.locator("label[for=lc-input]")).to_have_text(PRIVATE)
        reply.fill(secret)
        reply.press("Enter")
        note = dashboard.locator("#lc-log .lc-private-note").filter(has_text=secret)
        expect(note).to_be_visible()
        expect(note.locator(".lc-private-label")).to_have_text(PRIVATE)
        expect(note).not_to_have_class(re.compile("lc-pending"))
        conversation_id = dashboard.evaluate("location.hash.split('=')[1]")
        assert live_server.call("stored_notes", conversation_id, module=__name__) == [secret]
        dashboard.locator("#lc-note-mode").click()
        expect(dashboard.locator("label[for=lc-input]")).to_have_text("Reply to the visitor")
        reply.fill("One more thing for you.")
        reply.press("Enter")
        expect(log.locator(".msg.agent").last).to_contain_text("One more thing", timeout=5_000)

        # The widget, live and after a reload (its history), never shows the note.
        expect(log).not_to_contain_text(secret)
        visitor.reload()
        visitor.locator(f"{WIDGET} button.launcher").click()
        expect(log.locator(".msg.agent").last).to_contain_text("One more thing")
        expect(log).not_to_contain_text("Internal: refund")
        # Nor the inbox's preview; and the note stays after the dashboard reloads.
        expect(item_of(dashboard, who).locator(".lc-item-preview")).not_to_contain_text(secret)
        dashboard.reload()
        kept = dashboard.locator("#lc-log .lc-private-note").filter(has_text=secret)
        expect(kept).to_be_visible()

        # The transcript's download links: without the notes, unless asked for.
        for link, kind in (("#lc-transcript-txt", "txt"), ("#lc-transcript-json", "json")):
            href = dashboard.locator(link).get_attribute("href")
            assert href.endswith(f"/transcript/?format={kind}")
            download = dashboard.request.get(live_server.url.rstrip("/") + href)
            assert download.ok, download.status
            assert "attachment" in download.headers["content-disposition"]
            assert "money back" in download.text() and secret not in download.text()
        dashboard.get_by_label("With the private notes").check()
        href = dashboard.locator("#lc-transcript-txt").get_attribute("href")
        assert href.endswith("?format=txt&notes=1")
        assert secret in dashboard.request.get(live_server.url.rstrip("/") + href).text()
        assert dashboard.errors == [] and visitor.errors == []
    finally:
        visitor_context.close()


def test_labels_and_the_inbox_filters(live_server, desktop):
    from playwright.sync_api import expect

    from tests.live_server import WEBSITE_NAME

    live_server.call("add_label", WEBSITE_NAME, "billing", "#1f6feb", module=__name__)
    live_server.call("add_label", WEBSITE_NAME, "bug", "", module=__name__)
    first, first_who, _ = start_conversation(live_server, "My invoice is wrong", "labels")
    _, second_who, _ = start_conversation(live_server, "The page crashes", "labels")
    page = new_page(desktop)
    log_in(page, live_server.url, hash=f"#conversation={first}")
    expect(page.locator('#lc-log [data-seq="1"]')).to_contain_text("invoice")

    # The picker: the website's labels as checkboxes; ticking one labels the conversation.
    picker = page.locator("#lc-label-picker")
    picker.locator("summary").click()
    picker.get_by_role("checkbox", name="billing").check()
    expect(page.locator("#lc-labels .lc-label")).to_have_text(["billing"])
    expect(item_of(page, first_who).locator(".lc-label")).to_have_text(["billing"])
    picker.locator("summary").click()
    assert live_server.call("conversation_state", first, module=__name__)["labels"] == ["billing"]

    # Filters: by label, by assignee, by status; combined.
    page.select_option("#lc-filter-label", label="billing (Demo site)")
    expect(item_of(page, first_who)).to_be_visible()
    expect(item_of(page, second_who)).to_be_hidden()
    page.select_option("#lc-filter-assignee", "me")
    expect(item_of(page, first_who)).to_be_hidden()
    page.locator("#lc-assign").click()  # assign the open (labelled) one to me
    expect(page.locator("#lc-assign")).to_have_text("Assigned to you")
    expect(item_of(page, first_who)).to_be_visible()
    page.select_option("#lc-filter-label", "")
    page.select_option("#lc-filter-assignee", "none")
    expect(item_of(page, second_who)).to_be_visible()
    expect(item_of(page, first_who)).to_be_hidden()
    page.select_option("#lc-filter", "resolved")
    expect(item_of(page, second_who)).to_be_hidden()
    page.select_option("#lc-filter", "all")
    page.select_option("#lc-filter-assignee", "anyone")
    # The agent serves two websites: a website filter, whose other website hides these.
    website = page.locator("#lc-filter-website")
    expect(website).to_be_visible()
    website.select_option(label="Demo shop (pre-chat)")
    expect(item_of(page, second_who)).to_be_hidden()
    website.select_option(label="Demo site")
    expect(item_of(page, second_who)).to_be_visible()
    assert page.errors == []


def test_a_search_hit_opens_its_conversation_at_the_message(live_server, desktop):
    from playwright.sync_api import expect

    conversation, who, _ = start_conversation(live_server, "Hello there", "search")
    word = f"zebra{uuid.uuid4().hex[:6]}"
    texts = [f"filler line {n}" for n in range(40)]
    texts[29] = f"my parcel number is {word} and it is late"
    seqs = live_server.call("add_messages", conversation, texts, module=__name__)
    hit_seq = seqs[29]
    page = new_page(desktop)
    log_in(page, live_server.url)

    page.keyboard.press("/")  # the search shortcut
    search = page.get_by_role("searchbox", name="Search conversations")
    expect(search).to_be_focused()
    search.press_sequentially(word, delay=10)
    results = page.locator("#lc-search-results")
    hit = results.locator(f'button[data-conversation-id="{conversation}"]')
    expect(hit).to_be_visible()
    expect(hit).to_have_attribute("data-seq", str(hit_seq))
    expect(hit.locator(".lc-hit-snippet")).to_contain_text(word)
    hit.click()
    message = page.locator(f'#lc-log [data-seq="{hit_seq}"]')
    expect(message).to_have_class(re.compile("lc-hit-message"))
    expect(message).to_be_in_viewport()
    expect(page.locator("#lc-title")).to_contain_text(who)
    # Escape in the box clears the search.
    search.press("Escape")
    expect(page.locator("#lc-search-box")).to_be_hidden()
    assert page.errors == []


def test_assigning_to_another_agent_who_is_told_and_sees_who_is_there(
    live_server, browser, desktop
):
    from playwright.sync_api import expect

    from tests.live_server import WEBSITE_NAME

    name = f"sam{uuid.uuid4().hex[:6]}"
    live_server.call("ensure_agent", name, "Sam", WEBSITE_NAME, module=__name__)
    conversation, who, _ = start_conversation(live_server, "Who can help me?", "assign")

    alex = new_page(desktop)
    log_in(alex, live_server.url, hash=f"#conversation={conversation}")
    sam_context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    try:
        sam_context.set_default_timeout(20_000)
        sam = new_page(sam_context)
        log_in(sam, live_server.url, user=(name, name))

        # Each sees the other online; Sam sees that Alex has this conversation open.
        expect(alex.locator("#lc-online")).to_contain_text("Sam")
        expect(sam.locator("#lc-online")).to_contain_text("Alex")
        expect(item_of(sam, who).locator(".lc-viewers")).to_contain_text("Alex")

        # Alex gives it to Sam: Sam is told at once, and opens it from the notice.
        alex.select_option("#lc-assignee", label="Sam")
        notice = sam.locator("#lc-notice")
        expect(notice).to_be_visible(timeout=5_000)
        expect(notice).to_contain_text("Alex assigned you the conversation with")
        expect(alex.locator('#lc-details dd[data-detail="assigned"]')).to_have_text("Sam")
        assert (
            live_server.call("conversation_state", conversation, module=__name__)["assigned_agent"]
            == name
        )
        sam.get_by_role("button", name="Open it").click()
        expect(sam.locator("#lc-title")).to_contain_text(who)
        expect(notice).to_be_hidden()
        expect(sam.locator("#lc-viewers")).to_contain_text("Alex")
        expect(sam.locator("#lc-assignee")).to_have_value(re.compile(r"\S"))

        # Alex types: Sam sees who is typing a reply.
        alex.locator("#lc-input").press_sequentially("Let me", delay=30)
        expect(sam.locator("#lc-typing")).to_have_text("Alex is typing a reply…", timeout=5_000)
        alex.locator("#lc-input").fill("")

        # Unassigned again.
        alex.select_option("#lc-assignee", label="Nobody")
        expect(sam.locator('#lc-details dd[data-detail="assigned"]')).to_have_text("Nobody")
        assert alex.errors == [] and sam.errors == []
    finally:
        sam_context.close()


def test_the_inbox_by_keyboard_alone_and_the_shortcut_list(live_server, desktop):
    from playwright.sync_api import expect

    first, _, _ = start_conversation(live_server, "Keyboard one", "keys")
    second, second_who, _ = start_conversation(live_server, "Keyboard two", "keys")
    page = new_page(desktop)
    log_in(page, live_server.url)
    expect(item_of(page, second_who)).to_be_visible()

    # The shortcuts are listed in the page, and ? shows them in a dialog.
    inline = page.locator("#lc-keys-inline")
    expect(inline).to_be_visible()
    expect(inline).to_contain_text("Resolve the conversation")
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for key in ("j", "k", "Enter", "r", "e", "a", "/", "?"):
        expect(dialog.locator("kbd", has_text=re.compile(f"^{re.escape(key)}$"))).to_have_count(1)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # j moves down the list (the newest first), k back up; Enter opens.
    items = page.locator("#lc-list [data-conversation-id]")
    page.keyboard.press("j")
    expect(items.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(items.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(items.nth(0)).to_be_focused()
    assert items.nth(0).get_attribute("data-conversation-id") == second
    page.keyboard.press("Enter")
    expect(page.locator("#lc-title")).to_contain_text(second_who)
    expect(page.locator('#lc-log [data-seq="1"]')).to_contain_text("Keyboard two")

    # Esc leaves the reply box (opening focused it); r comes back; Enter sends.
    page.keyboard.press("Escape")
    expect(page.locator("#lc-input")).not_to_be_focused()
    page.keyboard.press("r")
    expect(page.locator("#lc-input")).to_be_focused()
    page.keyboard.type("Answered without a mouse.")
    page.keyboard.press("Enter")
    expect(page.locator("#lc-log [data-seq]").last).to_contain_text("without a mouse")

    # Out of the box: a assigns to me, e resolves.
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    expect(page.locator("#lc-assign")).to_have_text("Assigned to you")
    page.keyboard.press("e")
    expect(page.locator("#lc-reopen")).to_be_visible()
    state = live_server.call("conversation_state", second, module=__name__)
    assert state["status"] == "resolved" and state["assigned_agent"] == AGENT[0]
    # In the reply box, the same letters are text.
    page.keyboard.press("r")
    page.keyboard.type("are")
    expect(page.locator("#lc-input")).to_have_value("are")
    assert live_server.call("conversation_state", first, module=__name__)["status"] == "open"
    assert page.errors == []


def test_axe_with_the_workspace_open_at_both_widths(live_server, desktop):
    from playwright.sync_api import expect

    from tests.browser.axe import assert_accessible
    from tests.live_server import WEBSITE_NAME

    live_server.call("add_label", WEBSITE_NAME, "billing", "#1f6feb", module=__name__)
    live_server.call("add_canned", WEBSITE_NAME, "hello", "Hello {visitor_name}!", module=__name__)
    conversation, who, _ = start_conversation(live_server, "Checking the looks", "axe")
    page = new_page(desktop)
    log_in(page, live_server.url, hash=f"#conversation={conversation}")
    expect(page.locator('#lc-log [data-seq="1"]')).to_be_visible()

    # A note in the thread, search results, the label picker and the canned list open.
    page.locator("#lc-note-mode").click()
    page.locator("#lc-input").fill("A note for the team")
    page.locator("#lc-input").press("Enter")
    expect(page.locator("#lc-log .lc-private-note")).to_be_visible()
    page.locator("#lc-note-mode").click()
    page.locator("#lc-search-input").fill("Checking")
    expect(page.locator("#lc-search-results button").first).to_be_visible()
    page.locator("#lc-label-picker summary").click()
    page.locator("#lc-input").press_sequentially("/")
    expect(page.locator("#lc-canned")).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("Escape")
    page.locator("#lc-keys-open").click()
    assert_accessible(page)
    page.keyboard.press("Escape")

    # A phone: the conversation still fits, its reply box and send button visible.
    page.set_viewport_size(PHONE)
    expect(page.locator("#lc-send")).to_be_in_viewport()
    expect(page.locator("#lc-note-mode")).to_be_in_viewport()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    ), "nothing scrolls sideways"
    assert_accessible(page)
    page.locator("#lc-back").click()
    expect(item_of(page, who)).to_be_visible()
    expect(page.locator("#lc-search-input")).to_be_in_viewport()
    assert_accessible(page)
    assert page.errors == []
