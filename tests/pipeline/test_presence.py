"""Agent presence: dashboards counted per website across processes, told to visitors."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Permission
from django.utils import timezone

from django_livechat import pipeline
from django_livechat.groups import visitors_group, website_group
from django_livechat.models import AgentPresence
from django_livechat.pipeline import presence
from tests.factories import make_user, make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def shop_with_agents():
    shop, blog = make_website(name="Shop"), make_website(name="Blog")
    ann, bob, cat = make_user("ann"), make_user("bob"), make_user("cat")
    shop.agents.add(ann, bob)
    blog.agents.add(cat)
    return shop, blog, ann, bob, cat


async def fresh_count(website_id):
    counts = await database_sync_to_async(presence.count_sync)([website_id])
    return counts[website_id]


async def open_dashboard(channel_name, user):
    agent = await pipeline.authorize_agent(user)
    return agent, await pipeline.follow(channel_name, agent)


async def presence_frames(channel):
    return [f for f in await received(channel, timeout=1.5) if f["type"] == "presence"]


async def test_the_count_is_distinct_agents_with_a_dashboard_open():
    shop, blog, ann, bob, _ = await shop_with_agents()
    assert await fresh_count(shop.id) == 0
    _, ann_tab1 = await open_dashboard("dash.ann.1", ann)
    assert await fresh_count(shop.id) == 1
    _, ann_tab2 = await open_dashboard("dash.ann.2", ann)
    assert await fresh_count(shop.id) == 1  # two tabs of one agent count once
    _, bob_tab = await open_dashboard("dash.bob", bob)
    assert await fresh_count(shop.id) == 2
    assert await fresh_count(blog.id) == 0  # only the websites each agent serves
    await pipeline.unfollow("dash.ann.1", ann_tab1)
    assert await fresh_count(shop.id) == 2  # Ann's other tab is still open
    await pipeline.unfollow("dash.ann.2", ann_tab2)
    await pipeline.unfollow("dash.bob", bob_tab)
    assert await fresh_count(shop.id) == 0
    assert await AgentPresence.objects.acount() == 0


async def test_a_superuser_counts_for_every_website():
    shop, blog, *_ = await shop_with_agents()
    boss = await database_sync_to_async(make_user)("boss", agent=False, is_superuser=True)
    await open_dashboard("dash.boss", boss)
    assert (await fresh_count(shop.id), await fresh_count(blog.id)) == (1, 1)


async def test_visitors_hear_when_the_count_changes_at_most_once_a_second():
    shop, blog, ann, bob, _ = await shop_with_agents()
    to_shop_visitors = await subscribe(visitors_group(shop.id))
    to_blog_visitors = await subscribe(visitors_group(blog.id))
    clock = asyncio.get_running_loop().time
    started = clock()
    await open_dashboard("dash.ann", ann)
    await asyncio.sleep(0.05)  # the first change goes out at once
    assert await received(to_shop_visitors, timeout=0.1) == [
        {"type": "presence", "website_id": str(shop.id), "agents_online": 1}
    ]
    # Three changes within the second: one frame when it is over, with the latest count.
    _, bob_groups = await open_dashboard("dash.bob", bob)
    await pipeline.unfollow("dash.bob", bob_groups)
    await open_dashboard("dash.bob", bob)
    await pipeline.drain()
    assert clock() - started >= presence.COALESCE_SECONDS
    assert await presence_frames(to_shop_visitors) == [
        {"type": "presence", "website_id": str(shop.id), "agents_online": 2}
    ]
    assert await presence_frames(to_blog_visitors) == []


async def test_a_heartbeat_keeps_the_dashboard_counted_and_a_silent_one_expires():
    shop, _, ann, _, _ = await shop_with_agents()
    agent, _ = await open_dashboard("dash.ann", ann)
    row = await AgentPresence.objects.aget(channel_name="dash.ann")
    ttl = presence.presence_ttl()
    assert ttl == timedelta(seconds=2 * 25 + 10)
    # Its process died: the row is left behind and stops counting once it expires.
    await AgentPresence.objects.filter(pk=row.pk).aupdate(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert await fresh_count(shop.id) == 0
    # A heartbeat of a living socket refreshes its rows.
    assert await pipeline.agent_heartbeat("dash.ann", agent) == {"type": "pong"}
    refreshed = await AgentPresence.objects.aget(channel_name="dash.ann")
    assert refreshed.expires_at > timezone.now() + ttl - timedelta(seconds=5)
    assert await fresh_count(shop.id) == 1


async def test_expired_rows_are_swept_and_visitors_told():
    shop, _, ann, bob, _ = await shop_with_agents()
    await open_dashboard("dash.dead", ann)
    agent, _ = await open_dashboard("dash.bob", bob)
    await AgentPresence.objects.filter(channel_name="dash.dead").aupdate(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    await pipeline.drain()
    to_visitors = await subscribe(visitors_group(shop.id))
    presence.loop_local("presence-sweep", dict)["next"] = 0.0  # the sweep is due
    await pipeline.agent_heartbeat("dash.bob", agent)
    await pipeline.drain()
    assert not await AgentPresence.objects.filter(channel_name="dash.dead").aexists()
    assert await presence_frames(to_visitors) == [
        {"type": "presence", "website_id": str(shop.id), "agents_online": 1}
    ]


async def test_an_agent_removed_from_a_website_stops_counting_for_it():
    shop, blog, ann, _, _ = await shop_with_agents()
    agent, groups = await open_dashboard("dash.ann", ann)
    await pipeline.drain()
    to_visitors = await subscribe(visitors_group(shop.id))
    await database_sync_to_async(shop.agents.remove)(ann)
    await database_sync_to_async(blog.agents.add)(ann)
    # What the socket does when the grants change (or at its heartbeat).
    agent = await pipeline.recheck_agent(agent, None)
    await pipeline.refollow("dash.ann", groups, agent)
    await pipeline.drain()
    assert (await fresh_count(shop.id), await fresh_count(blog.id)) == (0, 1)
    assert await presence_frames(to_visitors) == [
        {"type": "presence", "website_id": str(shop.id), "agents_online": 0}
    ]


async def test_an_agent_losing_the_permission_is_no_longer_counted_once_the_socket_closes():
    shop, _, ann, _, _ = await shop_with_agents()
    agent, groups = await open_dashboard("dash.ann", ann)
    permission = await Permission.objects.aget(codename="reply_conversation")
    await database_sync_to_async(ann.user_permissions.remove)(permission)
    ann = await database_sync_to_async(type(ann).objects.get)(pk=ann.pk)  # no perm cache
    with pytest.raises(pipeline.NotAnAgent):
        await pipeline.recheck_agent(agent, None)
    await pipeline.unfollow("dash.ann", groups)  # the socket closes on NotAnAgent
    assert await fresh_count(shop.id) == 0


async def test_identify_says_how_many_agents_are_online_cheaply():
    shop, _, ann, _, _ = await shop_with_agents()
    await open_dashboard("dash.ann", ann)
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    assert session.identified_event()["agents_online"] == 1
    # Read again within the second: from this process's cache, no query.
    with CountQueries() as queries:
        assert await pipeline.agents_online(shop.id) == 1
    assert queries.count == 0


class CountQueries:
    """Counts the presence queries this process makes meanwhile."""

    def __enter__(self):
        self.count = 0
        self._original = presence.count_sync

        def counting(website_ids):
            self.count += 1
            return self._original(website_ids)

        presence.count_sync = counting
        return self

    def __exit__(self, *exc):
        presence.count_sync = self._original


async def test_visitors_hear_when_an_online_agent_is_deleted():
    shop, _, ann, bob, _ = await shop_with_agents()
    await open_dashboard("dash.ann", ann)
    await open_dashboard("dash.bob", bob)
    await pipeline.drain()
    await asyncio.sleep(presence.COALESCE_SECONDS)
    to_visitors = await subscribe(visitors_group(shop.id))
    to_dashboards = await subscribe(website_group(shop.id))
    ann_id = ann.pk
    await database_sync_to_async(ann.delete)()
    assert await presence_frames(to_visitors) == [
        {"type": "presence", "website_id": str(shop.id), "agents_online": 1}
    ]
    # The agents' own list of who is online loses her too.
    listed = [f for f in await received(to_dashboards, timeout=1.5) if f["type"] == "agents"]
    assert listed, "the dashboards were not told"
    assert [a["user_id"] for a in listed[-1]["agents"]] == [bob.pk]
    assert ann_id not in [a["user_id"] for a in listed[-1]["agents"]]
