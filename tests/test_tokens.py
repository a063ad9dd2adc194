from __future__ import annotations

import time
import uuid
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from django.core import signing
from django.test import override_settings
from rest_framework.test import APIClient

from django_livechat import pipeline
from django_livechat.tokens import (
    SALT,
    make_visitor_token,
    read_visitor_token,
    renewed_visitor_token,
)
from tests.api.conftest import assert_error, bearer, conversations_url, messages_url
from tests.factories import SHOP_ORIGIN, make_website
from tests.sockets import Visitor


def test_round_trip_and_binding():
    conversation, website = uuid.uuid4(), uuid.uuid4()
    token = make_visitor_token(conversation, website)
    assert read_visitor_token(token) == (conversation, website)
    assert str(conversation) not in token or ":" in token  # signed, not a bare id


def test_tampered_forged_or_wrong_type_tokens_are_rejected():
    token = make_visitor_token(uuid.uuid4(), uuid.uuid4())
    assert read_visitor_token(token[:-2] + "xx") is None
    assert read_visitor_token(signing.dumps({"c": str(uuid.uuid4()), "w": "x"}, salt=SALT)) is None
    assert read_visitor_token(signing.dumps({"c": str(uuid.uuid4())}, salt="other")) is None
    for bad in (None, "", 5, "x" * 600):
        assert read_visitor_token(bad) is None


def test_another_secret_key_invalidates_tokens():
    token = make_visitor_token(uuid.uuid4(), uuid.uuid4())
    with override_settings(SECRET_KEY="a-different-key"):
        assert read_visitor_token(token) is None


def test_max_age():
    token = make_visitor_token(uuid.uuid4(), uuid.uuid4())
    with override_settings(LIVECHAT={"VISITOR_TOKEN_MAX_AGE": 3600}):
        assert read_visitor_token(token) is not None
    with override_settings(LIVECHAT={"VISITOR_TOKEN_MAX_AGE": -1}):
        assert read_visitor_token(token) is None


# Expiry and renewal ----------------------------------------------------------------

DAY = 24 * 60 * 60


def token_made_ago(seconds, conversation_id=None, website_id=None):
    """A token for the conversation (a random one by default) signed ``seconds`` ago."""
    with mock.patch("time.time", return_value=time.time() - seconds):
        return make_visitor_token(conversation_id or uuid.uuid4(), website_id or uuid.uuid4())


def test_tokens_expire_after_30_days_by_default():
    assert read_visitor_token(token_made_ago(29 * DAY)) is not None
    assert read_visitor_token(token_made_ago(31 * DAY)) is None


def test_none_keeps_tokens_valid_for_good():
    with override_settings(LIVECHAT={"VISITOR_TOKEN_MAX_AGE": None}):
        old = token_made_ago(3650 * DAY)
        assert read_visitor_token(old) is not None
        assert renewed_visitor_token(old) == old


def test_a_young_token_is_kept():
    token = token_made_ago(14 * DAY)
    assert renewed_visitor_token(token) == token


def test_a_token_past_half_its_life_is_renewed_for_the_same_conversation():
    conversation, website = uuid.uuid4(), uuid.uuid4()
    old = token_made_ago(16 * DAY, conversation, website)
    new = renewed_visitor_token(old)
    assert new != old
    assert read_visitor_token(new) == (conversation, website)
    assert renewed_visitor_token(new) == new  # fresh: kept at the next rejoin
    with override_settings(LIVECHAT={"VISITOR_TOKEN_MAX_AGE": 15 * DAY}):
        assert read_visitor_token(new) is not None
        assert read_visitor_token(old) is None


def test_renewal_follows_the_setting():
    token = token_made_ago(60)
    with override_settings(LIVECHAT={"VISITOR_TOKEN_MAX_AGE": 100}):
        assert renewed_visitor_token(token) != token
    with override_settings(LIVECHAT={"VISITOR_TOKEN_MAX_AGE": 1000}):
        assert renewed_visitor_token(token) == token


def test_a_token_signed_with_a_fallback_key_is_renewed_with_the_current_key():
    conversation, website = uuid.uuid4(), uuid.uuid4()
    with override_settings(SECRET_KEY="the-retired-key"):
        old = make_visitor_token(conversation, website)
    with override_settings(SECRET_KEY="the-current-key", SECRET_KEY_FALLBACKS=["the-retired-key"]):
        assert read_visitor_token(old) == (conversation, website)
        new = renewed_visitor_token(old)
        assert new != old
    with override_settings(SECRET_KEY="the-current-key", SECRET_KEY_FALLBACKS=[]):
        assert read_visitor_token(old) is None
        assert read_visitor_token(new) == (conversation, website)


def test_an_invalid_token_is_not_renewed():
    for bad in ("forged", token_made_ago(31 * DAY)):
        assert renewed_visitor_token(bad) == bad


# A rejoining widget gets the fresh token (socket and HTTP) ---------------------------


@pytest.fixture
async def chat(transactional_db):
    """A website and a conversation on it, with a token signed 20 days ago."""
    website = await database_sync_to_async(make_website)()
    session = await pipeline.open_conversation(website_id=website.id, origin=SHOP_ORIGIN)
    old = token_made_ago(20 * DAY, session.conversation_id, website.id)
    return website, session.conversation_id, old


async def test_a_socket_rejoin_with_an_old_token_gets_a_fresh_one(chat):
    website, conversation_id, old = chat
    async with Visitor() as v:
        identified = await v.identify(
            website, conversation_id=str(conversation_id), visitor_token=old
        )
    assert identified["conversation_id"] == str(conversation_id)
    fresh = identified["visitor_token"]
    assert fresh != old
    assert read_visitor_token(fresh) == (conversation_id, website.id)
    async with Visitor() as v:  # the next rejoin keeps the fresh token
        again = await v.identify(website, visitor_token=fresh)
    assert again["visitor_token"] == fresh
    assert again["conversation_id"] == str(conversation_id)


def test_an_http_rejoin_with_an_old_token_gets_a_fresh_one(chat):
    website, conversation_id, old = chat
    api = APIClient()
    response = api.post(
        conversations_url(),
        {"website_id": str(website.id), "visitor_token": old},
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    assert response.status_code == 200
    data = response.json()
    assert data["conversation_id"] == str(conversation_id)
    assert data["visitor_token"] != old
    assert read_visitor_token(data["visitor_token"]) == (conversation_id, website.id)
    assert api.get(messages_url(), **bearer(data["visitor_token"])).status_code == 200


async def test_an_expired_token_is_forbidden_on_the_socket(chat):
    website, conversation_id, _ = chat
    expired = token_made_ago(31 * DAY, conversation_id, website.id)
    async with Visitor() as v:
        await v.send(type="identify", website_id=str(website.id), visitor_token=expired)
        error = await v.recv()
        assert (error["type"], error["code"]) == ("error", "FORBIDDEN")
        assert (await v.ws.receive_output(timeout=1))["code"] == 4403


def test_an_expired_token_is_forbidden_over_http(chat):
    website, conversation_id, _ = chat
    expired = token_made_ago(31 * DAY, conversation_id, website.id)
    api = APIClient()
    response = api.post(
        conversations_url(),
        {"website_id": str(website.id), "visitor_token": expired},
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    assert_error(response, 403, "FORBIDDEN")
    assert_error(api.get(messages_url(), **bearer(expired)), 403, "FORBIDDEN")
