from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import OperationalError
from django.test import override_settings
from rest_framework.test import APIClient

from django_livechat import errors, store
from django_livechat.api import serializers
from django_livechat.conf import DEFAULT_AUTO_RESPONSE_AWAY_TEXT
from django_livechat.models import Conversation, Message, Website
from django_livechat.signals import conversation_created, message_stored
from django_livechat.tokens import make_visitor_token
from tests.api.conftest import (
    FOREIGN_ORIGIN,
    assert_error,
    bearer,
    conversations_url,
    messages_url,
    open_conversation,
    post_message,
)
from tests.factories import SHOP_ORIGIN, make_website

pytestmark = pytest.mark.django_db(transaction=True)


def livechat(**overrides):
    return override_settings(LIVECHAT={**settings.LIVECHAT, **overrides})


def failing_responder(conversation, message):
    raise RuntimeError("the responder is down")


# ---------------------------------------------------------------- conversations


def test_create_a_conversation(api, website):
    response = api.post(
        conversations_url(),
        {"website_id": str(website.id), "user_identifier": "ann", "metadata": {"page": "/"}},
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    assert response.status_code == 201
    data = response.json()
    assert set(data) == {
        "type",
        "conversation_id",
        "website_id",
        "user_identifier",
        "visitor_token",
        "status",
        "conversation_status",
        "agents_online",
        "rated",
        "handoff_at",
        "availability",
    }
    assert data["agents_online"] == 0
    assert data["rated"] is False
    assert data["handoff_at"] is None
    assert data["type"] == "identified"
    assert data["status"] == "success"
    assert data["conversation_status"] == "open"
    assert data["website_id"] == str(website.id)
    assert data["user_identifier"] == "ann"
    conversation = Conversation.objects.get(pk=data["conversation_id"])
    assert conversation.website_id == website.id
    assert conversation.visitor_identifier == "ann"
    assert conversation.metadata == {"page": "/", "identity_verified": False}
    # The token is the visitor's key to the conversation.
    listed = api.get(messages_url(), **bearer(data["visitor_token"]))
    assert listed.status_code == 200
    assert listed.json() == {
        "conversation_id": data["conversation_id"],
        "messages": [],
        "has_more": False,
        "agents_online": 0,
        "availability": {"open": True, "reply_time": None, "next_open": None},
    }


def test_rejoin_with_the_token(api, website):
    first = open_conversation(api, website)
    for body in (
        {"visitor_token": first["visitor_token"]},
        {"visitor_token": first["visitor_token"], "conversation_id": first["conversation_id"]},
    ):
        response = api.post(
            conversations_url(),
            {"website_id": str(website.id), **body},
            format="json",
            HTTP_ORIGIN=SHOP_ORIGIN,
        )
        assert response.status_code == 200
        assert response.json()["conversation_id"] == first["conversation_id"]
        assert response.json()["visitor_token"] == first["visitor_token"]
    assert Conversation.objects.count() == 1


def test_a_client_without_origin_is_allowed(api, website):
    # Not a browser (a server, curl): nothing to check the origin of.
    response = api.post(conversations_url(), {"website_id": str(website.id)}, format="json")
    assert response.status_code == 201
    token = response.json()["visitor_token"]
    assert post_message(api, token, "hi", origin=None).status_code == 201


@pytest.mark.parametrize("website_id", [str(uuid.uuid4()), "not-a-uuid", 42, None, "inactive"])
def test_unknown_or_inactive_website(api, website_id):
    if website_id == "inactive":
        website_id = str(make_website(is_active=False).id)
    response = api.post(
        conversations_url(), {"website_id": website_id}, format="json", HTTP_ORIGIN=SHOP_ORIGIN
    )
    assert_error(response, 404, errors.INVALID_WEBSITE)
    assert Conversation.objects.count() == 0


def test_missing_website_id(api, transactional_db):
    response = api.post(conversations_url(), {}, format="json", HTTP_ORIGIN=SHOP_ORIGIN)
    assert_error(response, 404, errors.INVALID_WEBSITE)


def test_conversation_id_without_its_token(api, website):
    first = open_conversation(api, website)
    response = api.post(
        conversations_url(),
        {"website_id": str(website.id), "conversation_id": first["conversation_id"]},
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    assert_error(response, 403, errors.FORBIDDEN)
    assert Conversation.objects.count() == 1


def test_someone_elses_or_a_guessed_conversation(api, website):
    mine = open_conversation(api, website)
    theirs = open_conversation(api, website)
    other_site = make_website(name="Other")
    stranger = open_conversation(api, other_site)
    attempts = [
        # My token, someone else's conversation.
        {"visitor_token": mine["visitor_token"], "conversation_id": theirs["conversation_id"]},
        # My token, a guessed conversation id.
        {"visitor_token": mine["visitor_token"], "conversation_id": str(uuid.uuid4())},
        # A token of another website's conversation.
        {"visitor_token": stranger["visitor_token"]},
        # A token for a conversation id that was never issued one.
        {"visitor_token": make_visitor_token(uuid.uuid4(), website.id)},
        # A forged token.
        {"visitor_token": mine["visitor_token"][:-2] + "xx"},
    ]
    for body in attempts:
        response = api.post(
            conversations_url(),
            {"website_id": str(website.id), **body},
            format="json",
            HTTP_ORIGIN=SHOP_ORIGIN,
        )
        assert_error(response, 403, errors.FORBIDDEN)
    assert Conversation.objects.count() == 3


def test_identity_and_metadata_are_validated(api, website):
    for body in ({"user_identifier": 5}, {"metadata": ["a"]}, {"metadata": {"x": "y" * 9000}}):
        response = api.post(
            conversations_url(),
            {"website_id": str(website.id), **body},
            format="json",
            HTTP_ORIGIN=SHOP_ORIGIN,
        )
        assert_error(response, 400, errors.INVALID_MESSAGE)
    assert Conversation.objects.count() == 0


# ---------------------------------------------------------------- posting


def test_post_a_message(api, website):
    token = open_conversation(api, website)["visitor_token"]
    response = post_message(api, token, "  Where is my order?  ", "c-1")
    assert response.status_code == 201
    data = response.json()
    message, reply = data["message"], data["reply"]
    assert message["seq"] == 1
    assert message["role"] == "user"
    assert message["message"] == "Where is my order?"
    assert message["client_id"] == "c-1"
    assert message["is_auto"] is False
    assert reply["seq"] == 2
    assert reply["role"] == "assistant"
    assert reply["is_auto"] is True
    assert reply["message"] == DEFAULT_AUTO_RESPONSE_AWAY_TEXT
    # Nobody has a dashboard open: the away text (issue 11).
    assert reply["message"] == (
        "Thanks for your message! No one is available right now; we will reply as soon as we can."
    )
    stored = list(Message.objects.order_by("seq").values_list("seq", "role", "content"))
    assert stored == [
        (1, "user", "Where is my order?"),
        (2, "assistant", DEFAULT_AUTO_RESPONSE_AWAY_TEXT),
    ]
    assert str(Message.objects.get(seq=1).id) == message["message_id"]


def test_the_same_client_id_twice_stores_one_message(api, website):
    token = open_conversation(api, website)["visitor_token"]
    first = post_message(api, token, "hello", "retry-me")
    again = post_message(api, token, "hello", "retry-me")
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["message"] == first.json()["message"]
    # The retry also hands back the reply stored the first time, not a second one.
    assert again.json()["reply"] == first.json()["reply"]
    assert again.json()["reply"]["role"] == "assistant"
    assert Message.objects.filter(role="user").count() == 1
    assert Message.objects.filter(client_id="retry-me").count() == 1
    assert Message.objects.count() == 2  # and one acknowledgement


def test_without_a_client_id_every_post_is_new(api, website):
    token = open_conversation(api, website)["visitor_token"]
    first = post_message(api, token, "hello")
    second = post_message(api, token, "hello")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["message"]["message_id"] != second.json()["message"]["message_id"]
    assert Message.objects.filter(role="user").count() == 2


@pytest.mark.parametrize("message", ["", "   ", 5, None, ["hi"], {"text": "hi"}, "a\x00b"])
def test_a_malformed_message(api, website, message):
    token = open_conversation(api, website)["visitor_token"]
    response = api.post(
        messages_url(), {"message": message, "client_id": "c"}, format="json", **bearer(token)
    )
    assert_error(response, 400, errors.INVALID_MESSAGE)
    assert not Message.objects.exists()


def test_a_missing_message(api, website):
    token = open_conversation(api, website)["visitor_token"]
    response = api.post(messages_url(), {"client_id": "c"}, format="json", **bearer(token))
    data = assert_error(response, 400, errors.INVALID_MESSAGE)
    assert "message" in data["message"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("client_id", ["", "x" * 65, 7, "tab\there"])
def test_a_malformed_client_id(api, website, client_id):
    token = open_conversation(api, website)["visitor_token"]
    response = api.post(
        messages_url(), {"message": "hi", "client_id": client_id}, format="json", **bearer(token)
    )
    assert_error(response, 400, errors.INVALID_MESSAGE)
    assert not Message.objects.exists()


def test_a_message_too_long(api, website):
    token = open_conversation(api, website)["visitor_token"]
    with livechat(MAX_MESSAGE_LENGTH=10):
        assert post_message(api, token, "x" * 10, "ok").status_code == 201
        response = post_message(api, token, "x" * 11, "too-long")
    assert_error(response, 413, errors.MESSAGE_TOO_LONG)
    assert not Message.objects.filter(client_id="too-long").exists()


def test_rate_limited(api, website):
    token = open_conversation(api, website)["visitor_token"]
    with livechat(RATE_LIMIT_MESSAGES=2, RATE_LIMIT_PERIOD=30):
        assert post_message(api, token, "one", "1").status_code == 201
        assert post_message(api, token, "two", "2").status_code == 201
        response = post_message(api, token, "three", "3")
    data = assert_error(response, 429, errors.RATE_LIMITED)
    # The shared limit estimates its sliding window from two fixed ones: a wait of up to
    # (1 + 1/limit) periods.
    assert 0 < data["retry_after"] <= 45
    assert 1 <= int(response["Retry-After"]) <= 45
    assert data["client_id"] == "3"  # which pending message the refusal is about
    assert not Message.objects.filter(client_id="3").exists()


def test_a_database_outage_answers_503_and_the_retry_stores_once(api, website, monkeypatch):
    token = open_conversation(api, website)["visitor_token"]

    def refuse(batch):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:
        patch.setattr(store._Batch, "run", refuse)
        response = post_message(api, token, "hello?", "c-1")
    data = assert_error(response, 503, errors.UNAVAILABLE)
    assert (data["client_id"], data["retry_after"], response["Retry-After"]) == ("c-1", 2.0, "2")
    assert not Message.objects.exists()
    retry = post_message(api, token, "hello?", "c-1")
    assert retry.status_code == 201 and retry.json()["reply"] is not None
    assert Message.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"message": "hi",', "application/json"),
        ("[1, 2]", "application/json"),
        ('"hi"', "application/json"),
        ("message=hi", "application/x-www-form-urlencoded"),
        ("hi", "text/plain"),
    ],
)
def test_a_body_that_is_not_a_json_object(api, website, body, content_type):
    token = open_conversation(api, website)["visitor_token"]
    response = api.generic("POST", messages_url(), body, content_type=content_type, **bearer(token))
    assert_error(response, 400, errors.INVALID_JSON)
    response = api.generic(
        "POST", conversations_url(), body, content_type=content_type, HTTP_ORIGIN=SHOP_ORIGIN
    )
    assert_error(response, 400, errors.INVALID_JSON)
    assert not Message.objects.exists()


def test_a_failing_responder_keeps_the_message(api, website):
    token = open_conversation(api, website)["visitor_token"]
    with livechat(RESPONDER="tests.api.test_views.failing_responder"):
        response = post_message(api, token, "anyone there?", "c-1")
    assert response.status_code == 201
    assert response.json()["reply"] is None
    assert response.json()["message"]["message"] == "anyone there?"
    assert list(Message.objects.values_list("role", "content")) == [("user", "anyone there?")]


def test_signals_fire(api, website):
    created, stored = [], []

    def on_created(sender, conversation, **kwargs):
        created.append(conversation.id)

    def on_stored(sender, message, role, conversation_id, **kwargs):
        stored.append((role, message.seq, conversation_id))

    conversation_created.connect(on_created)
    message_stored.connect(on_stored)
    try:
        data = open_conversation(api, website)
        open_conversation(api, website, visitor_token=data["visitor_token"])  # a rejoin
        post_message(api, data["visitor_token"], "hello", "c-1")
        post_message(api, data["visitor_token"], "hello", "c-1")  # a repeat
    finally:
        conversation_created.disconnect(on_created)
        message_stored.disconnect(on_stored)
    conversation_id = uuid.UUID(data["conversation_id"])
    assert created == [conversation_id]
    assert stored == [("user", 1, conversation_id), ("assistant", 2, conversation_id)]


# ---------------------------------------------------------------- authorization


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"]
)
def test_no_bearer_token_is_a_401_that_says_how_to_authenticate(api, website, authorization):
    open_conversation(api, website)
    extra = {"HTTP_ORIGIN": SHOP_ORIGIN}
    if authorization is not None:
        extra["HTTP_AUTHORIZATION"] = authorization
    posted = api.post(messages_url(), {"message": "hi", "client_id": "c"}, format="json", **extra)
    listed = api.get(messages_url(), **extra)
    for response in (posted, listed):
        data = assert_error(response, 401, errors.NOT_IDENTIFIED)
        assert response["WWW-Authenticate"] == 'Bearer realm="livechat"'
        assert "visitor_token" in data["message"]
    assert posted.json()["client_id"] == "c"
    assert not Message.objects.exists()


