"""The agent half of the pipeline, called directly (the socket and the HTTP API call it)."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import override_settings

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.groups import conversation_group, website_group
from django_livechat.models import Message, ReadMarker
from django_livechat.pipeline import agent as agent_module
from tests.factories import make_user, make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def shop_with_agents():
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann, bob = make_user("ann", first_name="Ann", last_name="Agent"), make_user("bob")
    shop.agents.add(ann)
    blog.agents.add(bob)
    return shop, blog, ann, bob


async def test_an_agent_reply_is_stored_once_and_silences_the_acknowledgement():
    shop, _, ann, _ = await shop_with_agents()
    agent = await pipeline.authorize_agent(ann)
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    to_visitor = await subscribe(conversation_group(session.conversation_id))
    to_dashboards = await subscribe(website_group(shop.id))
    result = await pipeline.post_agent_message(
        agent, session.conversation_id, content="Hi, Ann here", client_id="a-1"
    )
    assert result.created and result.ack == []
    assert result.message["sender_name"] == "Ann Agent" and result.message["is_manual"]
    for channel in (to_visitor, to_dashboards):
        got = await received(channel)
        assert [f["message"] for f in got if f["type"] == "chat_message"] == ["Hi, Ann here"]
        # A person answered: the conversation is handed over (issue 13).
        assert [f["by"] for f in got if f["type"] == "handoff"] == ["agent"]
    again = await pipeline.post_agent_message(
        agent, session.conversation_id, content="Hi, Ann here", client_id="a-1"
    )
    assert not again.created and again.ack == [{"type": "chat_message", **result.message}]
    assert await received(to_visitor) == []
    visitor = await pipeline.post_visitor_message(
        session, content="thanks", client_id="v", background=False
    )
    assert visitor.reply is None  # an agent answered: no more acknowledgements
    assert await Message.objects.filter(role="agent").acount() == 1


async def test_an_agent_cannot_reply_elsewhere():
    _, blog, ann, _ = await shop_with_agents()
    agent = await pipeline.authorize_agent(ann)
    session = await pipeline.open_conversation(website_id=blog.id, origin=None)
    with pytest.raises(ChatError) as info:
        await pipeline.post_agent_message(
            agent, session.conversation_id, content="not mine", client_id="x"
        )
    assert info.value.code == errors.NOT_FOUND  # as a missing conversation would be
    assert not await Message.objects.aexists()


@override_settings(LIVECHAT={**settings.LIVECHAT, "TYPING_TIMEOUT": 0.4})
async def test_agent_typing_is_authorized_once_and_coalesced(monkeypatch):
    checks = []
    check = agent_module._target_sync
    monkeypatch.setattr(agent_module, "_target_sync", lambda *a: checks.append(a) or check(*a))
    shop, _, ann, _ = await shop_with_agents()
    agent = await pipeline.authorize_agent(ann)
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    to_visitor = await subscribe(conversation_group(session.conversation_id))
    to_dashboards = await subscribe(website_group(shop.id))
    await received(to_dashboards)  # new_conversation
    for _ in range(100):
        await pipeline.agent_typing(agent, session.conversation_id, True, owner="tab-1")
    visitor_sees, agents_see = await asyncio.gather(
        received(to_visitor, timeout=0.1), received(to_dashboards, timeout=0.1)
    )
    # A hundred frames, one event (before any refresh is due, half the timeout on).
    assert visitor_sees == [
        {
            "type": "typing",
            "conversation_id": str(session.conversation_id),
            "role": "agent",
            "is_typing": True,
        }
    ]
    (to_agents,) = agents_see
    assert to_agents["agent"] == {"user_id": ann.pk, "name": "Ann Agent"}
    assert len(checks) == 1  # the rights are read again after a few seconds, not per frame
    with pytest.raises(ChatError):
        await pipeline.agent_typing(agent, session.conversation_id, "yes", owner="tab-1")
    await pipeline.unfollow("tab-1", [])  # the tab closes: the visitor hears it ended
    await asyncio.sleep(0.01)
    assert [f["is_typing"] for f in await received(to_visitor)] == [False]


async def test_mark_read_moves_the_marker_and_its_time():
    shop, _, ann, _ = await shop_with_agents()
    agent = await pipeline.authorize_agent(ann)
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    await pipeline.post_visitor_message(session, content="a", client_id="a", background=False)
    first = await pipeline.mark_read(agent, session.conversation_id, 1)
    assert first == {
        "conversation_id": str(session.conversation_id),
        "last_read_seq": 1,
        "unread": 0,
    }
    marked = await ReadMarker.objects.aget(user=ann)
    await pipeline.mark_read(agent, session.conversation_id, 2)
    moved = await ReadMarker.objects.aget(user=ann)
    assert moved.last_read_seq == 2 and moved.updated_at > marked.updated_at
    with pytest.raises(ChatError):
        await pipeline.mark_read(agent, session.conversation_id, None)
