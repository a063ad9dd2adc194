"""The agent HTTP API's assignment: transfer, unassign, checks, scoping, round robin."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse
from rest_framework.test import APIClient

from django_livechat.groups import agent_group, website_group
from django_livechat.models import Conversation, Website
from django_livechat.pipeline import presence
from tests.api.conftest import assert_error, open_conversation, post_message
from tests.factories import make_user, make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


def assign_url(conversation_id: Any) -> str:
    return reverse(
        "django_livechat:api-agent-assign", kwargs={"conversation_id": str(conversation_id)}
    )


def agent_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def start_chat(api: APIClient, website: Website) -> str:
    chat = open_conversation(api, website)
    assert post_message(api, chat["visitor_token"], "Hello", "v1").status_code == 201
    return str(chat["conversation_id"])


@pytest.fixture
def sites() -> dict[str, Any]:
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann = make_user("ann", first_name="Ann", last_name="Agent")
    cat, bob = make_user("cat"), make_user("bob")
    shop.agents.add(ann, cat)
    blog.agents.add(bob)
    return {"shop": shop, "blog": blog, "ann": ann, "cat": cat, "bob": bob}


def frames_of(channel: str, kind: str) -> list[dict[str, Any]]:
    return [f for f in async_to_sync(received)(channel) if f["type"] == kind]


def test_transfer_and_unassign_over_http(api, sites):
    cid = start_chat(api, sites["shop"])
    ann, cat = sites["ann"], sites["cat"]
    to_cat = async_to_sync(subscribe)(agent_group(cat.pk))
    to_dashboards = async_to_sync(subscribe)(website_group(sites["shop"].id))
    client = agent_client(ann)

    response = client.post(assign_url(cid), {"agent_id": cat.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["assigned_agent"] == {"user_id": cat.pk, "name": "cat"}
    assigned_at = response.json()["assigned_at"]
    assert assigned_at is not None
    (told,) = frames_of(to_cat, "assigned_to_you")
    assert told["by"] == {"user_id": ann.pk, "name": "Ann Agent"}
    assert told["conversation"]["conversation_id"] == cid
    (assignment,) = frames_of(to_dashboards, "assignment")
    assert assignment["assigned_agent"]["user_id"] == cat.pk

    response = client.post(assign_url(cid), {"agent_id": None}, format="json")
    assert response.status_code == 200
    assert (response.json()["assigned_agent"], response.json()["assigned_at"]) == (None, None)
    conversation = Conversation.objects.get(pk=cid)
    assert (conversation.assigned_agent_id, conversation.assigned_at) == (None, None)
    (assignment,) = frames_of(to_dashboards, "assignment")
    assert assignment["assigned_agent"] is None
    assert frames_of(to_cat, "assigned_to_you") == []

    response = client.post(assign_url(cid), {}, format="json")  # to the caller
    assert response.json()["assigned_agent"]["user_id"] == ann.pk
    assert frames_of(to_cat, "assigned_to_you") == []


def test_the_assignee_must_serve_the_website_over_http(api, sites):
    cid = start_chat(api, sites["shop"])
    plain = make_user("plain", agent=False)
    sites["shop"].agents.add(plain)
    client = agent_client(sites["ann"])
    for agent_id in (sites["bob"].pk, plain.pk, 999_999):
        response = client.post(assign_url(cid), {"agent_id": agent_id}, format="json")
        assert_error(response, 400, "INVALID_MESSAGE")
    assert Conversation.objects.get(pk=cid).assigned_agent_id is None


def test_another_websites_conversation_is_not_found_over_http(api, sites):
    blog_cid = start_chat(api, sites["blog"])
    to_bob = async_to_sync(subscribe)(agent_group(sites["bob"].pk))
    to_blog = async_to_sync(subscribe)(website_group(sites["blog"].id))
    client = agent_client(sites["ann"])
    for body in ({}, {"agent_id": sites["bob"].pk}, {"agent_id": None}):
        assert_error(client.post(assign_url(blog_cid), body, format="json"), 404, "NOT_FOUND")
    assert async_to_sync(received)(to_bob) == []
    assert async_to_sync(received)(to_blog) == []
    assert Conversation.objects.get(pk=blog_cid).assigned_agent_id is None


def test_a_visitor_over_http_is_assigned_by_round_robin(api, sites):
    shop = sites["shop"]
    Website.objects.filter(pk=shop.pk).update(auto_assign=True)
    shop.refresh_from_db()
    async_to_sync(presence.register)("dash.cat", sites["cat"].pk, {shop.id})
    to_cat = async_to_sync(subscribe)(agent_group(sites["cat"].pk))
    cid = start_chat(api, shop)  # the answer comes after the assignment
    conversation = Conversation.objects.get(pk=cid)
    assert conversation.assigned_agent_id == sites["cat"].pk
    assert conversation.assigned_at is not None
    (told,) = frames_of(to_cat, "assigned_to_you")
    assert told["by"] is None and told["conversation"]["conversation_id"] == cid
