from __future__ import annotations

import uuid

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from django_livechat import errors
from django_livechat.api.authentication import VisitorTokenAuthentication, visitor_session
from django_livechat.errors import ChatError
from django_livechat.pipeline import VisitorSession
from django_livechat.tokens import make_visitor_token
from tests.api.conftest import FOREIGN_ORIGIN, open_conversation
from tests.factories import SHOP_ORIGIN

pytestmark = pytest.mark.django_db(transaction=True)

factory = APIRequestFactory()


def request(authorization: str | bytes | None = None, origin: str | None = SHOP_ORIGIN) -> Request:
    extra = {}
    if authorization is not None:
        extra["HTTP_AUTHORIZATION"] = authorization
    if origin is not None:
        extra["HTTP_ORIGIN"] = origin
    return Request(factory.get("/", **extra), authenticators=[VisitorTokenAuthentication()])


@pytest.fixture
def conversation(api, website):
    return open_conversation(api, website)


def test_a_bearer_token_grants_its_conversation(conversation):
    for scheme in ("Bearer", "bearer", "BEARER"):
        req = request(f"{scheme} {conversation['visitor_token']}")
        assert req.user.is_anonymous  # a capability, not an account
        session = visitor_session(req)
        assert isinstance(session, VisitorSession)
        assert str(session.conversation_id) == conversation["conversation_id"]
        assert str(session.website_id) == conversation["website_id"]
        assert session.visitor_token == conversation["visitor_token"]
        assert session.created is False


@pytest.mark.parametrize(
    "authorization", [None, "", "Basic dXNlcjpwYXNz", "Token abc", "Bearer", "Bearer "]
)
def test_no_bearer_token_authenticates_nobody(authorization, transactional_db):
    req = request(authorization)
    assert req.auth is None
    assert req.user.is_anonymous
    with pytest.raises(ChatError) as info:
        visitor_session(req)
    assert info.value.code == errors.NOT_IDENTIFIED  # HTTP 401


@pytest.mark.parametrize(
    "authorization",
    ["Bearer a b", "Bearer not-a-token", "Bearer caf\u00e9".encode("latin-1")],
)
def test_a_bad_bearer_token_is_refused(authorization, transactional_db):
    with pytest.raises(ChatError) as info:
        request(authorization).user  # noqa: B018  (authenticates)
    assert info.value.code == errors.FORBIDDEN


def test_a_token_for_a_conversation_that_does_not_exist(website):
    token = make_visitor_token(uuid.uuid4(), website.id)
    with pytest.raises(ChatError) as info:
        request(f"Bearer {token}").user  # noqa: B018
    assert info.value.code == errors.FORBIDDEN


def test_the_origin_is_checked(conversation):
    token = conversation["visitor_token"]
    with pytest.raises(ChatError) as info:
        request(f"Bearer {token}", origin=FOREIGN_ORIGIN).user  # noqa: B018
    assert info.value.code == errors.FORBIDDEN
    assert isinstance(request(f"Bearer {token}", origin=None).auth, VisitorSession)
