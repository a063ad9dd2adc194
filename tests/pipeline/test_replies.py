"""The responder runner: one reply per visitor message, bounded, recovered."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from django_livechat import pipeline
from django_livechat.groups import conversation_group
from django_livechat.models import Message, PendingReply
from django_livechat.pipeline import replies
from django_livechat.responders import inline
from django_livechat.signals import message_stored
from tests.factories import make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)

HERE = "tests.pipeline.test_replies"


def livechat(**overrides):
    return override_settings(LIVECHAT={**settings.LIVECHAT, **overrides})


async def new_session():
    website = await database_sync_to_async(make_website)()
    return await pipeline.open_conversation(website_id=website.id, origin=None)


def echo(conversation, message):
    return f"echo: {message.content}"


async def async_echo(conversation, message):
    await asyncio.sleep(0)
    return f"async echo: {message.content} ({conversation.website.name})"


def failing(conversation, message):
    raise RuntimeError("the bot is down")


release = threading.Event()


def hung(conversation, message):
    release.wait(timeout=30)  # a responder stuck on a dead service
    return "too late"


async def replies_to(conversation_id):
    return [
        m async for m in Message.objects.filter(conversation_id=conversation_id, role="assistant")
    ]


async def test_reply_is_stored_once_per_visitor_message():
    session = await new_session()
    result = await pipeline.post_visitor_message(
        session, content="hi", client_id="a", background=False
    )
    message = await Message.objects.select_related("conversation__website").aget(
        pk=result.message["message_id"]
    )
    # A responder run for a message already answered (a claim that outlived its lease).
    again = await replies.answer(message, message.conversation)
    assert again is not None and result.reply is not None
    assert again["message_id"] == result.reply["message_id"]
    assert await Message.objects.filter(role="assistant").acount() == 1


@pytest.mark.parametrize("responder", ["echo", "async_echo"])
async def test_a_responder_that_is_not_inline_answers_with_typing_around(responder):
    with livechat(RESPONDER=f"{HERE}.{responder}"):
        session = await new_session()
        to_visitor = await subscribe(conversation_group(session.conversation_id))
        result = await pipeline.post_visitor_message(
            session, content="hi", client_id="a", background=False
        )
        assert result.reply is not None and result.reply["message"].endswith(
            "echo: hi" + (" (Shop)" if "async" in responder else "")
        )
        frames = await received(to_visitor)
    assert [(f["type"], f.get("is_typing")) for f in frames] == [
        ("chat_message", None),
        ("typing", True),
        ("chat_message", None),
        ("typing", False),
    ]
    assert not await PendingReply.objects.aexists()  # settled with the reply


async def test_a_failing_responder_is_reported_and_its_message_kept():
    with livechat(RESPONDER=f"{HERE}.failing"):
        session = await new_session()
        to_visitor = await subscribe(conversation_group(session.conversation_id))
        result = await pipeline.post_visitor_message(
            session, content="hi", client_id="a", background=False
        )
        frames = await received(to_visitor)
    assert result.created and result.reply is None
    assert [f["type"] for f in frames] == ["chat_message", "typing", "error", "typing"]
    assert frames[2]["code"] == "INTERNAL_ERROR" and "agent will see" in frames[2]["message"]
    assert frames[3]["is_typing"] is False  # the waiting state ends
    assert not await PendingReply.objects.aexists()  # not tried again: it was answered "no"


@inline
def broken_rule(conversation, message):
    raise ValueError("bad rule")


async def test_a_failing_inline_responder_is_reported_too():
    with livechat(RESPONDER=f"{HERE}.broken_rule"):
        session = await new_session()
        to_visitor = await subscribe(conversation_group(session.conversation_id))
        result = await pipeline.post_visitor_message(
            session, content="hi", client_id="a", background=False
        )
        frames = await received(to_visitor)
        assert result.reply is None
        assert [f["type"] for f in frames] == ["chat_message", "error"]
    with livechat(RESPONDER=f"{HERE}.broken_rule", RESPONDER_ERRORS_TO_VISITOR=False):
        await pipeline.post_visitor_message(session, content="2", client_id="b", background=False)
        assert [f["type"] for f in await received(to_visitor)] == ["chat_message"]


@livechat(RESPONDER=f"{HERE}.hung", RESPONDER_TIMEOUT=0.3, RESPONDER_CONCURRENCY=2)
async def test_hung_responders_hold_up_only_their_own_replies():
    release.clear()
    try:
        session = await new_session()
        to_visitor = await subscribe(conversation_group(session.conversation_id))
        posts = [
            pipeline.post_visitor_message(
                session, content=f"m{n}", client_id=f"{n}", background=True
            )
            for n in range(4)
        ]
        await asyncio.gather(*posts)
        # Every responder slot is stuck, yet reading, joining and posting go on.
        other = await new_session()
        history, _ = await pipeline.messages_after(session.conversation_id, 0)
        assert [m["message"] for m in history] == ["m0", "m1", "m2", "m3"]
        assert other.conversation_id != session.conversation_id
        assert not release.is_set()
        await pipeline.drain()
        frames = await received(to_visitor)
        # Each waiting visitor was told, and each typing indicator ended.
        errors = [f for f in frames if f["type"] == "error"]
        assert len(errors) == 4 and all("took too long" in e["message"] for e in errors)
        typing = [f["is_typing"] for f in frames if f["type"] == "typing"]
        assert typing.count(True) == typing.count(False) == 4
    finally:
        release.set()


async def test_a_reply_whose_process_died_is_made_by_the_recovery_once():
    with livechat(RESPONDER=f"{HERE}.echo"):
        session = await new_session()
        # Stored with its reply pending, and then the process died (nothing answered it).
        stored = await _store_pending(session, "lost?")
        assert await replies.recover_once() == 0  # its claim is still running
        await PendingReply.objects.aupdate(claimed_until=timezone.now() - timedelta(seconds=1))
        to_visitor = await subscribe(conversation_group(session.conversation_id))
        # Two processes sweep at once: one reply.
        claimed = await asyncio.gather(replies.recover_once(), replies.recover_once())
        assert sorted(claimed) == [0, 1]
        frames = await received(to_visitor)
    (reply,) = await replies_to(session.conversation_id)
    assert reply.content == "echo: lost?" and reply.client_id == f"auto:{stored.id}"
    assert [f["type"] for f in frames] == ["chat_message", "typing"]
    assert not await PendingReply.objects.aexists()


async def test_the_senders_retry_answers_a_message_left_without_reply():
    with livechat(RESPONDER=f"{HERE}.echo"):
        session = await new_session()
        stored = await _store_pending(session, "anyone?", client_id="c-9")
        await PendingReply.objects.aupdate(claimed_until=timezone.now() - timedelta(seconds=1))
        retry = await pipeline.post_visitor_message(
            session, content="anyone?", client_id="c-9", background=False
        )
        again = await pipeline.post_visitor_message(
            session, content="anyone?", client_id="c-9", background=False
        )
    assert not retry.created and retry.message["message_id"] == str(stored.id)
    assert retry.reply is not None and retry.reply["message"] == "echo: anyone?"
    assert again.reply == retry.reply
    assert len(await replies_to(session.conversation_id)) == 1


async def test_the_recovery_task_runs_in_every_process():
    with livechat(RESPONDER=f"{HERE}.echo", RESPONDER_TIMEOUT=1):
        assert replies.recovery_interval() == 1.0
        session = await new_session()
        await _store_pending(session, "swept?")
        await PendingReply.objects.aupdate(claimed_until=timezone.now() - timedelta(seconds=1))
        answered = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_stored(sender, message, role, **kwargs):
            if role == "assistant":
                loop.call_soon_threadsafe(answered.set)

        message_stored.connect(on_stored)
        try:
            replies.ensure_recovery()  # what every pipeline entry point does
            await asyncio.wait_for(answered.wait(), timeout=10)
        finally:
            message_stored.disconnect(on_stored)
    assert len(await replies_to(session.conversation_id)) == 1


async def test_the_responder_is_resolved_once_and_again_after_a_change():
    first = replies.get_responder()
    assert replies.get_responder() is first
    with livechat(RESPONDER=f"{HERE}.echo"):
        assert replies.get_responder() is echo
        assert replies.plan().inline is None  # not marked inline
    assert replies.get_responder() is first and replies.plan().inline is not None


async def _store_pending(session, text, client_id="c-1"):
    from django_livechat.store import NewMessage, ReplyPlan
    from django_livechat.writer import store

    stored = await store(
        NewMessage(
            session.conversation_id, "user", text, client_id=client_id, reply=ReplyPlan(lease=30)
        )
    )
    return stored.message