@pytest.mark.parametrize("authorization", ["Bearer a b", "Bearer xyz", "bearer forged.token"])
def test_a_bad_bearer_token_is_forbidden(api, website, authorization):
    open_conversation(api, website)
    extra = {"HTTP_ORIGIN": SHOP_ORIGIN, "HTTP_AUTHORIZATION": authorization}
    response = api.post(messages_url(), {"message": "hi"}, format="json", **extra)
    assert_error(response, 403, errors.FORBIDDEN)
    assert "WWW-Authenticate" not in response
    assert_error(api.get(messages_url(), **extra), 403, errors.FORBIDDEN)
    assert not Message.objects.exists()


def test_a_token_is_never_taken_from_the_url_or_the_body(api, website):
    token = open_conversation(api, website)["visitor_token"]
    for name in ("token", "visitor_token", "access_token"):
        response = api.post(
            f"{messages_url()}?{name}={token}",
            {"message": "hi", "visitor_token": token},
            format="json",
            HTTP_ORIGIN=SHOP_ORIGIN,
        )
        assert_error(response, 401, errors.NOT_IDENTIFIED)
        response = api.get(f"{messages_url()}?{name}={token}", HTTP_ORIGIN=SHOP_ORIGIN)
        assert_error(response, 401, errors.NOT_IDENTIFIED)
    assert not Message.objects.exists()


