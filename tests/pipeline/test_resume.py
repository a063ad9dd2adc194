"""Resume tokens: emailed links that bring a visitor back to their conversation."""

from __future__ import annotations

import time

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.core import signing
from django.test import override_settings

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.models import Conversation
from django_livechat.pipeline.resume import make_resume_token, read_resume_token
from django_livechat.tokens import make_visitor_token
from tests.factories import SHOP_ORIGIN, make_website

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def conversation_of(**fields):
    return Conversation.objects.create(website=make_website(**fields))


async def test_a_resume_token_rejoins_its_conversation():
    conversation = await conversation_of()
    token = make_resume_token(conversation)
    assert read_resume_token(token) == (conversation.pk, conversation.website_id)
    session = await pipeline.open_conversation(
        website_id=conversation.website_id, origin=SHOP_ORIGIN, resume_token=token
    )
    assert session.conversation_id == conversation.pk and not session.created
    # The visitor gets an ordinary token to keep.
    again = await pipeline.session_from_token(session.visitor_token, origin=SHOP_ORIGIN)
    assert again.conversation_id == conversation.pk
    assert await Conversation.objects.acount() == 1


async def test_it_is_not_a_visitor_token_and_the_other_way_round():
    conversation = await conversation_of()
    with pytest.raises(ChatError) as info:
        await pipeline.session_from_token(make_resume_token(conversation), origin=SHOP_ORIGIN)
    assert info.value.code == errors.FORBIDDEN
    visitor_token = make_visitor_token(conversation.pk, conversation.website_id)
    assert read_resume_token(visitor_token) is None


async def test_forged_expired_or_foreign_tokens_are_refused():
    conversation = await conversation_of()
    other = await database_sync_to_async(make_website)(name="Blog")
    token = make_resume_token(conversation)
    for bad, website_id in (
        (token + "x", conversation.website_id),
        ("", conversation.website_id),
        (42, conversation.website_id),
        (token, other.pk),  # a token of another website
    ):
        with pytest.raises(ChatError) as info:
            await pipeline.open_conversation(
                website_id=website_id, origin=SHOP_ORIGIN, resume_token=bad
            )
        assert info.value.code == errors.FORBIDDEN
    with override_settings(LIVECHAT={**settings.LIVECHAT, "RESUME_TOKEN_MAX_AGE": 60}):
        old = signing.dumps(
            {"c": str(conversation.pk), "w": str(conversation.website_id)},
            salt="django_livechat.resume-token",
        )
        assert read_resume_token(old) is not None
        real_time = time.time
        try:
            time.time = lambda: real_time() + 61  # type: ignore[assignment]
            assert read_resume_token(old) is None
        finally:
            time.time = real_time  # type: ignore[assignment]


async def test_valid_for_seven_days_by_default():
    conversation = await conversation_of()
    token = make_resume_token(conversation)
    real_time = time.time
    try:
        time.time = lambda: real_time() + 7 * 86400 - 60  # type: ignore[assignment]
        assert read_resume_token(token) is not None
        time.time = lambda: real_time() + 7 * 86400 + 60  # type: ignore[assignment]
        assert read_resume_token(token) is None
    finally:
        time.time = real_time  # type: ignore[assignment]
