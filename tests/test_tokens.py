from __future__ import annotations

import uuid

from django.core import signing
from django.test import override_settings

from django_livechat.tokens import SALT, make_visitor_token, read_visitor_token


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