def test_a_token_reads_and_posts_only_in_its_own_conversation(api, website):
    mine = open_conversation(api, website)
    theirs = open_conversation(api, website)
    post_message(api, mine["visitor_token"], "mine", "m")
    post_message(api, theirs["visitor_token"], "theirs", "t")
    listed = api.get(messages_url(), **bearer(mine["visitor_token"])).json()
    assert listed["conversation_id"] == mine["conversation_id"]
    assert {m["conversation_id"] for m in listed["messages"]} == {mine["conversation_id"]}
    assert [m["message"] for m in listed["messages"] if m["role"] == "user"] == ["mine"]
    assert (
        Message.objects.filter(conversation_id=theirs["conversation_id"], content="mine").exists()
        is False
    )


def test_a_website_deactivated_after_the_token_was_issued(api, website):
    token = open_conversation(api, website)["visitor_token"]
    Website.objects.filter(pk=website.pk).update(is_active=False)
    assert_error(post_message(api, token, "hi", "c"), 404, errors.INVALID_WEBSITE)
    assert_error(api.get(messages_url(), **bearer(token)), 404, errors.INVALID_WEBSITE)
    assert not Message.objects.exists()


def test_a_deleted_conversation(api, website):
    data = open_conversation(api, website)
    Conversation.objects.filter(pk=data["conversation_id"]).delete()
    assert_error(post_message(api, data["visitor_token"], "hi", "c"), 403, errors.FORBIDDEN)


