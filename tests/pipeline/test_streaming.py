"""Streamed automatic replies: deltas while they run, the reply stored once when they end."""

from __future__ import annotations

import asyncio
import itertools
import logging
from uuid import uuid4

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import override_settings

from django_livechat import pipeline
from django_livechat.groups import conversation_group, website_group
from django_livechat.models import Conversation, Message, PendingReply
from django_livechat.pipeline import streams
from django_livechat.responders import Handoff
from tests.factories import make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)

HERE = "tests.pipeline.test_streaming"
CUT = "— The automatic reply was cut short; a person will follow up."


def livechat(**overrides):
    return override_settings(LIVECHAT={**settings.LIVECHAT, **overrides})


async def new_session():
    website = await database_sync_to_async(make_website)()
    return await pipeline.open_conversation(website_id=website.id, origin=None)


async def words(conversation, message):
    for word in ["Hello", " there", ", ", "friend"]:
        await asyncio.sleep(0.02)
        yield word


def sync_words(conversation, message):
    return iter(["Sync", " ", "reply"])


def sync_generator(conversation, message):
    yield "Made "
    yield "in a thread"


async def returns_iterator(conversation, message):
    return words(conversation, message)


async def stalls(conversation, message):
    yield "Half an"
    await asyncio.sleep(30)
    yield "never"


async def stalls_at_once(conversation, message):
    await asyncio.sleep(30)
    yield "never"


async def breaks(conversation, message):
    yield "Started"
    raise RuntimeError("the model went away")


async def endless(conversation, message):
    while True:
        await asyncio.sleep(0.01)
        yield "more "


async def not_text(conversation, message):
    yield 42


started = asyncio.Event()


async def slow(conversation, message):
    yield "First part"
    started.set()
    await asyncio.sleep(30)
    yield "never"


def handoff_with_words(conversation, message):
    return Handoff("Let me find someone for you.")


def quiet_handoff(conversation, message):
    return Handoff()


async def stored_replies(conversation_id):
    rows = Message.objects.filter(conversation_id=conversation_id, role="assistant")
    return [m.content async for m in rows.order_by("seq")]


async def handoff_at(conversation_id):
    return (await Conversation.objects.aget(pk=conversation_id)).handoff_at


@livechat(RESPONDER=f"{HERE}.words", STREAM_DELTA_INTERVAL=0.001)
async def test_a_stream_sends_growing_deltas_and_stores_the_whole_reply_once():
    session = await new_session()
    to_visitor = await subscribe(conversation_group(session.conversation_id))
    to_dashboards = await subscribe(website_group(session.website_id))
    result = await pipeline.post_visitor_message(
        session, content="hi", client_id="a", background=False
    )
    assert result.reply["message"] == "Hello there, friend"
    assert result.reply["role"] == "assistant" and result.reply["is_auto"] is True
    frames = await received(to_visitor)
    message_id = frames[0]["message_id"]
    deltas = [f for f in frames if f["type"] == "reply_delta"]
    assert deltas and deltas[-1]["text"] == "Hello there, friend"
    for delta in deltas:
        assert delta == {
            "type": "reply_delta",
            "conversation_id": str(session.conversation_id),
            "reply_to": message_id,
            "client_id": f"auto:{message_id}",
            "text": delta["text"],
        }
    texts = [d["text"] for d in deltas]
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts))
    # The stored reply comes last, after every delta, with the same client_id.
    chat = [f for f in frames if f["type"] == "chat_message"]
    assert chat[-1]["client_id"] == f"auto:{message_id}"
    assert frames.index(chat[-1]) > frames.index(deltas[-1])
    # Typing until the first chunk, then the bubble.
    assert [f["is_typing"] for f in frames if f["type"] == "typing"] == [True, False, False]
    assert frames.index([f for f in frames if f["type"] == "typing"][1]) < frames.index(deltas[0])
    dashboards = await received(to_dashboards)
    assert [f["text"] for f in dashboards if f["type"] == "reply_delta"][-1] == texts[-1]
    assert await stored_replies(session.conversation_id) == ["Hello there, friend"]
    assert not await PendingReply.objects.aexists()
    assert await handoff_at(session.conversation_id) is None


