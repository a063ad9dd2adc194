"""The visitor's flow: posting, signals, history, errors that lose nothing."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import OperationalError
from django.test import override_settings

from django_livechat import errors, pipeline, store
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Message
from django_livechat.pipeline import events
from django_livechat.pipeline import sessions as sessions_module
from django_livechat.pipeline import visitor as visitor_module
from django_livechat.signals import conversation_created, message_stored
from django_livechat.store import NewMessage, append_message
from tests.factories import SHOP_ORIGIN, make_website


@pytest.mark.django_db(transaction=True)
async def test_signals_fire_once_per_stored_row():
    website = await database_sync_to_async(make_website)()
    created, stored = [], []

    def on_created(sender, conversation, **kwargs):
        created.append(conversation.id)

    def on_stored(sender, message, role, conversation_id, **kwargs):
        # Committed already: visible from a fresh query in this worker thread.
        assert Message.objects.filter(pk=message.pk).exists()
        stored.append((role, message.seq, conversation_id))

    conversation_created.connect(on_created)
    message_stored.connect(on_stored)
    try:
        session = await pipeline.open_conversation(website_id=website.id, origin=SHOP_ORIGIN)
        await pipeline.post_visitor_message(
            session, content="hello", client_id="a", background=False
        )
        await pipeline.post_visitor_message(
            session, content="hello", client_id="a", background=False
        )
    finally:
        conversation_created.disconnect(on_created)
        message_stored.disconnect(on_stored)
    assert created == [session.conversation_id]
    assert stored == [
        ("user", 1, session.conversation_id),
        ("assistant", 2, session.conversation_id),
    ]


def broken_receiver(sender, **kwargs):
    raise RuntimeError("the webhook is down")


@pytest.mark.django_db(transaction=True)
async def test_a_failing_signal_receiver_loses_nothing():
    website = await database_sync_to_async(make_website)()
    message_stored.connect(broken_receiver)
    conversation_created.connect(broken_receiver)
    try:
        session = await pipeline.open_conversation(website_id=website.id, origin=None)
        result = await pipeline.post_visitor_message(
            session, content="still stored", client_id="a", background=False
        )
    finally:
        message_stored.disconnect(broken_receiver)
        conversation_created.disconnect(broken_receiver)
    assert result.created and result.reply is not None
    assert await Message.objects.acount() == 2


@pytest.mark.django_db(transaction=True)
async def test_no_auto_reply_once_an_agent_replied():
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    await database_sync_to_async(append_message)(
        NewMessage(session.conversation_id, "agent", "Hi, I'm Bo", is_manual=True)
    )
    result = await pipeline.post_visitor_message(
        session, content="thanks", client_id="a", background=False
    )
    assert result.reply is None
    assert result.message["seq"] == 2


@pytest.mark.django_db(transaction=True)
async def test_messages_after_pages():
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    for n in range(3):
        await pipeline.post_visitor_message(
            session, content=f"m{n}", client_id=str(n), background=False
        )
    page, more = await pipeline.messages_after(session.conversation_id, 0, limit=4)
    assert [m["seq"] for m in page] == [1, 2, 3, 4] and more is True
    page, more = await pipeline.messages_after(session.conversation_id, 4, limit=4)
    assert [m["seq"] for m in page] == [5, 6] and more is False
    with pytest.raises(ChatError):
        await pipeline.messages_after(session.conversation_id, "3")
    assert uuid.UUID(page[0]["message_id"])


# ---------------------------------------------------------------- failures that lose nothing


def database_down(monkeypatch):
    """Every write fails as it does while the database server is stopped."""

    def refuse(batch):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(store._Batch, "run", refuse)


@pytest.mark.django_db(transaction=True)
async def test_a_database_outage_is_a_clear_error_and_the_retry_stores_once(monkeypatch):
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    with (
        monkeypatch.context() as patch,
        override_settings(LIVECHAT={**settings.LIVECHAT, "RATE_LIMIT_MESSAGES": 1}),
    ):
        database_down(patch)
        for _ in range(3):  # refused attempts do not use up the visitor's rate limit
            with pytest.raises(ChatError) as info:
                await pipeline.post_visitor_message(
                    session, content="hello?", client_id="c-1", background=False
                )
    assert info.value.code == errors.UNAVAILABLE and info.value.retry_after == 2.0
    assert "not be stored" in info.value.message and not await Message.objects.aexists()
    with override_settings(LIVECHAT={**settings.LIVECHAT, "RATE_LIMIT_MESSAGES": 1}):
        retry = await pipeline.post_visitor_message(
            session, content="hello?", client_id="c-1", background=False
        )
    again = await pipeline.post_visitor_message(
        session, content="hello?", client_id="c-1", background=False
    )
    assert retry.created and retry.reply is not None
    assert not again.created and again.reply == retry.reply
    assert await Message.objects.acount() == 2


class BrokenLayer:
    """A channel layer whose server is down."""

    async def group_send(self, group, message):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.django_db(transaction=True)
async def test_a_channel_layer_outage_never_fails_a_stored_message(monkeypatch, caplog):
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    before = pipeline.stats()
    monkeypatch.setattr(events, "get_channel_layer", BrokenLayer)
    result = await pipeline.post_visitor_message(
        session, content="hello", client_id="c-1", background=False
    )
    assert result.created and result.reply is not None
    after = pipeline.stats()
    assert after.failed_sends - before.failed_sends == 2  # the conversation's, the website's
    assert "Live delivery to livechat.conversation." in caplog.text
    assert f"{after.failed_sends} of {after.group_sends} group sends" in caplog.text
    assert await Message.objects.acount() == 2


@pytest.mark.django_db(transaction=True)
async def test_a_gap_repaired_by_a_client_is_logged_with_numbers(caplog):
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    for n in range(2):
        await pipeline.post_visitor_message(
            session, content=f"m{n}", client_id=str(n), background=False
        )
    before = pipeline.stats()
    page = await pipeline.history(session, 1, reason="gap")
    (frame,) = page.frames
    assert [m["seq"] for m in frame["messages"]] == [2, 3, 4] and page.floor == 4
    after = pipeline.stats()
    assert (
        after.gaps_reported - before.gaps_reported,
        after.events_missed - before.events_missed,
    ) == (1, 3)
    assert (
        f"missed 3 live message(s) of conversation {session.conversation_id} after seq 1"
        in caplog.text
    )
    # A plain history request (a reload, a rejoin) is not a gap.
    await pipeline.history(session, 0)
    assert pipeline.stats().gaps_reported == after.gaps_reported


@pytest.mark.django_db(transaction=True)
async def test_the_heartbeat_says_how_far_the_conversation_goes():
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    assert await pipeline.heartbeat(None) == {"type": "pong"}
    assert await pipeline.heartbeat(session) == {"type": "pong", "last_seq": 0, "agents_online": 0}
    await pipeline.post_visitor_message(session, content="hi", client_id="a", background=False)
    assert await pipeline.heartbeat(session) == {"type": "pong", "last_seq": 2, "agents_online": 0}
    await Conversation.objects.filter(pk=session.conversation_id).adelete()
    with pytest.raises(ChatError) as info:
        await pipeline.heartbeat(session)
    assert info.value.code == errors.FORBIDDEN


@pytest.mark.django_db(transaction=True)
async def test_a_read_that_finds_no_database_is_unavailable_too(monkeypatch):
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)

    def no_server(*args):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(visitor_module, "_last_seq_sync", no_server)
    monkeypatch.setattr(sessions_module, "_session_sync", no_server)
    for call in (
        pipeline.heartbeat(session),
        pipeline.session_from_token(session.visitor_token, origin=None),
    ):
        with pytest.raises(ChatError) as info:
            await call
        assert (info.value.code, info.value.retry_after) == (errors.UNAVAILABLE, 2.0)


# ---------------------------------------------------------------- one namespace per sender


@pytest.mark.django_db(transaction=True)
async def test_a_visitor_client_id_only_ever_matches_the_visitors_own_message():
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    first = await pipeline.post_visitor_message(
        session, content="hi", client_id="c-1", background=False
    )
    assert first.reply is not None
    await database_sync_to_async(append_message)(
        NewMessage(session.conversation_id, "agent", "Sam here", client_id="agent-7")
    )
    # The keys of the automatic reply and of the agent's message, sent by the visitor:
    # each is the visitor's own new message, never someone else's "stored copy".
    for key in (first.reply["client_id"], "agent-7"):
        result = await pipeline.post_visitor_message(
            session, content=f"mine: {key}", client_id=key, background=False
        )
        assert result.created and result.message["role"] == "user"
        assert result.message["message"] == f"mine: {key}"


async def slow_answer(conversation, message):
    await asyncio.sleep(0.2)
    return "a considered answer"


@pytest.mark.django_db(transaction=True)
async def test_a_visitor_cannot_suppress_the_reply_to_their_message():
    """While the reply is being made, the visitor sends its key (auto:<message id>) first."""
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    with override_settings(LIVECHAT={**settings.LIVECHAT, "RESPONDER": f"{__name__}.slow_answer"}):
        target = await pipeline.post_visitor_message(
            session, content="answer me", client_id="c-2", background=True
        )
        key = f"auto:{target.message['message_id']}"
        squatter = await pipeline.post_visitor_message(
            session, content="mine", client_id=key, background=True
        )
        await pipeline.drain()
    assert squatter.created and squatter.message["role"] == "user"
    reply = await Message.objects.aget(
        conversation_id=session.conversation_id, role="assistant", client_id=key
    )
    assert reply.content == "a considered answer"


@pytest.mark.django_db(transaction=True)
async def test_a_website_switched_off_mid_conversation_stores_nothing_more():
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    await pipeline.post_visitor_message(session, content="hi", client_id="1", background=False)
    website.is_active = False
    await database_sync_to_async(website.save)()
    with pytest.raises(ChatError) as info:
        await pipeline.post_visitor_message(
            session, content="still?", client_id="2", background=False
        )
    assert info.value.code == errors.INVALID_WEBSITE
    assert await Message.objects.acount() == 2