def test_a_foreign_origin_is_refused_everywhere(api, website):
    token = open_conversation(api, website)["visitor_token"]
    response = api.post(
        conversations_url(),
        {"website_id": str(website.id)},
        format="json",
        HTTP_ORIGIN=FOREIGN_ORIGIN,
    )
    assert_error(response, 403, errors.FORBIDDEN)
    response = api.post(
        conversations_url(),
        {"website_id": str(website.id), "visitor_token": token},
        format="json",
        HTTP_ORIGIN=FOREIGN_ORIGIN,
    )
    assert_error(response, 403, errors.FORBIDDEN)
    assert_error(post_message(api, token, "hi", "c", origin=FOREIGN_ORIGIN), 403, errors.FORBIDDEN)
    assert_error(api.get(messages_url(), **bearer(token, FOREIGN_ORIGIN)), 403, errors.FORBIDDEN)
    assert Conversation.objects.count() == 1
    assert not Message.objects.exists()


def test_another_websites_origin_is_refused(api, website):
    other = make_website(name="Other", allowed_origins=["https://other.example.org"])
    token = open_conversation(api, website)["visitor_token"]
    response = api.post(
        conversations_url(),
        {"website_id": str(website.id)},
        format="json",
        HTTP_ORIGIN=other.allowed_origins[0],
    )
    assert_error(response, 403, errors.FORBIDDEN)
    response = post_message(api, token, "hi", "c", origin=other.allowed_origins[0])
    assert_error(response, 403, errors.FORBIDDEN)


