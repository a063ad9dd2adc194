"""The dashboard socket: transfers and round robin, who is online and where, who types."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async

from django_livechat import pipeline
from django_livechat.models import Conversation, Website
from tests.factories import make_user, make_website
from tests.sockets import Dashboard, Visitor

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def setup_sites(*, auto_assign: bool = False) -> dict[str, Any]:
    shop = make_website(name="Shop", auto_assign=auto_assign)
    blog = make_website(name="Blog")
    ann = make_user("ann", first_name="Ann", last_name="Agent")
    cat = make_user("cat")
    bob = make_user("bob")  # serves the blog only
    shop.agents.add(ann, cat)
    blog.agents.add(bob)
    return {"shop": shop, "blog": blog, "ann": ann, "cat": cat, "bob": bob}


@pytest.fixture
async def sites() -> dict[str, Any]:
    return await setup_sites()


def data(user: Any) -> dict[str, Any]:
    return {"user_id": user.pk, "name": user.get_full_name() or user.username}


async def start_chat(website: Website, text: str = "Hello") -> tuple[Visitor, str]:
    visitor = await Visitor().__aenter__()
    identified = await visitor.identify(website)
    await visitor.send(type="chat_message", message=text, client_id=f"v-{uuid.uuid4().hex}")
    await visitor.recv_type("chat_message")
    await visitor.recv_type("chat_message")  # the automatic reply
    await pipeline.drain()
    return visitor, identified["conversation_id"]


async def latest_agents(dashboard: Dashboard) -> dict[str, Any]:
    """The newest ``agents`` frame, once the coalescing interval is over."""
    await pipeline.drain()
    await dashboard.nothing(0.2)
    assert dashboard.agents, "no agents frame"
    frame = dashboard.agents[-1]
    dashboard.agents.clear()
    return frame


async def among(dashboard: Dashboard, *types: str) -> dict[str, dict[str, Any]]:
    """The next frame of each of ``types``, skipping the others (a new conversation's)."""
    found: dict[str, dict[str, Any]] = {}
    while len(found) < len(types):
        frame = await dashboard.recv()
        if frame["type"] in types:
            assert frame["type"] not in found, frame
            found[frame["type"]] = frame
    return found


async def rest(dashboard: Dashboard) -> list[str]:
    """The types of the frames that arrive until none does for a moment."""
    await pipeline.drain()
    kinds = []
    while not await dashboard.ws.receive_nothing(timeout=0.3):
        kinds.append((await dashboard.ws.receive_json_from())["type"])
    return kinds


def online(frame: dict[str, Any]) -> dict[Any, list[str]]:
    return {agent["user_id"]: agent["viewing"] for agent in frame["agents"]}


# ---------------------------------------------------------------- who is online, and where


async def test_agents_see_who_is_online_and_which_conversation_each_has_open(sites):
    shop, ann, cat, bob = sites["shop"], sites["ann"], sites["cat"], sites["bob"]
    visitor, cid = await start_chat(shop)
    async with Dashboard(ann) as ann_dash:
        # After ready: one frame per website she serves (and the one that tells the
        # shop's dashboards she came, hers too).
        first = ann_dash.agents[0]
        assert all(frame == first for frame in ann_dash.agents)
        assert first == {
            "type": "agents",
            "website_id": str(shop.id),
            "agents": [{**data(ann), "viewing": []}],
        }
        ann_dash.agents.clear()
        async with Dashboard(cat) as cat_dash, Dashboard(bob) as bob_dash:
            assert online(await latest_agents(ann_dash)) == {ann.pk: [], cat.pk: []}
            assert {f["website_id"] for f in bob_dash.agents} == {str(sites["blog"].id)}
            bob_dash.agents.clear()

            await ann_dash.send(type="viewing", conversation_id=cid)
            assert online(await latest_agents(cat_dash)) == {ann.pk: [cid], cat.pk: []}
            assert online(await latest_agents(ann_dash)) == {ann.pk: [cid], cat.pk: []}

            # Typing tells the others who types.
            await ann_dash.send(type="typing", conversation_id=cid, is_typing=True)
            typing = await cat_dash.recv()
            assert (typing["type"], typing["by"], typing["is_typing"]) == (
                "typing",
                data(ann),
                True,
            )
            visitor_sees = await visitor.recv_type("typing")
            assert "by" not in visitor_sees and "agent" not in visitor_sees

            # The shop is nothing to Bob: no agents frames, no typing, no viewing of it.
            await bob_dash.nothing(0.3)
            assert bob_dash.agents == []
            await bob_dash.send(type="viewing", conversation_id=cid)
            await bob_dash.error("NOT_FOUND")
            await ann_dash.nothing(0.3)
            assert ann_dash.agents == []

            await ann_dash.send(type="viewing", conversation_id=None)
            assert online(await latest_agents(cat_dash)) == {ann.pk: [], cat.pk: []}
        # Cat's dashboard closed: Ann sees her go.
        assert online(await latest_agents(ann_dash)) == {ann.pk: []}
    await visitor.__aexit__()


async def test_a_conversation_closed_in_one_tab_stays_open_in_the_other(sites):
    shop, ann, cat = sites["shop"], sites["ann"], sites["cat"]
    visitor, cid = await start_chat(shop)
    async with Dashboard(cat) as cat_dash:
        async with Dashboard(ann) as tab:
            await tab.send(type="viewing", conversation_id=cid)
            assert online(await latest_agents(cat_dash)) == {ann.pk: [cid], cat.pk: []}
            async with Dashboard(ann) as other_tab:
                await other_tab.send(type="viewing", conversation_id="not-a-uuid")
                await other_tab.error("INVALID_MESSAGE")
            # The other tab went; this one still has the conversation open.
            await cat_dash.nothing(0.6)
            if cat_dash.agents:
                assert online(cat_dash.agents[-1]) == {ann.pk: [cid], cat.pk: []}
            cat_dash.agents.clear()
        assert online(await latest_agents(cat_dash)) == {cat.pk: []}
    await visitor.__aexit__()


# ---------------------------------------------------------------- assignment


async def test_a_transfer_tells_the_assignee_on_every_dashboard_of_theirs(sites):
    shop, ann, cat, bob = sites["shop"], sites["ann"], sites["cat"], sites["bob"]
    visitor, cid = await start_chat(shop)
    _, blog_cid = await start_chat(sites["blog"])
    async with (
        Dashboard(ann) as ann_dash,
        Dashboard(cat) as cat_tab,
        Dashboard(cat) as cat_other_tab,
        Dashboard(bob) as bob_dash,
    ):
        await ann_dash.send(type="assign", conversation_id=cid, agent_id=cat.pk)
        answer = await ann_dash.recv_all("conversation", "assignment", "handoff", "conversation")
        assert answer["conversation"]["conversation"]["assigned_agent"] == data(cat)
        assert answer["conversation"]["conversation"]["assigned_at"] is not None
        for tab in (cat_tab, cat_other_tab):
            # An agent took it: handed over (issue 13), once.
            got = await tab.recv_all("assignment", "assigned_to_you", "handoff", "conversation")
            told = got["assigned_to_you"]
            assert told["by"] == data(ann)
            assert told["conversation"]["conversation_id"] == cid
            assert told["conversation"]["assigned_agent"] == data(cat)
        # Cat hands it back to Ann, who is told.
        await cat_tab.send(type="assign", conversation_id=cid, agent_id=ann.pk)
        await cat_tab.recv_all("conversation", "assignment")
        await cat_other_tab.recv_type("assignment")
        got = await ann_dash.recv_all("assignment", "assigned_to_you")
        assert got["assigned_to_you"]["by"] == data(cat)
        # Cat takes it to herself: nobody else to tell.
        await cat_tab.send(type="assign", conversation_id=cid)
        await cat_tab.recv_all("conversation", "assignment")
        await cat_other_tab.recv_type("assignment")
        await ann_dash.recv_type("assignment")
        await cat_other_tab.nothing()
        # Unassign: null.
        await ann_dash.send(type="assign", conversation_id=cid, agent_id=None)
        entry = (await ann_dash.recv_all("conversation", "assignment"))["conversation"]
        assert entry["conversation"]["assigned_agent"] is None
        assert entry["conversation"]["assigned_at"] is None
        await cat_tab.recv_type("assignment")
        # Bob serves the blog: not an assignee of the shop; the blog's conversation is
        # not found for Ann; Bob heard of none of it.
        await ann_dash.send(type="assign", conversation_id=cid, agent_id=bob.pk)
        await ann_dash.error("INVALID_MESSAGE")
        await ann_dash.send(type="assign", conversation_id=blog_cid, agent_id=ann.pk)
        await ann_dash.error("NOT_FOUND")
        await bob_dash.nothing()
    blog_conversation = await Conversation.objects.aget(pk=blog_cid)
    assert blog_conversation.assigned_agent_id is None
    await visitor.__aexit__()


async def test_round_robin_gives_new_conversations_to_the_agents_online_in_turn():
    sites = await setup_sites(auto_assign=True)
    ann, cat = sites["ann"], sites["cat"]
    async with Dashboard(ann) as ann_dash, Dashboard(cat) as cat_dash:
        visitors = []
        for expected, dash, other in ((ann, ann_dash, cat_dash), (cat, cat_dash, ann_dash)) * 2:
            visitor, cid = await start_chat(sites["shop"])
            visitors.append(visitor)
            got = await among(dash, "assignment", "assigned_to_you")
            told = got["assigned_to_you"]
            assert told["by"] is None
            assert told["conversation"]["conversation_id"] == cid
            assert told["conversation"]["assigned_agent"] == data(expected)
            assignment = (await among(other, "assignment"))["assignment"]
            for frame in (assignment, got["assignment"]):
                assert (frame["assigned_agent"], frame["by"]) == (data(expected), None)
            assert "assigned_to_you" not in await rest(other)  # not theirs
    for visitor in visitors:
        await visitor.__aexit__()


async def test_an_agent_added_to_a_website_learns_who_is_online_there(sites):
    shop, ann, bob = sites["shop"], sites["ann"], sites["bob"]
    async with Dashboard(ann) as ann_dash, Dashboard(bob) as bob_dash:
        bob_dash.agents.clear()
        await database_sync_to_async(shop.agents.add)(bob)
        ready = await bob_dash.recv()
        assert ready["type"] == "ready" and len(ready["websites"]) == 2
        await bob_dash.recv_type("conversations")
        await pipeline.drain()
        await bob_dash.nothing()
        by_website = {f["website_id"]: online(f) for f in bob_dash.agents}
        assert by_website[str(shop.id)] == {ann.pk: [], bob.pk: []}
        assert by_website[str(sites["blog"].id)] == {bob.pk: []}
        # Ann sees Bob arrive on the shop.
        assert online(await latest_agents(ann_dash)) == {ann.pk: [], bob.pk: []}
