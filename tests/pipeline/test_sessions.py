"""Visitor sessions: identities, tokens and the origin policy."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from channels.db import database_sync_to_async

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.models import Conversation
from tests.factories import SHOP_ORIGIN, make_website


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
async def test_session_from_token():
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    again = await pipeline.session_from_token(session.visitor_token, origin=SHOP_ORIGIN)
    assert again.conversation_id == session.conversation_id
    for token, origin, code in (
        ("forged", None, errors.FORBIDDEN),
        (None, None, errors.FORBIDDEN),
        (session.visitor_token, "https://evil.example.net", errors.FORBIDDEN),
    ):
        with pytest.raises(ChatError) as info:
            await pipeline.session_from_token(token, origin=origin)
        assert info.value.code == code
    await Conversation.objects.filter(pk=session.conversation_id).adelete()
    with pytest.raises(ChatError) as info:
        await pipeline.session_from_token(session.visitor_token, origin=None)
    assert info.value.code == errors.FORBIDDEN
    website.is_active = False
    await database_sync_to_async(website.save)()
    other = await database_sync_to_async(make_website)(name="Other")
    live = await pipeline.open_conversation(website_id=other.id, origin=None)
    other.is_active = False
    await database_sync_to_async(other.save)()
    with pytest.raises(ChatError) as info:
        await pipeline.session_from_token(live.visitor_token, origin=None)
    assert info.value.code == errors.INVALID_WEBSITE