# ---------------------------------------------------------------- listing


def test_list_messages_after_a_seq(api, website):
    token = open_conversation(api, website)["visitor_token"]
    post_message(api, token, "first", "1")
    post_message(api, token, "second", "2")
    everything = api.get(messages_url(), {"after_seq": 0}, **bearer(token)).json()
    assert [(m["seq"], m["role"], m["message"]) for m in everything["messages"]] == [
        (1, "user", "first"),
        (2, "assistant", DEFAULT_AUTO_RESPONSE_AWAY_TEXT),
        (3, "user", "second"),
        (4, "assistant", DEFAULT_AUTO_RESPONSE_AWAY_TEXT),
    ]
    assert everything["has_more"] is False
    assert api.get(messages_url(), **bearer(token)).json() == everything
    later = api.get(messages_url(), {"after_seq": 1}, **bearer(token)).json()
    assert [m["seq"] for m in later["messages"]] == [2, 3, 4]
    assert api.get(messages_url(), {"after_seq": 4}, **bearer(token)).json()["messages"] == []


def test_list_pages_with_has_more(api, website):
    token = open_conversation(api, website)["visitor_token"]
    conversation = Conversation.objects.get()
    Message.objects.bulk_create(
        Message(conversation=conversation, seq=seq, role="system", content=f"#{seq}")
        for seq in range(1, 502)
    )
    page = api.get(messages_url(), **bearer(token)).json()
    assert len(page["messages"]) == 500
    assert page["messages"][-1]["seq"] == 500
    assert page["has_more"] is True
    rest = api.get(messages_url(), {"after_seq": 500}, **bearer(token)).json()
    assert [m["seq"] for m in rest["messages"]] == [501]
    assert rest["has_more"] is False


