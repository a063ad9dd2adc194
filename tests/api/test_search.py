"""Search over the agent HTTP API: ``GET api/agent/search/``, its errors and its scope."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from django_livechat.models import Conversation
from tests.api.conftest import assert_error, open_conversation, post_message
from tests.factories import make_user, make_website

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = "django_livechat:api-agent-search"


@pytest.fixture
def sites(api) -> dict[str, Any]:
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann, bob = make_user("ann"), make_user("bob")
    shop.agents.add(ann)
    blog.agents.add(bob)
    shop_chat = open_conversation(api, shop, user_identifier="ada@example.com")
    assert (
        post_message(api, shop_chat["visitor_token"], "Refund for order 77?", "v1").status_code
        == 201
    )
    blog_chat = open_conversation(api, blog)
    assert (
        post_message(api, blog_chat["visitor_token"], "Refund on the blog", "b1").status_code == 201
    )
    Conversation.objects.filter(pk=blog_chat["conversation_id"]).update(
        visitor_email="ada@example.com"
    )
    return {
        "shop": shop,
        "blog": blog,
        "ann": ann,
        "bob": bob,
        "shop_id": shop_chat["conversation_id"],
        "blog_id": blog_chat["conversation_id"],
    }


def client_of(user: Any) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)  # a GET needs no CSRF token
    client.force_login(user)
    return client


def search(client: APIClient, **query: Any) -> Any:
    return client.get(reverse(SEARCH), query)


def found(response: Any) -> list[tuple[str, int | None]]:
    assert response.status_code == 200, response.content
    return [(r["conversation_id"], r["seq"]) for r in response.json()["results"]]


def test_search_answers_the_frame_without_its_type(sites):
    response = search(client_of(sites["ann"]), q=" refund ")
    assert found(response) == [(sites["shop_id"], 1)]
    data = response.json()
    assert set(data) == {"query", "results"} and data["query"] == "refund"
    assert data["results"][0]["visitor_identifier"] == "ada@example.com"
    assert data["results"][0]["snippet"] == "Refund for order 77?"
    assert found(search(client_of(sites["ann"]), q="order 77", limit=1)) == [(sites["shop_id"], 1)]


def test_each_agent_finds_their_websites_only(sites):
    ann, bob = client_of(sites["ann"]), client_of(sites["bob"])
    assert found(search(ann, q="refund")) == [(sites["shop_id"], 1)]
    assert found(search(bob, q="refund")) == [(sites["blog_id"], 1)]
    # The same visitor's address on both websites: each agent finds their own.
    assert found(search(ann, q="ada@example.com")) == [(sites["shop_id"], None)]
    assert found(search(bob, q="ada@example.com")) == [(sites["blog_id"], None)]
    # Another website's id is answered like one that does not exist.
    for website in (sites["blog"].id, uuid.uuid4()):
        assert_error(search(ann, q="refund", website=str(website)), 404, "NOT_FOUND")
    assert found(search(bob, q="refund", website=str(sites["blog"].id))) == [(sites["blog_id"], 1)]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "r"},
        {"q": "  r  "},
        {"q": "r" * 201},
        {"q": "refund", "limit": "0"},
        {"q": "refund", "limit": "51"},
        {"q": "refund", "limit": "x"},
        {"q": "refund", "website": "nope"},
    ],
)
def test_refusals(sites, query):
    assert_error(search(client_of(sites["ann"]), **query), 400, "INVALID_MESSAGE")


def test_only_agents(sites, api):
    assert_error(search(api, q="refund"), 403, "FORBIDDEN")
    plain = make_user("plain", agent=False, is_staff=True)
    assert_error(search(client_of(plain), q="refund"), 403, "FORBIDDEN")
