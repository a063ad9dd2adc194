"""The example project's help-centre bot (example_project/demo/bots.py): it ranks the
demo's FAQ pages with BM25, streams the best page's answer, and hands over."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.test import override_settings
from django.urls import include, path

from demo import bots
from demo import views as demo_views
from demo.demo_data import HELP_WEBSITE_NAME, ensure_help_website
from demo.help_centre import PAGES, find_page, search, tokens
from django_livechat import pipeline
from django_livechat.models import Conversation, Message, Website
from django_livechat.responders import (
    Handoff,
    HistoryItem,
    ResponderContext,
    VisitorInfo,
    WebsiteInfo,
    accepts_context,
)
from tests.factories import make_website
from tests.sockets import Visitor


@pytest.fixture(autouse=True)
def _no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bots, "CHUNK_DELAY", 0)


def context(*history: tuple[str, str], name: str = "", agents_online: int = 1):
    now = datetime.now(timezone.utc)
    return ResponderContext(
        conversation_id=uuid.uuid4(),
        history=[HistoryItem(role, text, now) for role, text in history],
        visitor=VisitorInfo("v-1", name, "", {}, False),
        website=WebsiteInfo(uuid.uuid4(), "Demo help centre (bot)", "open"),
        agents_online=agents_online,
    )


async def ask(text: str, *earlier: tuple[str, str], **options: Any) -> Any:
    ctx = context(*earlier, ("user", text), **options)
    message = Message(content=text, role=Message.Role.USER)
    return await bots.help_centre_bot(Conversation(), message, context=ctx)


async def collect(reply: Any) -> list[str]:
    assert not isinstance(reply, Handoff | str | None), reply
    return [chunk async for chunk in reply]


@pytest.mark.parametrize(
    ("question", "slug"),
    [
        ("Can I get my money back?", "returns-and-refunds"),
        ("Where is my parcel?", "shipping-and-delivery"),
        ("my package is late", "shipping-and-delivery"),
        ("How much is the Team plan?", "plans-and-pricing"),
        ("Do you take PayPal?", "payment-methods"),
        ("Please cancel my order", "change-or-cancel-an-order"),
        ("I forgot my password", "account-and-password"),
        ("How do I change my email address?", "account-and-password"),
        ("What are your opening hours?", "opening-hours-and-contact"),
    ],
)
def test_bm25_ranks_the_right_page_first(question, slug):
    assert search(question)[0].page.slug == slug


@pytest.mark.parametrize("question", ["hello", "What is the weather like?", "thanks!", ""])
def test_small_talk_matches_no_page(question):
    assert search(question) == []


def test_words_meet_whatever_their_ending():
    assert tokens("Shipped parcels, cancelled orders") == ["ship", "parcel", "cancel", "order"]


def test_the_bot_takes_the_context_keyword():
    assert accepts_context(bots.help_centre_bot)


async def test_it_streams_the_pages_answer_and_link_in_chunks():
    pieces = await collect(await ask("How do I return an order?"))
    page = find_page("returns-and-refunds")
    assert page is not None
    assert len(pieces) > 5
    assert all(len(piece.split()) <= bots.WORDS_PER_CHUNK for piece in pieces)
    assert "".join(pieces) == f"{page.answer}\n\nMore on \u201c{page.title}\u201d: {page.path}"


async def test_it_greets_a_named_visitor_in_its_first_answer_only():
    first = "".join(await collect(await ask("refund", name="Ada")))
    assert first.startswith("Hello Ada! You can return")
    later = "".join(
        await collect(await ask("refund", ("user", "hi"), ("assistant", "Hi!"), name="Ada"))
    )
    assert later.startswith("You can return")


async def test_a_follow_up_finds_its_page_through_the_visitors_message_before():
    reply = await ask(
        "And how fast is that?",
        ("user", "I want a refund"),
        ("assistant", "You can return any order within 30 days."),
    )
    assert "".join(await collect(reply)).startswith("You can return any order")


@pytest.mark.parametrize(
    ("agents_online", "text"), [(1, bots.HANDOFF_ONLINE), (0, bots.HANDOFF_OFFLINE)]
)
async def test_it_hands_over_when_asked_for_a_person(agents_online, text):
    reply = await ask("Can I talk to a person please?", agents_online=agents_online)
    assert reply == Handoff(text=text)


async def test_no_answer_once_lists_the_topics_and_twice_hands_over():
    first = await ask("Do you sell umbrellas?")
    assert isinstance(first, str)
    assert first.startswith("I could not find that in our help centre")
    assert all(page.title.lower() in first for page in PAGES)

    second = await ask("umbrellas!", ("user", "Do you sell umbrellas?"), ("assistant", first))
    assert second == Handoff(text=bots.GAVE_UP + bots.HANDOFF_ONLINE)


# ---- Through the pipeline: the widget's socket sees the answer grow, then hand over.


@pytest.fixture
async def help_centre() -> Website:
    return await database_sync_to_async(make_website)(
        name="Demo help centre (bot)", responder="demo.bots.help_centre_bot"
    )


async def frames_until_reply(visitor: Visitor) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The ``reply_delta`` frames, then the assistant's stored ``chat_message``."""
    deltas = []
    while True:
        event = await visitor.recv()
        if event["type"] == "reply_delta":
            deltas.append(event)
        elif event["type"] == "chat_message" and event["role"] == "assistant":
            return deltas, event
        else:
            assert event["type"] in ("typing", "chat_message"), event


