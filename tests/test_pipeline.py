from __future__ import annotations

import hashlib
import hmac
import uuid

import pytest
from channels.db import database_sync_to_async
from django.test import override_settings

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Message
from django_livechat.signals import conversation_created, message_stored
from tests.factories import SHOP_ORIGIN, make_website


def test_clean_text():
    assert pipeline.clean_text("  hi  ") == "hi"
    for bad in ("", "   ", None, 3, ["x"], "a\x00b"):
        with pytest.raises(ChatError) as info:
            pipeline.clean_text(bad)
        assert info.value.code == errors.INVALID_MESSAGE
    with override_settings(LIVECHAT={"MAX_MESSAGE_LENGTH": 3}):
        assert pipeline.clean_text("abc") == "abc"
        with pytest.raises(ChatError) as info:
            pipeline.clean_text("abcd")
        assert info.value.code == errors.MESSAGE_TOO_LONG


def test_clean_client_id():
    assert pipeline.clean_client_id("abc") == "abc"
    made_up = pipeline.clean_client_id(None)
    assert len(made_up) == 32 and made_up != pipeline.clean_client_id(None)
    for bad in ("", "x" * 65, 5, "tab\there"):
        with pytest.raises(ChatError) as info:
            pipeline.clean_client_id(bad)
        assert info.value.code == errors.INVALID_MESSAGE


@pytest.mark.django_db
def test_identity_verified():
    website = make_website()
    good = hmac.new(website.identity_secret.encode(), b"user-42", hashlib.sha256).hexdigest()
    assert pipeline.identity_verified(website, "user-42", good)
    assert pipeline.identity_verified(website, "user-42", good.upper())
    assert not pipeline.identity_verified(website, "user-43", good)
    assert not pipeline.identity_verified(website, "user-42", "0" * 64)
    assert not pipeline.identity_verified(website, "user-42", None)
    assert not pipeline.identity_verified(website, "", good)


@pytest.mark.django_db(transaction=True)
async def test_verified_identity_is_recorded():
    website = await database_sync_to_async(make_website)()
    digest = hmac.new(website.identity_secret.encode(), b"user-42", hashlib.sha256).hexdigest()
    session = await pipeline.open_conversation(
        website_id=website.id,
        origin=SHOP_ORIGIN,
        user_identifier="user-42",
        identifier_hash=digest,
    )
    conversation = await Conversation.objects.aget(pk=session.conversation_id)
    assert conversation.visitor_identifier == "user-42"
    assert conversation.metadata == {"identity_verified": True}


@pytest.mark.django_db(transaction=True)
async def test_identity_and_metadata_are_validated():
    website = await database_sync_to_async(make_website)()
    for kwargs in (
        {"user_identifier": 5},
        {"user_identifier": "x" * 256},
        {"metadata": ["not", "a", "dict"]},
        {"metadata": {"big": "x" * 9000}},
    ):
        with pytest.raises(ChatError) as info:
            await pipeline.open_conversation(website_id=website.id, origin=None, **kwargs)
        assert info.value.code == errors.INVALID_MESSAGE
    assert await Conversation.objects.acount() == 0


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
async def test_reply_is_stored_once_per_visitor_message():
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    result = await pipeline.post_visitor_message(
        session, content="hi", client_id="a", background=False
    )
    message = await Message.objects.aget(pk=result.message["message_id"])
    again = await pipeline.respond(session, message)  # e.g. a retried responder run
    assert again is not None and result.reply is not None
    assert again["message_id"] == result.reply["message_id"]
    assert await Message.objects.filter(role="assistant").acount() == 1


@pytest.mark.django_db(transaction=True)
async def test_no_auto_reply_once_an_agent_replied():
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    await database_sync_to_async(Message.objects.create)(
        conversation_id=session.conversation_id, seq=1, role="agent", content="Hi, I'm Bo"
    )
    await Conversation.objects.filter(pk=session.conversation_id).aupdate(last_seq=1)
    result = await pipeline.post_visitor_message(
        session, content="thanks", client_id="a", background=False
    )
    assert result.reply is None
    assert result.message["seq"] == 2


@pytest.mark.django_db(transaction=True)
async def test_authorize_visitor():
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    again = await pipeline.authorize_visitor(session.visitor_token, origin=SHOP_ORIGIN)
    assert again.conversation_id == session.conversation_id
    for token, origin, code in (
        ("forged", None, errors.FORBIDDEN),
        (None, None, errors.FORBIDDEN),
        (session.visitor_token, "https://evil.example.net", errors.FORBIDDEN),
    ):
        with pytest.raises(ChatError) as info:
            await pipeline.authorize_visitor(token, origin=origin)
        assert info.value.code == code
    await Conversation.objects.filter(pk=session.conversation_id).adelete()
    with pytest.raises(ChatError) as info:
        await pipeline.authorize_visitor(session.visitor_token, origin=None)
    assert info.value.code == errors.FORBIDDEN
    website.is_active = False
    await database_sync_to_async(website.save)()
    other = await database_sync_to_async(make_website)(name="Other")
    live = await pipeline.open_conversation(website_id=other.id, origin=None)
    other.is_active = False
    await database_sync_to_async(other.save)()
    with pytest.raises(ChatError) as info:
        await pipeline.authorize_visitor(live.visitor_token, origin=None)
    assert info.value.code == errors.INVALID_WEBSITE


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
