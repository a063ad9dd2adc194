"""Search over the dashboard socket: the results frame, its refusals, and the scope."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from django_livechat import pipeline
from django_livechat.models import Conversation
from tests.factories import make_user, make_website
from tests.sockets import Dashboard

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def setup_sites() -> dict[str, Any]:
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann, bob = make_user("ann"), make_user("bob")
    shop.agents.add(ann)
    blog.agents.add(bob)
    return {"shop": shop, "blog": blog, "ann": ann, "bob": bob}


async def chat(website: Any, text: str, **visitor: Any) -> str:
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    await pipeline.post_visitor_message(session, content=text, client_id="c", background=False)
    if visitor:
        await Conversation.objects.filter(pk=session.conversation_id).aupdate(**visitor)
    return str(session.conversation_id)


async def answer(dashboard: Dashboard) -> dict[str, Any]:
    """The answer to a search (or its refusal), past any live frame of the inbox."""
    while True:
        event = await dashboard.recv()
        if event["type"] in ("search_results", "error"):
            return event


async def test_search_finds_the_agents_conversations_only():
    sites = await setup_sites()
    shop_chat = await chat(sites["shop"], "Where is my parcel ZX9?")
    blog_chat = await chat(sites["blog"], "A parcel ZX9 for the blog", visitor_name="Zx9 Fan")
    async with Dashboard(sites["ann"]) as ann:
        await ann.send(type="search", query="zx9")
        frame = await answer(ann)
        assert frame["type"] == "search_results" and frame["query"] == "zx9"
        assert [(r["conversation_id"], r["seq"]) for r in frame["results"]] == [(shop_chat, 1)]
        result = frame["results"][0]
        assert result["snippet"] == "Where is my parcel ZX9?"
        assert result["website_id"] == str(sites["shop"].id)
        assert result["status"] == "open"
        # The blog's id is answered like a website that does not exist.
        await ann.send(type="search", query="zx9", website_id=str(sites["blog"].id))
        refused = await answer(ann)
        assert refused["code"] == "NOT_FOUND"
        await ann.send(type="search", query="zx9", website_id=str(sites["shop"].id), limit=1)
        assert len((await answer(ann))["results"]) == 1
    async with Dashboard(sites["bob"]) as bob:
        await bob.send(type="search", query="zx9")
        frame = await answer(bob)
        # A hit in a message wins over the hit on the visitor's name: it opens at the seq.
        assert [(r["conversation_id"], r["seq"]) for r in frame["results"]] == [(blog_chat, 1)]


@pytest.mark.parametrize(
    "frame",
    [
        {"query": "x"},
        {"query": "   "},
        {"query": "x" * 201},
        {},
        {"query": ["parcel"]},
        {"query": "parcel", "limit": 51},
        {"query": "parcel", "website_id": "not-a-uuid"},
    ],
)
async def test_refusals_keep_the_socket_open(frame):
    sites = await setup_sites()
    async with Dashboard(sites["ann"]) as ann:
        await ann.send(type="search", **frame)
        refused = await answer(ann)
        assert refused["type"] == "error" and refused["code"] == "INVALID_MESSAGE"
        await ann.usable()
