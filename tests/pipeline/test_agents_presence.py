"""Agents see each other: who is online on a website and which conversation each has open."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.groups import visitors_group, website_group
from django_livechat.models import AgentPresence
from django_livechat.pipeline import presence
from tests.factories import make_user, make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def shop_with_agents():
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann = make_user("ann", first_name="Ann", last_name="Agent")
    cat, bob = make_user("cat"), make_user("bob")
    shop.agents.add(ann, cat)
    blog.agents.add(ann, bob)
    return shop, blog, ann, cat, bob


async def open_dashboard(channel_name, user):
    agent = await pipeline.authorize_agent(user)
    await pipeline.follow(channel_name, agent)
    return agent


async def agents_frames(channel, timeout=0.8):
    return [f for f in await received(channel, timeout=timeout) if f["type"] == "agents"]


async def chat(website):
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    return session.conversation_id


async def test_the_frame_lists_each_agent_once_with_the_conversations_they_have_open():
    shop, _, ann, cat, bob = await shop_with_agents()
    ann_agent = await open_dashboard("dash.ann.1", ann)
    await open_dashboard("dash.ann.2", ann)
    cat_agent = await open_dashboard("dash.cat", cat)
    await open_dashboard("dash.bob", bob)
    one, two = await chat(shop), await chat(shop)
    await pipeline.view_conversation("dash.ann.1", ann_agent, one)
    await pipeline.view_conversation("dash.ann.2", ann_agent, two)
    await pipeline.view_conversation("dash.cat", cat_agent, one)
    shop_frame, blog_frame = await pipeline.agents_online_frames(ann_agent)
    if shop_frame["website_id"] != str(shop.id):
        shop_frame, blog_frame = blog_frame, shop_frame
    ann_data = {"user_id": ann.pk, "name": "Ann Agent"}
    assert shop_frame == {
        "type": "agents",
        "website_id": str(shop.id),
        "agents": [
            {**ann_data, "viewing": sorted([str(one), str(two)])},
            {"user_id": cat.pk, "name": "cat", "viewing": [str(one)]},
        ],
    }
    # Ann's shop conversations are nothing to the blog's agents.
    assert blog_frame["agents"] == [
        {**ann_data, "viewing": []},
        {"user_id": bob.pk, "name": "bob", "viewing": []},
    ]
    # Cat serves the shop only: the blog's frame is not hers to ask for.
    assert [f["website_id"] for f in await pipeline.agents_online_frames(cat_agent)] == [
        str(shop.id)
    ]


async def test_opening_a_conversation_tells_its_websites_dashboards_coalesced():
    shop, blog, ann, cat, _ = await shop_with_agents()
    ann_agent = await open_dashboard("dash.ann", ann)
    await open_dashboard("dash.cat", cat)
    to_shop, to_blog = (
        await subscribe(website_group(shop.id)),
        await subscribe(website_group(blog.id)),
    )
    to_visitors = await subscribe(visitors_group(shop.id))
    await asyncio.sleep(presence.COALESCE_SECONDS)  # the connects' frames are out
    conversations = [await chat(shop) for _ in range(4)]
    await received(to_shop, timeout=0.1)
    await received(to_visitors, timeout=0.1)
    for cid in conversations:
        await pipeline.view_conversation("dash.ann", ann_agent, cid)
    # Four changes: the first at once (it may read them all), the rest in one frame when
    # the interval is over, with the state as it is then.
    frames = await agents_frames(to_shop, timeout=presence.AGENTS_COALESCE_SECONDS + 0.5)
    assert 1 <= len(frames) <= 2
    viewing = {a["user_id"]: a["viewing"] for a in frames[-1]["agents"]}
    assert viewing == {ann.pk: [str(conversations[-1])], cat.pk: []}
    # Viewing changes no count: visitors hear nothing; the blog's agents nothing either.
    assert await received(to_visitors, timeout=0.1) == []
    assert await agents_frames(to_blog, timeout=0.1) == []
    # None: nothing open any more.
    await pipeline.view_conversation("dash.ann", ann_agent, None)
    (frame,) = await agents_frames(to_shop)
    assert {a["user_id"]: a["viewing"] for a in frame["agents"]} == {ann.pk: [], cat.pk: []}
    assert (
        await AgentPresence.objects.aget(channel_name="dash.ann", website=shop)
    ).viewing_id is None


async def test_a_conversation_of_another_website_cannot_be_viewed():
    _, blog, _, cat, _ = await shop_with_agents()
    cat_agent = await open_dashboard("dash.cat", cat)
    to_blog = await subscribe(website_group(blog.id))
    theirs = await chat(blog)
    for conversation_id in (theirs, "not-a-uuid"):
        with pytest.raises(ChatError) as info:
            await pipeline.view_conversation("dash.cat", cat_agent, conversation_id)
        assert info.value.code in (errors.NOT_FOUND, errors.INVALID_MESSAGE)
    assert info.value.code == errors.INVALID_MESSAGE
    assert not await AgentPresence.objects.filter(viewing__isnull=False).aexists()
    assert await agents_frames(to_blog, timeout=0.2) == []


async def test_agents_coming_going_and_expiring_are_announced(monkeypatch):
    monkeypatch.setattr(presence, "SWEEP_SECONDS", 0)  # every heartbeat sweeps
    shop, _, ann, cat, _ = await shop_with_agents()
    to_shop = await subscribe(website_group(shop.id))
    ann_agent = await open_dashboard("dash.ann.1", ann)
    (frame,) = await agents_frames(to_shop)
    assert [a["user_id"] for a in frame["agents"]] == [ann.pk]
    # A second tab of Ann: nothing new to tell. Closing the tab that had a conversation
    # open is news, though her other tab keeps her online.
    await open_dashboard("dash.ann.2", ann)
    cid = await chat(shop)
    await received(to_shop, timeout=0.1)
    await asyncio.sleep(presence.AGENTS_COALESCE_SECONDS)
    await pipeline.view_conversation("dash.ann.2", ann_agent, cid)
    (frame,) = await agents_frames(to_shop)
    assert frame["agents"][0]["viewing"] == [str(cid)]
    await asyncio.sleep(presence.AGENTS_COALESCE_SECONDS)
    await pipeline.unfollow("dash.ann.2", [])  # refused before it followed: nothing
    assert await agents_frames(to_shop, timeout=0.2) == []
    await presence.unregister("dash.ann.2")
    (frame,) = await agents_frames(to_shop)
    assert frame["agents"] == [{"user_id": ann.pk, "name": "Ann Agent", "viewing": []}]
    # Cat's process dies: her row stays until it expires, and the sweep says she is gone.
    await asyncio.sleep(presence.AGENTS_COALESCE_SECONDS)
    await AgentPresence.objects.acreate(
        channel_name="dead", website=shop, user=cat, expires_at=timezone.now() + timedelta(1)
    )
    (listed,) = await presence.agents_frames([shop.id])
    assert [a["user_id"] for a in listed["agents"]] == [ann.pk, cat.pk]
    await AgentPresence.objects.filter(channel_name="dead").aupdate(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    (listed,) = await presence.agents_frames([shop.id])
    assert [a["user_id"] for a in listed["agents"]] == [ann.pk]  # expired: gone at once
    await presence.sweep_if_due()
    (frame,) = await agents_frames(to_shop)
    assert [a["user_id"] for a in frame["agents"]] == [ann.pk]
    assert not await AgentPresence.objects.filter(channel_name="dead").aexists()