@livechat(RESPONDER=f"{HERE}.endless", STREAM_DELTA_INTERVAL=0.1, RESPONDER_TIMEOUT=0.55)
async def test_deltas_are_coalesced_and_a_stream_is_bounded_by_the_timeout():
    session = await new_session()
    to_visitor = await subscribe(conversation_group(session.conversation_id))
    result = await pipeline.post_visitor_message(
        session, content="hi", client_id="a", background=False
    )
    deltas = [f for f in await received(to_visitor) if f["type"] == "reply_delta"]
    # ~50 chunks in 0.55 s, at most one delta per 0.1 s.
    assert 2 <= len(deltas) <= 7
    assert result.reply["message"].endswith(CUT)
    assert result.reply["message"].startswith("more more")
    assert await handoff_at(session.conversation_id) is not None


@pytest.mark.parametrize(
    ("responder", "text"),
    [
        ("sync_words", "Sync reply"),
        ("sync_generator", "Made in a thread"),
        ("returns_iterator", "Hello there, friend"),
    ],
)
async def test_sync_iterators_and_returned_async_iterators_stream_too(responder, text):
    with livechat(RESPONDER=f"{HERE}.{responder}"):
        session = await new_session()
        result = await pipeline.post_visitor_message(
            session, content="hi", client_id="a", background=False
        )
    assert result.reply["message"] == text
    assert await stored_replies(session.conversation_id) == [text]


@livechat(RESPONDER=f"{HERE}.stalls", STREAM_STALL_TIMEOUT=0.2)
async def test_a_stalled_stream_is_stored_as_far_as_it_got_with_the_marker(caplog):
    session = await new_session()
    to_visitor = await subscribe(conversation_group(session.conversation_id))
    with caplog.at_level(logging.ERROR, "django_livechat.pipeline.replies"):
        result = await pipeline.post_visitor_message(
            session, content="hi", client_id="a", background=False
        )
    assert result.reply["message"] == f"Half an\n\n{CUT}"
    assert "stalled" in caplog.text
    frames = await received(to_visitor)
    handoffs = [f for f in frames if f["type"] == "handoff"]
    assert [h["by"] for h in handoffs] == ["bot"]
    assert await handoff_at(session.conversation_id) is not None
    # Handed over: the next message gets no automatic reply.
    again = await pipeline.post_visitor_message(
        session, content="hello?", client_id="b", background=False
    )
    assert again.reply is None
    assert await stored_replies(session.conversation_id) == [f"Half an\n\n{CUT}"]


@livechat(RESPONDER=f"{HERE}.breaks")
async def test_a_failing_stream_keeps_what_arrived_with_the_marker():
    session = await new_session()
    result = await pipeline.post_visitor_message(
        session, content="hi", client_id="a", background=False
    )
    assert result.reply["message"] == f"Started\n\n{CUT}"
    assert await handoff_at(session.conversation_id) is not None


@pytest.mark.parametrize("responder", ["stalls_at_once", "not_text"])
async def test_a_stream_that_gave_nothing_takes_the_failure_path_and_hands_over(responder):
    with livechat(RESPONDER=f"{HERE}.{responder}", STREAM_STALL_TIMEOUT=0.2):
        session = await new_session()
        to_visitor = await subscribe(conversation_group(session.conversation_id))
        result = await pipeline.post_visitor_message(
            session, content="hi", client_id="a", background=False
        )
    assert result.reply is None
    frames = await received(to_visitor)
    types = [f["type"] for f in frames]
    assert "error" in types and "handoff" in types
    assert next(f for f in frames if f["type"] == "error")["code"] == "INTERNAL_ERROR"
    assert await stored_replies(session.conversation_id) == []
    assert not await PendingReply.objects.aexists()
    assert await handoff_at(session.conversation_id) is not None