@pytest.mark.parametrize("after_seq", ["x", "-1", "1.5", "1e3", "", "1.0", "+1", " 1", "\u0661"])
def test_a_bad_after_seq(api, website, after_seq):
    token = open_conversation(api, website)["visitor_token"]
    response = api.get(f"{messages_url()}?after_seq={after_seq}", **bearer(token))
    data = assert_error(response, 400, errors.INVALID_MESSAGE)
    assert "after_seq" in data["message"]


# ---------------------------------------------------------------- the rest of HTTP


def test_other_methods_are_refused_in_the_same_shape(api, website):
    token = open_conversation(api, website)["visitor_token"]
    response = api.put(messages_url(), {"message": "hi"}, format="json", **bearer(token))
    assert_error(response, 405, errors.INVALID_MESSAGE)
    assert "POST" in response["Allow"]
    response = api.get(conversations_url(), HTTP_ORIGIN=SHOP_ORIGIN)
    assert_error(response, 405, errors.INVALID_MESSAGE)


def test_host_rest_framework_settings_do_not_apply(api, website):
    # A host that locks its own API down must not lock the visitor API down with it.
    host = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.BrowsableAPIRenderer"],
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.FormParser"],
        "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
        "DEFAULT_THROTTLE_RATES": {"anon": "1/day"},
        "EXCEPTION_HANDLER": "tests.api.test_views.failing_responder",
    }
    with override_settings(REST_FRAMEWORK=host):
        token = open_conversation(api, website)["visitor_token"]
        assert post_message(api, token, "hi", "1").status_code == 201
        assert post_message(api, token, "hi again", "2").status_code == 201
        assert api.get(messages_url(), **bearer(token)).status_code == 200
        assert_error(post_message(api, "bad", "hi"), 403, errors.FORBIDDEN)


def test_a_body_over_the_upload_limit_is_a_json_413(api, website):
    token = open_conversation(api, website)["visitor_token"]
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = post_message(api, token, "x" * 2000, "big")
    assert_error(response, 413, errors.MESSAGE_TOO_LONG)