@pytest.mark.django_db(transaction=True)
async def test_the_widget_sees_the_bots_answer_grow_then_the_whole_answer(help_centre, monkeypatch):
    monkeypatch.setattr(bots, "CHUNK_DELAY", 0.02)  # as shipped: paced, so deltas show
    page = find_page("shipping-and-delivery")
    assert page is not None
    async with Visitor() as visitor:
        await visitor.identify(help_centre)
        await visitor.send(type="chat_message", message="Where is my parcel?", client_id="c1")
        deltas, reply = await frames_until_reply(visitor)

    whole = f"{page.answer}\n\nMore on \u201c{page.title}\u201d: {page.path}"
    assert reply["message"] == whole
    assert reply["client_id"].startswith("auto:")
    assert len(deltas) >= 2
    texts = [delta["text"] for delta in deltas]
    assert all(whole.startswith(text) for text in texts)
    assert texts == sorted(texts, key=len)
    assert {delta["client_id"] for delta in deltas} == {reply["client_id"]}


@pytest.mark.django_db(transaction=True)
async def test_asking_the_bot_for_a_person_hands_the_conversation_over(help_centre):
    async with Visitor() as visitor:
        identified = await visitor.identify(help_centre)
        await visitor.send(type="chat_message", message="Let me talk to a person", client_id="c1")
        handoff = None
        reply = None
        while handoff is None or reply is None:
            event = await visitor.recv()
            if event["type"] == "handoff":
                handoff = event
            elif event["type"] == "chat_message" and event["role"] == "assistant":
                reply = event
        # The bot is not called any more: a question gets no answer.
        await visitor.send(type="chat_message", message="Where is my parcel?", client_id="c2")
        await pipeline.drain()
        after = []
        while not await visitor.ws.receive_nothing(timeout=0.3):
            after.append(await visitor.recv())

    assert [e["role"] for e in after if e["type"] == "chat_message"] == ["user"]
    assert not [e for e in after if e["type"] == "reply_delta"]
    assert handoff["by"] == "bot"
    assert reply["message"] in (bots.HANDOFF_ONLINE, bots.HANDOFF_OFFLINE)
    conversation = await Conversation.objects.aget(pk=identified["conversation_id"])
    assert conversation.handoff_at is not None


# ---- The help centre's pages and its demo website.

urlpatterns = [
    path("", demo_views.index, name="index"),
    path("favicon.ico", demo_views.favicon, name="favicon"),
    path("help/", include("demo.urls")),
    path("livechat/", include("django_livechat.urls")),
]
DEMO_APPS = [*django_settings.INSTALLED_APPS, "demo"]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@override_settings(INSTALLED_APPS=DEMO_APPS)
def test_demo_setup_makes_the_help_centre_website_and_its_pages_show_the_bots_widget(client):
    assert client.get("/help/").context["website"] is None
    created = ensure_help_website(8000)
    again = ensure_help_website(8000)
    assert created.created and not again.created
    website = Website.objects.get(name=HELP_WEBSITE_NAME)
    assert (website.responder, website.bot_enabled) == ("demo.bots.help_centre_bot", True)
    assert website.pk == again.website.pk

    index = client.get("/help/")
    assert index.status_code == 200
    for page in PAGES:
        assert page.path.encode() in index.content
    page = client.get("/help/returns-and-refunds/")
    assert page.status_code == 200
    assert b"within 30 days" in page.content
    assert str(website.pk).encode() in page.content  # the widget, for this website
    assert client.get("/help/no-such-page/").status_code == 404