@livechat(RESPONDER=f"{HERE}.slow")
async def test_a_hand_off_stops_a_running_stream_at_once():
    global started
    started = asyncio.Event()  # of this test's loop
    session = await new_session()
    to_visitor = await subscribe(conversation_group(session.conversation_id))
    await pipeline.post_visitor_message(session, content="hi", client_id="a", background=True)
    await asyncio.wait_for(started.wait(), 5)
    assert streams.running_in(session.conversation_id) == 1
    frame, changed = await pipeline.request_handoff(session)
    assert changed and frame["by"] == "visitor"
    await asyncio.wait_for(pipeline.drain(), 5)
    assert streams.running_in(session.conversation_id) == 0
    assert await stored_replies(session.conversation_id) == [f"First part\n\n{CUT}"]
    frames = await received(to_visitor)
    assert [f["by"] for f in frames if f["type"] == "handoff"] == ["visitor"]  # only once
    assert frames[-2]["type"] == "chat_message"  # the partial, stored, replaces the bubble


async def test_a_stop_from_another_process_reaches_the_stream_through_the_layer():
    session = await new_session()
    async with streams.running(session.conversation_id, session.website_id, uuid4()) as s:
        # What another process's stop sends: only the group event, no local call.
        await streams.events.group_send(
            streams.stop_group(session.conversation_id), {"type": streams.STOP_EVENT}
        )
        for _ in range(50):
            if s.stopped:
                break
            await asyncio.sleep(0.02)
        assert s.stopped


@livechat(RESPONDER=f"{HERE}.handoff_with_words")
async def test_a_responder_hands_over_with_last_words():
    session = await new_session()
    to_dashboards = await subscribe(website_group(session.website_id))
    result = await pipeline.post_visitor_message(
        session, content="hi", client_id="a", background=False
    )
    assert result.reply["message"] == "Let me find someone for you."
    frames = await received(to_dashboards)
    assert [f["by"] for f in frames if f["type"] == "handoff"] == ["bot"]
    entry = [f for f in frames if f["type"] == "conversation"][-1]["conversation"]
    assert entry["bot_state"] == "waiting" and entry["handoff_at"] is not None


@livechat(RESPONDER=f"{HERE}.quiet_handoff")
async def test_a_responder_hands_over_without_a_word():
    session = await new_session()
    result = await pipeline.post_visitor_message(
        session, content="hi", client_id="a", background=False
    )
    assert result.reply is None
    assert await handoff_at(session.conversation_id) is not None
    assert not await PendingReply.objects.aexists()


def nul_and_long(conversation, message):
    return "bad\x00 \ud800 text " + "x" * 5000


@livechat(RESPONDER=f"{HERE}.nul_and_long", MAX_MESSAGE_LENGTH=100)
async def test_a_reply_is_cleaned_like_a_visitors_text():
    session = await new_session()
    result = await pipeline.post_visitor_message(
        session, content="hi", client_id="a", background=False
    )
    text = result.reply["message"]
    assert "\x00" not in text and "\ud800" not in text and len(text) <= 100
    assert text.startswith("bad ? text")


@livechat(RESPONDER=f"{HERE}.words", RATE_LIMIT_MESSAGES=1)
async def test_a_reply_over_the_conversations_rate_limit_is_dropped_and_hands_over(caplog):
    session = await new_session()
    with caplog.at_level(logging.WARNING, "django_livechat.pipeline.replies"):
        # The visitor's message takes the conversation's one message; its reply would
        # be the second.
        result = await pipeline.post_visitor_message(
            session, content="hi", client_id="a", background=False
        )
    assert result.reply is None
    assert "rate limit" in caplog.text
    assert await stored_replies(session.conversation_id) == []
    assert await handoff_at(session.conversation_id) is not None
    assert not await PendingReply.objects.aexists()