@pytest.mark.parametrize("body", ["[" * 5000 + "]" * 5000, b"\xff\xfe{"])
def test_json_nested_too_deep_or_not_utf8_is_a_json_400(api, website, body):
    token = open_conversation(api, website)["visitor_token"]
    response = api.post(
        messages_url(),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    assert_error(response, 400, errors.INVALID_JSON)


# ---------------------------------------------------------------- rate limits


def create_from(api, website, address, **extra):
    return api.post(
        conversations_url(),
        {"website_id": str(website.id)},
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
        REMOTE_ADDR=address,
        **extra,
    )


def post_from(api, token, client_id, address):
    return api.post(
        messages_url(),
        {"message": f"message {client_id}", "client_id": client_id},
        format="json",
        REMOTE_ADDR=address,
        **bearer(token),
    )


def test_conversations_from_one_address_are_limited(api, website):
    """Found: creating conversations was unlimited (300 in 1.8 s)."""
    with livechat(RATE_LIMIT_ADDRESS_CONVERSATIONS=2, RATE_LIMIT_CONVERSATIONS_PERIOD=600):
        for _ in range(2):
            assert create_from(api, website, "198.51.100.23").status_code == 201
        response = create_from(api, website, "198.51.100.23")
        assert create_from(api, website, "192.0.2.9").status_code == 201
    data = assert_error(response, 429, errors.RATE_LIMITED)
    assert 0 < data["retry_after"] <= 600 * 1.5
    assert int(response["Retry-After"]) >= 1
    assert Conversation.objects.count() == 3


def test_a_new_conversation_does_not_reset_the_address_limit(api, website):
    """Found: re-identifying (a new conversation) gave a fresh message limit."""
    with livechat(RATE_LIMIT_MESSAGES=3, RATE_LIMIT_ADDRESS_MESSAGES=4):
        first = create_from(api, website, "198.51.100.23").json()["visitor_token"]
        codes = [post_from(api, first, f"a{n}", "198.51.100.23").status_code for n in range(4)]
        assert codes == [201, 201, 201, 429]
        second = create_from(api, website, "198.51.100.23").json()["visitor_token"]
        codes = [post_from(api, second, f"b{n}", "198.51.100.23").status_code for n in range(2)]
        assert codes == [201, 429]
    assert Message.objects.filter(role="user").count() == 4


def test_a_retry_over_the_limit_gets_its_stored_copy(api, website):
    """Found: a retry of a stored message could be refused with RATE_LIMITED."""
    token = open_conversation(api, website)["visitor_token"]
    with livechat(RATE_LIMIT_MESSAGES=1):
        first = post_message(api, token, "hello", "c-1")
        assert post_message(api, token, "again", "c-2").status_code == 429
        retry = post_message(api, token, "hello", "c-1")
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.json()["message"] == first.json()["message"]


def test_x_forwarded_for_counts_only_from_trusted_proxies(api, website):
    # Without TRUSTED_PROXIES the header is ignored: every request is the peer's.
    with livechat(RATE_LIMIT_ADDRESS_CONVERSATIONS=1):
        assert (
            create_from(api, website, "10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 201
        )
        spoofed = create_from(api, website, "10.0.0.2", HTTP_X_FORWARDED_FOR="2.2.2.2")
        assert spoofed.status_code == 429
    with livechat(RATE_LIMIT_ADDRESS_CONVERSATIONS=1, TRUSTED_PROXIES=1):
        for visitor in ("198.51.100.1", "198.51.100.2"):
            forwarded = f"6.6.6.6, {visitor}"  # the client's own claim, then the proxy's
            response = create_from(api, website, "10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
            assert response.status_code == 201
        again = create_from(api, website, "10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
        assert again.status_code == 429


def test_more_query_parameters_than_django_reads_is_a_json_400(api, website, caplog):
    token = open_conversation(api, website)["visitor_token"]
    query = "&".join(f"p{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = api.get(f"{messages_url()}?{query}", **bearer(token))
    data = assert_error(response, 400, errors.INVALID_MESSAGE)
    assert "parameters" in data["message"]
    # Logged where Django logs the HTML 400 it would have given.
    assert [r.name for r in caplog.records if r.levelname == "ERROR"] == [
        "django.security.TooManyFieldsSent"
    ]


def test_a_database_that_does_not_answer_outside_the_pipeline_is_a_json_503(
    api, website, monkeypatch
):
    token = open_conversation(api, website)["visitor_token"]

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(serializers.ListMessagesQuerySerializer, "parsed", unreachable)
    response = api.get(messages_url(), **bearer(token))
    data = assert_error(response, 503, errors.UNAVAILABLE)
    assert data["retry_after"] > 0
    assert response["Retry-After"]


def test_an_unexpected_exception_is_a_json_500_logged_with_its_traceback(
    api, website, monkeypatch, caplog
):
    token = open_conversation(api, website)["visitor_token"]
    signalled = []

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    def on_exception(sender, request, **kwargs):
        signalled.append(request.path)

    monkeypatch.setattr(serializers.ListMessagesQuerySerializer, "parsed", bug)
    got_request_exception.connect(on_exception)
    try:
        # The test client re-raises what got_request_exception reports, unless told not to.
        client = APIClient(raise_request_exception=False)
        response = client.get(messages_url(), **bearer(token))
    finally:
        got_request_exception.disconnect(on_exception)
    assert_error(response, 500, errors.INTERNAL_ERROR)
    assert "a bug" not in response.content.decode()
    assert signalled == [messages_url()]  # error reporting (Sentry and the like) sees it
    (record,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.name == "django.request"
    assert record.exc_info[0] is ZeroDivisionError
