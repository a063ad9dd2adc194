"""Assignment: the assignee's checks, ``assigned_at``, ``assigned_to_you``, round robin."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.groups import agent_group, website_group
from django_livechat.models import AgentPresence, Conversation, Website
from django_livechat.pipeline import assignment, presence
from tests.factories import make_user, make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def shop_with_agents(*, auto_assign: bool = False):
    shop = make_website(name="Shop", auto_assign=auto_assign)
    blog = make_website(name="Blog", auto_assign=auto_assign)
    ann = make_user("ann", first_name="Ann", last_name="Agent")
    cat = make_user("cat")
    bob = make_user("bob")
    shop.agents.add(ann, cat)
    blog.agents.add(bob)
    return shop, blog, ann, cat, bob


async def new_conversation(website: Website, text: str = "Hello") -> Conversation:
    """A visitor's first message (HTTP-like: the round robin is awaited)."""
    session = await pipeline.open_conversation(website_id=website.id, origin=None)
    await pipeline.post_visitor_message(session, content=text, client_id="c1", background=False)
    return await Conversation.objects.select_related("assigned_agent").aget(
        pk=session.conversation_id
    )


def of_type(frames, kind):
    return [f for f in frames if f["type"] == kind]


# ---------------------------------------------------------------- by an agent


async def test_assigning_sets_assigned_at_and_tells_the_assignee_only_when_it_is_someone_else():
    shop, _, ann, cat, _ = await shop_with_agents()
    agent = await pipeline.authorize_agent(ann)
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    cid = session.conversation_id
    to_ann, to_cat = await subscribe(agent_group(ann.pk)), await subscribe(agent_group(cat.pk))

    entry = await pipeline.assign_conversation(agent, cid)  # to herself: nobody is told
    assert entry["assigned_agent"]["user_id"] == ann.pk
    first = (await Conversation.objects.aget(pk=cid)).assigned_at
    assert first is not None and entry["assigned_at"] == first.isoformat()
    assert await received(to_ann) == []

    entry = await pipeline.assign_conversation(agent, cid, cat.pk)  # a transfer
    conversation = await Conversation.objects.aget(pk=cid)
    assert conversation.assigned_agent_id == cat.pk and conversation.assigned_at > first
    (told,) = await received(to_cat)
    assert told["type"] == "assigned_to_you"
    assert told["by"] == {"user_id": ann.pk, "name": "Ann Agent"}
    assert told["conversation"]["conversation_id"] == str(cid)
    assert told["conversation"]["assigned_agent"]["user_id"] == cat.pk
    assert "unread" in told["conversation"]  # as Cat's inbox lists it

    await pipeline.assign_conversation(agent, cid, cat.pk)  # unchanged: not told again
    assert await received(to_cat) == []

    entry = await pipeline.assign_conversation(agent, cid, None)  # unassigned
    assert entry["assigned_agent"] is None and entry["assigned_at"] is None
    conversation = await Conversation.objects.aget(pk=cid)
    assert (conversation.assigned_agent_id, conversation.assigned_at) == (None, None)
    assert await received(to_cat) == []


async def test_the_assignee_must_serve_the_website():
    shop, _, ann, _, bob = await shop_with_agents()
    plain = await database_sync_to_async(make_user)("plain", agent=False)
    gone = await database_sync_to_async(make_user)("gone", is_active=False)
    await database_sync_to_async(shop.agents.add)(plain, gone)
    agent = await pipeline.authorize_agent(ann)
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    to_dashboards = await subscribe(website_group(shop.id))
    await received(to_dashboards)
    # Bob serves the blog; plain lacks the permission; gone is inactive.
    for agent_id in (bob.pk, plain.pk, gone.pk, 999_999, str(bob.pk), "x", True, 1.5, [1]):
        with pytest.raises(ChatError) as info:
            await pipeline.assign_conversation(agent, session.conversation_id, agent_id)
        assert info.value.code == errors.INVALID_MESSAGE
    assert await received(to_dashboards) == []
    assert (await Conversation.objects.aget(pk=session.conversation_id)).assigned_agent_id is None


async def test_another_websites_conversation_is_not_found():
    _, blog, ann, _, bob = await shop_with_agents()
    agent = await pipeline.authorize_agent(ann)
    session = await pipeline.open_conversation(website_id=blog.id, origin=None)
    to_bob = await subscribe(agent_group(bob.pk))
    for assignee in (pipeline.ME, bob.pk, None):
        with pytest.raises(ChatError) as info:
            await pipeline.assign_conversation(agent, session.conversation_id, assignee)
        assert info.value.code == errors.NOT_FOUND
    assert await received(to_bob) == []
    assert (await Conversation.objects.aget(pk=session.conversation_id)).assigned_agent_id is None


# ---------------------------------------------------------------- round robin


