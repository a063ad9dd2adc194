"""The HTTP side of issue 11: availability and the pre-chat form in the widget settings
and the template tag, pre-chat answers, resume links, contact, rating, the agents'
ratings and returning visitors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from django_livechat import pipeline
from django_livechat.models import Conversation
from tests.api.conftest import (
    assert_error,
    bearer,
    conversations_url,
    messages_url,
    open_conversation,
)
from tests.factories import SHOP_ORIGIN, make_user, make_website

pytestmark = pytest.mark.django_db(transaction=True)

TOPIC = {"name": "topic", "label": "Topic", "type": "select", "required": True, "options": ["A"]}
CLOSED_ALL_WEEK = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"django_livechat:{name}", kwargs=kwargs)


def agent_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def resolve(conversation_id: Any, agent: Any = None) -> None:
    Conversation.objects.filter(pk=conversation_id).update(status="resolved", assigned_agent=agent)


def test_widget_settings_carry_availability_and_the_form(api):
    shop = make_website(
        reply_time="a few minutes",
        prechat_enabled=True,
        prechat_fields=[TOPIC],
        prechat_consent_text="OK?",
    )
    answer = api.get(url("api-widget-settings", website_id=shop.id), HTTP_ORIGIN=SHOP_ORIGIN)
    data = answer.json()
    assert data["availability"] == {"open": True, "reply_time": "a few minutes", "next_open": None}
    assert data["prechat"] == {"fields": [TOPIC], "consent_text": "OK?", "email_required": True}
    plain = make_website(name="Plain")
    data = api.get(url("api-widget-settings", website_id=plain.id)).json()
    assert data["prechat"] is None
    assert data["availability"]["open"] is True
    never = make_website(name="Never", business_hours=CLOSED_ALL_WEEK)
    data = api.get(url("api-widget-settings", website_id=never.id)).json()
    assert data["availability"] == {"open": False, "reply_time": None, "next_open": None}


def test_the_template_tag_carries_them_too():
    shop = make_website(prechat_enabled=True, prechat_fields=[TOPIC], reply_time="an hour")
    template = Template("{% load django_livechat %}{% livechat_widget website %}")
    html = template.render(Context({"website": str(shop.id), "request": RequestFactory().get("/")}))
    start = html.index(">", html.index('id="django-livechat-config"')) + 1
    config = json.loads(html[start : html.index("</script>", start)])
    assert config["availability"] == {"open": True, "reply_time": "an hour", "next_open": None}
    assert config["prechat"]["fields"] == [TOPIC]


def test_prechat_answers_when_opening_a_conversation(api, website):
    website.prechat_enabled = True
    website.prechat_fields = [TOPIC]
    website.save()
    refused = api.post(
        conversations_url(),
        {"website_id": str(website.id), "prechat": {"name": "Ada", "fields": {"topic": "B"}}},
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    error = assert_error(refused, 400, "INVALID_PRECHAT")
    assert set(error["fields"]) == {"email", "topic"}
    created = open_conversation(
        api,
        website,
        prechat={"name": "Ada", "email": "ada@example.com", "fields": {"topic": "A"}},
    )
    assert created["availability"]["open"] is True
    conversation = Conversation.objects.get(pk=created["conversation_id"])
    assert (conversation.visitor_name, conversation.visitor_email) == ("Ada", "ada@example.com")
    assert conversation.prechat == {"topic": "A"}


def test_resume_token_over_http(api, website):
    created = open_conversation(api, website)
    conversation = Conversation.objects.get(pk=created["conversation_id"])
    resumed = api.post(
        conversations_url(),
        {"website_id": str(website.id), "resume_token": pipeline.make_resume_token(conversation)},
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    assert resumed.status_code == 200
    assert resumed.json()["conversation_id"] == created["conversation_id"]
    forged = api.post(
        conversations_url(),
        {"website_id": str(website.id), "resume_token": "nope"},
        format="json",
        HTTP_ORIGIN=SHOP_ORIGIN,
    )
    assert_error(forged, 403, "FORBIDDEN")


def test_contact(api, website):
    created = open_conversation(api, website)
    token = created["visitor_token"]
    assert_error(
        api.post(url("api-contact"), {"email": "a@b.example"}, format="json"), 401, "NOT_IDENTIFIED"
    )
    bad = api.post(url("api-contact"), {"email": "nope"}, format="json", **bearer(token))
    assert set(assert_error(bad, 400, "INVALID_PRECHAT")["fields"]) == {"email"}
    assert_error(
        api.post(url("api-contact"), {"name": "Ada"}, format="json", **bearer(token)),
        400,
        "INVALID_MESSAGE",
    )
    saved = api.post(
        url("api-contact"),
        {"email": "ada@example.com", "name": "Ada"},
        format="json",
        **bearer(token),
    )
    assert saved.status_code == 200
    assert saved.json() == {"type": "contact_saved", "email": "ada@example.com", "name": "Ada"}
    assert (
        Conversation.objects.get(pk=created["conversation_id"]).visitor_email == "ada@example.com"
    )


def test_rating_and_the_agents_summary(api, website):
    ann = make_user("ann", first_name="Ann")
    website.agents.add(ann)
    created = open_conversation(api, website)
    token, cid = created["visitor_token"], created["conversation_id"]
    assert_error(
        api.post(url("api-rating"), {"rating": 4}, format="json", **bearer(token)),
        409,
        "NOT_RESOLVED",
    )
    resolve(cid, ann)
    rated = api.post(
        url("api-rating"), {"rating": 4, "comment": "Fine"}, format="json", **bearer(token)
    )
    assert rated.status_code == 200
    assert rated.json() == {"type": "rated", "conversation_id": cid, "rating": 4, "comment": "Fine"}
    assert_error(
        api.post(url("api-rating"), {"rating": 5}, format="json", **bearer(token)),
        409,
        "ALREADY_RATED",
    )
    assert_error(
        api.post(url("api-rating"), {"rating": 9}, format="json", **bearer(token)),
        400,
        "INVALID_MESSAGE",
    )
    summary = agent_client(ann).get(url("api-agent-ratings"))
    assert summary.status_code == 200
    assert summary.json() == {
        "websites": [{"website_id": str(website.id), "name": "Shop", "average": 4.0, "count": 1}],
        "agents": [{"user_id": ann.pk, "name": "Ann", "average": 4.0, "count": 1}],
    }
    assert api.get(url("api-agent-ratings")).status_code == 403
    detail = agent_client(ann).get(url("api-agent-conversation", conversation_id=cid)).json()
    assert detail["rating"] == 4 and detail["rating_comment"] == "Fine"


def test_a_rejoin_says_whether_the_conversation_was_rated(api, website):
    created = open_conversation(api, website)
    token, cid = created["visitor_token"], created["conversation_id"]
    assert created["rated"] is False
    rejoin = {"conversation_id": cid, "visitor_token": token}
    resolve(cid)
    # Resolved and not rated (the visitor reloaded before rating): the widget asks again.
    again = open_conversation(api, website, **rejoin)
    assert again["conversation_status"] == "resolved" and again["rated"] is False
    rated = api.post(url("api-rating"), {"rating": 3}, format="json", **bearer(token))
    assert rated.status_code == 200
    assert open_conversation(api, website, **rejoin)["rated"] is True


def test_polling_learns_opening_and_closing(api, website):
    website.reply_time = "an hour"
    website.save()
    token = open_conversation(api, website)["visitor_token"]
    page = api.get(messages_url(), **bearer(token)).json()
    assert page["availability"] == {"open": True, "reply_time": "an hour", "next_open": None}
    website.business_hours = CLOSED_ALL_WEEK  # the admin's save: read again at once
    website.save()
    page = api.get(messages_url(), **bearer(token)).json()
    assert page["availability"] == {"open": False, "reply_time": "an hour", "next_open": None}


def test_the_agents_conversation_detail_lists_previous_ones(api, website):
    ann = make_user("ann")
    website.agents.add(ann)
    first = open_conversation(api, website, user_identifier="u-1")
    second = open_conversation(api, website, user_identifier="u-1")
    detail = agent_client(ann).get(
        url("api-agent-conversation", conversation_id=second["conversation_id"])
    )
    (earlier,) = detail.json()["previous"]
    assert earlier["conversation_id"] == first["conversation_id"]
