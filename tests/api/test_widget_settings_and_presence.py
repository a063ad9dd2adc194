"""The HTTP API's side of issue 10: presence, the widget-settings endpoint, identity after
the fact, refused agent messages naming their client_id."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy
from rest_framework.test import APIClient

from django_livechat.models import Conversation, Message, Website
from django_livechat.pipeline import presence
from django_livechat.widget_texts import LABELS
from tests.api.conftest import (
    FOREIGN_ORIGIN,
    assert_error,
    bearer,
    conversations_url,
    messages_url,
    open_conversation,
    post_message,
)
from tests.factories import SHOP_ORIGIN, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def livechat(**overrides: Any) -> Any:
    return override_settings(LIVECHAT={**settings.LIVECHAT, **overrides})


def settings_url(website_id: Any) -> str:
    return reverse("django_livechat:api-widget-settings", kwargs={"website_id": str(website_id)})


def agent_online(website: Website, username: str = "ann", channel: str = "dash.1") -> Any:
    """An agent of ``website`` with a dashboard open (as its socket registers it)."""
    user = make_user(username)
    website.agents.add(user)
    async_to_sync(presence.register)(channel, user.pk, [website.pk])
    presence._cache._counts.clear()
    return user


# ---------------------------------------------------------------- presence


def test_creating_and_polling_say_how_many_agents_are_online(api, website):
    created = open_conversation(api, website)
    assert created["agents_online"] == 0
    agent_online(website)
    rejoined = open_conversation(api, website, visitor_token=created["visitor_token"])
    assert rejoined["agents_online"] == 1
    polled = api.get(messages_url(), **bearer(created["visitor_token"]))
    assert polled.status_code == 200
    assert polled.json()["agents_online"] == 1


# ---------------------------------------------------------------- widget settings


def test_the_defaults(api, website):
    response = api.get(settings_url(website.id), HTTP_ORIGIN=SHOP_ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP_ORIGIN
    data = response.json()
    assert data == {
        "website_id": str(website.id),
        "theme": "light",
        "color": "#0b6e4f",
        "position": "right",
        "labels": {key: str(value) for key, value in LABELS.items()},
        "agents_online": 0,
        "availability": {"open": True, "reply_time": None, "next_open": None},
        "prechat": None,
    }


def test_the_website_wins_over_livechat_which_wins_over_the_built_ins(api, website):
    website.widget_color = "teal"
    website.widget_title = "Shop help"
    website.save()
    agent_online(website)
    with livechat(
        WIDGET_COLOR="#123456",
        WIDGET_THEME="dark",
        WIDGET_POSITION="left",
        WIDGET_GREETING="Hello from settings",
        WIDGET_TITLE="Settings title",
    ):
        data = api.get(settings_url(website.id)).json()
    assert (data["color"], data["theme"], data["position"]) == ("teal", "dark", "left")
    assert data["labels"]["title"] == "Shop help"
    assert data["labels"]["greeting"] == "Hello from settings"
    assert data["agents_online"] == 1


def test_the_texts_are_in_the_requests_language(api, website, monkeypatch):
    spoken = lazy(lambda: f"in {translation.get_language()}", str)()
    monkeypatch.setitem(LABELS, "send", spoken)
    german = api.get(settings_url(website.id), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert german.json()["labels"]["send"] == "in de"
    assert "Accept-Language" in german["Vary"]


def test_unknown_inactive_and_malformed_websites_are_invalid(api, website):
    inactive = Website.objects.create(name="Old", is_active=False)
    for website_id in (uuid.uuid4(), inactive.id, "not-a-uuid"):
        assert_error(api.get(settings_url(website_id)), 404, "INVALID_WEBSITE")


def test_an_origin_the_website_does_not_allow_is_refused(api, website):
    response = api.get(settings_url(website.id), HTTP_ORIGIN=FOREIGN_ORIGIN)
    assert_error(response, 403, "FORBIDDEN")
    assert "Access-Control-Allow-Origin" not in response


# ---------------------------------------------------------------- identity after the fact


def signed(website: Website, identifier: str) -> str:
    key = website.identity_secret.encode()
    return hmac.new(key, identifier.encode(), hashlib.sha256).hexdigest()


def test_a_visitor_who_signs_in_keeps_their_conversation(api, website):
    first = open_conversation(api, website)
    assert post_message(api, first["visitor_token"], "Hi", "v-1").status_code == 201
    response = api.post(
        conversations_url(),
        {
            "website_id": str(website.id),
            "visitor_token": first["visitor_token"],
            "user_identifier": "ann",
            "identifier_hash": signed(website, "ann"),
            "email": "ann@example.com",
        },
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    assert response.status_code == 200
    again = response.json()
    assert again["conversation_id"] == first["conversation_id"]
    assert again["user_identifier"] == "ann"
    conversation = Conversation.objects.get(pk=first["conversation_id"])
    assert conversation.visitor_identifier == "ann"
    assert conversation.metadata["identity_verified"] is True
    assert conversation.metadata["email"] == "ann@example.com"
    assert conversation.messages.count() == 2  # the history stays


def test_another_identity_gets_a_new_conversation(api, website):
    first = open_conversation(api, website, user_identifier="ann")
    response = api.post(
        conversations_url(),
        {
            "website_id": str(website.id),
            "visitor_token": first["visitor_token"],
            "user_identifier": "bob",
        },
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    assert response.status_code == 201
    assert response.json()["conversation_id"] != first["conversation_id"]


@pytest.mark.parametrize("field", ["name", "email"])
def test_a_name_or_email_that_is_not_text_is_refused(api, website, field):
    response = api.post(
        conversations_url(),
        {"website_id": str(website.id), field: 42},
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    assert_error(response, 400, "INVALID_MESSAGE")


# ---------------------------------------------------------------- agent messages refused


def test_a_refused_agent_message_names_its_client_id(api, website):
    chat = open_conversation(api, website)
    ann = make_user("ann")
    website.agents.add(ann)
    client = APIClient()
    client.force_login(ann)

    def post(conversation_id: Any, body: dict[str, Any]) -> Any:
        path = reverse(
            "django_livechat:api-agent-messages",
            kwargs={"conversation_id": str(conversation_id)},
        )
        return client.post(path, body, format="json")

    too_long = "x" * 4001
    for conversation_id, body, status, code in (
        (chat["conversation_id"], {"message": too_long}, 413, "MESSAGE_TOO_LONG"),
        (chat["conversation_id"], {"message": ""}, 400, "INVALID_MESSAGE"),
        (uuid.uuid4(), {"message": "Hi"}, 404, "NOT_FOUND"),
    ):
        client_id = f"a-{code}"
        error = assert_error(post(conversation_id, {**body, "client_id": client_id}), status, code)
        assert error["client_id"] == client_id
    assert not Message.objects.filter(role="agent").exists()