async def test_round_robin_takes_turns_among_the_agents_online():
    shop, _, ann, cat, _ = await shop_with_agents(auto_assign=True)
    await presence.register("dash.ann", ann.pk, {shop.id})
    await presence.register("dash.cat", cat.pk, {shop.id})
    to_ann, to_cat = await subscribe(agent_group(ann.pk)), await subscribe(agent_group(cat.pk))
    to_dashboards = await subscribe(website_group(shop.id))
    first, second, third = [await new_conversation(shop, text) for text in ("a", "b", "c")]
    # Nobody assigned yet: ties go by user id (Ann first), then the longest wait.
    assert [c.assigned_agent_id for c in (first, second, third)] == [ann.pk, cat.pk, ann.pk]
    assert all(c.assigned_at is not None for c in (first, second, third))
    assignments = of_type(await received(to_dashboards), "assignment")
    assert [(a["conversation_id"], a["assigned_agent"]["user_id"]) for a in assignments] == [
        (str(first.id), ann.pk),
        (str(second.id), cat.pk),
        (str(third.id), ann.pk),
    ]
    assert all(a["by"] is None for a in assignments)
    told_ann = await received(to_ann)
    assert [(f["type"], f["by"]) for f in told_ann] == [("assigned_to_you", None)] * 2
    assert [f["conversation"]["conversation_id"] for f in told_ann] == [
        str(first.id),
        str(third.id),
    ]
    assert [f["conversation"]["conversation_id"] for f in await received(to_cat)] == [
        str(second.id)
    ]
    # A second message of a conversation is not a new conversation.
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    await pipeline.post_visitor_message(session, content="1", client_id="1", background=False)
    await Conversation.objects.filter(pk=session.conversation_id).aupdate(assigned_agent=None)
    await pipeline.post_visitor_message(session, content="2", client_id="2", background=False)
    assert (await Conversation.objects.aget(pk=session.conversation_id)).assigned_agent_id is None


async def test_the_oldest_latest_assignment_goes_first_per_website():
    shop, blog, ann, cat, _ = await shop_with_agents(auto_assign=True)
    await database_sync_to_async(blog.agents.add)(cat)
    earlier = timezone.now() - timedelta(hours=1)
    # Ann got a shop conversation an hour ago, Cat one a minute ago: Ann is next. Cat's
    # blog conversation (older still) counts for the blog only.
    for website, agent, at in (
        (shop, ann, earlier),
        (shop, cat, timezone.now() - timedelta(minutes=1)),
        (blog, cat, earlier - timedelta(hours=1)),
    ):
        await Conversation.objects.acreate(website=website, assigned_agent=agent, assigned_at=at)
    await presence.register("dash.ann", ann.pk, {shop.id})
    await presence.register("dash.cat", cat.pk, {shop.id, blog.id})
    assert (await new_conversation(shop)).assigned_agent_id == ann.pk
    assert (await new_conversation(shop)).assigned_agent_id == cat.pk
    assert (await new_conversation(blog)).assigned_agent_id == cat.pk


async def test_nobody_online_or_auto_assign_off_leaves_it_unassigned():
    shop, blog, ann, cat, bob = await shop_with_agents(auto_assign=True)
    to_dashboards = await subscribe(website_group(shop.id))
    assert (await new_conversation(shop)).assigned_agent_id is None  # nobody online
    # Online elsewhere, expired (a dead process), or no longer serving the website: no.
    await presence.register("dash.bob", bob.pk, {blog.id})
    await AgentPresence.objects.acreate(
        channel_name="dead",
        website=shop,
        user=ann,
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    await presence.register("dash.cat", cat.pk, {shop.id})
    await database_sync_to_async(shop.agents.remove)(cat)
    assert (await new_conversation(shop)).assigned_agent_id is None
    assert of_type(await received(to_dashboards), "assignment") == []
    # auto_assign off: an agent online changes nothing.
    await Website.objects.filter(pk=blog.pk).aupdate(auto_assign=False)
    assert (await new_conversation(blog)).assigned_agent_id is None


async def test_round_robin_never_takes_a_conversation_already_assigned():
    shop, _, ann, cat, _ = await shop_with_agents(auto_assign=True)
    await presence.register("dash.ann", ann.pk, {shop.id})
    conversation = await Conversation.objects.acreate(website=shop, assigned_agent=cat)
    await assignment.after_new_conversation(shop.id, conversation.id)
    assert (await Conversation.objects.aget(pk=conversation.pk)).assigned_agent_id == cat.pk


async def test_concurrent_round_robins_assign_a_conversation_once():
    shop, _, ann, cat, _ = await shop_with_agents(auto_assign=True)
    await presence.register("dash.ann", ann.pk, {shop.id})
    await presence.register("dash.cat", cat.pk, {shop.id})
    to_dashboards = await subscribe(website_group(shop.id))
    to_ann, to_cat = await subscribe(agent_group(ann.pk)), await subscribe(agent_group(cat.pk))
    await received(to_dashboards)
    conversation = await Conversation.objects.acreate(website=shop)
    # Two server processes hearing of the same new conversation at once.
    await asyncio.gather(
        *(assignment.after_new_conversation(shop.id, conversation.id) for _ in range(4))
    )
    assert len(of_type(await received(to_dashboards), "assignment")) == 1
    told = await received(to_ann) + await received(to_cat)
    assert len(told) == 1
    assigned = await Conversation.objects.aget(pk=conversation.pk)
    assert told[0]["conversation"]["assigned_agent"]["user_id"] == assigned.assigned_agent_id
