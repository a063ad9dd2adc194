"""Hand-off to a person (by the visitor, the responder, an agent) and each website's bot."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import override_settings

from django_livechat import pipeline
from django_livechat.conf import DEFAULT_AUTO_RESPONSE_TEXT
from django_livechat.groups import conversation_group, website_group
from django_livechat.models import Conversation, Message, PendingReply, Website
from django_livechat.pipeline import replies, streams
from django_livechat.responders import inline
from tests.factories import make_user, make_website
from tests.layer import received, subscribe

pytestmark = pytest.mark.django_db(transaction=True)

HERE = "tests.pipeline.test_handoff"
CUT = "— The automatic reply was cut short; a person will follow up."


def livechat(**overrides):
    return override_settings(LIVECHAT={**settings.LIVECHAT, **overrides})


async def new_session(**fields):
    website = await database_sync_to_async(make_website)(**fields)
    return await pipeline.open_conversation(website_id=website.id, origin=None)


async def conversation(session):
    return await Conversation.objects.aget(pk=session.conversation_id)


async def replies_in(session):
    rows = Message.objects.filter(conversation_id=session.conversation_id, role="assistant")
    return [m.content async for m in rows.order_by("seq")]


calls = []


def counting(conversation, message):
    calls.append(message.content)
    return f"bot: {message.content}"


@inline
def shop_rule(conversation, message):
    return "The shop's own rule."


started = asyncio.Event()


async def slow(conversation, message):
    yield "Thinking"
    started.set()
    await asyncio.sleep(30)
    yield "never"


async def test_a_visitor_asks_for_a_person_once():
    session = await new_session()
    to_visitor = await subscribe(conversation_group(session.conversation_id))
    to_dashboards = await subscribe(website_group(session.website_id))
    frame, changed = await pipeline.request_handoff(session)
    assert changed
    handed = await conversation(session)
    assert frame == {
        "type": "handoff",
        "conversation_id": str(session.conversation_id),
        "handoff_at": handed.handoff_at.isoformat(),
        "by": "visitor",
    }
    assert await received(to_visitor) == [frame]
    dashboards = await received(to_dashboards)
    assert dashboards[0] == frame
    entry = dashboards[1]["conversation"]
    assert (entry["handoff_at"], entry["bot_state"]) == (frame["handoff_at"], "waiting")
    # Again: nothing changes, nobody else hears of it.
    again, changed = await pipeline.request_handoff(session)
    assert not changed and again["handoff_at"] == frame["handoff_at"]
    assert await received(to_visitor) == [] and await received(to_dashboards) == []


@livechat(RESPONDER=f"{HERE}.counting")
async def test_after_a_hand_off_the_responder_is_not_called():
    calls.clear()
    session = await new_session()
    first = await pipeline.post_visitor_message(
        session, content="one", client_id="1", background=False
    )
    assert first.reply["message"] == "bot: one"
    await pipeline.request_handoff(session)
    second = await pipeline.post_visitor_message(
        session, content="two", client_id="2", background=False
    )
    assert second.reply is None and calls == ["one"]
    assert not await PendingReply.objects.aexists()


@livechat(AUTO_RESPONSE_AWAY_TEXT=None)
async def test_the_default_responder_hands_over_when_the_visitor_asks_for_a_person():
    session = await new_session()
    to_visitor = await subscribe(conversation_group(session.conversation_id))
    result = await pipeline.post_visitor_message(
        session, content="Can I talk to a HUMAN please?", client_id="1", background=False
    )
    assert result.reply["message"] == DEFAULT_AUTO_RESPONSE_TEXT
    frames = await received(to_visitor)
    assert [f["type"] for f in frames] == ["chat_message", "chat_message", "handoff"]
    assert frames[2]["by"] == "bot"
    # No more acknowledgements.
    later = await pipeline.post_visitor_message(
        session, content="hello?", client_id="2", background=False
    )
    assert later.reply is None


async def test_an_agent_reply_and_an_assignment_hand_over():
    shop = await database_sync_to_async(make_website)()
    ann = await database_sync_to_async(make_user)("ann")
    await shop.agents.aadd(ann)
    agent = await pipeline.authorize_agent(ann)
    replied = await pipeline.open_conversation(website_id=shop.id, origin=None)
    assigned = await pipeline.open_conversation(website_id=shop.id, origin=None)
    to_dashboards = await subscribe(website_group(shop.id))
    await pipeline.post_agent_message(agent, replied.conversation_id, content="Hi", client_id="a")
    entry = await pipeline.assign_conversation(agent, assigned.conversation_id)
    assert entry["bot_state"] == "waiting" and entry["handoff_at"] is not None
    frames = await received(to_dashboards)
    handoffs = [f for f in frames if f["type"] == "handoff"]
    assert [(f["conversation_id"], f["by"]) for f in handoffs] == [
        (str(replied.conversation_id), "agent"),
        (str(assigned.conversation_id), "agent"),
    ]
    states = [f["conversation"]["bot_state"] for f in frames if f["type"] == "conversation"]
    assert states[0] == "agent"
    for session in (replied, assigned):
        assert (await conversation(session)).handoff_at is not None
    # A second reply hands over nothing more.
    await pipeline.post_agent_message(agent, replied.conversation_id, content="Hm", client_id="b")
    assert [f["type"] for f in await received(to_dashboards)] == ["chat_message"]


@livechat(RESPONDER=f"{HERE}.slow")
async def test_an_agent_reply_stops_a_running_stream():
    global started
    started = asyncio.Event()  # of this test's loop
    shop = await database_sync_to_async(make_website)()
    ann = await database_sync_to_async(make_user)("ann")
    await shop.agents.aadd(ann)
    agent = await pipeline.authorize_agent(ann)
    session = await pipeline.open_conversation(website_id=shop.id, origin=None)
    await pipeline.post_visitor_message(session, content="hi", client_id="1", background=True)
    await asyncio.wait_for(started.wait(), 5)
    await pipeline.post_agent_message(
        agent, session.conversation_id, content="I'm here", client_id="a"
    )
    await asyncio.wait_for(pipeline.drain(), 5)
    assert await replies_in(session) == [f"Thinking\n\n{CUT}"]
    assert streams.running_in(session.conversation_id) == 0


async def test_a_website_with_its_bot_off_gets_no_automatic_replies():
    session = await new_session(bot_enabled=False)
    result = await pipeline.post_visitor_message(
        session, content="hi", client_id="1", background=False
    )
    assert result.reply is None
    assert await replies_in(session) == []
    assert not await PendingReply.objects.aexists()


@livechat(RESPONDER=f"{HERE}.slow")
async def test_switching_a_websites_bot_off_stops_its_running_stream():
    global started
    started = asyncio.Event()  # of this test's loop
    session = await new_session()
    await pipeline.post_visitor_message(session, content="hi", client_id="1", background=True)
    await asyncio.wait_for(started.wait(), 5)

    def switch_off():
        website = Website.objects.get(pk=session.website_id)
        website.bot_enabled = False
        website.save()

    await database_sync_to_async(switch_off)()
    await asyncio.wait_for(pipeline.drain(), 5)
    assert await replies_in(session) == [f"Thinking\n\n{CUT}"]
    # Switched off, not handed over: a person was not asked for.
    assert (await conversation(session)).handoff_at is None


@livechat(AUTO_RESPONSE_AWAY_TEXT=None)
async def test_a_websites_own_responder_wins_over_the_setting():
    calls.clear()
    own = await new_session(responder=f"{HERE}.counting")
    rule = await new_session(responder=f"{HERE}.shop_rule")
    default = await new_session()
    got = [
        (await pipeline.post_visitor_message(s, content="q", client_id="1", background=False))
        for s in (own, rule, default)
    ]
    assert [r.reply["message"] for r in got] == [
        "bot: q",
        "The shop's own rule.",
        DEFAULT_AUTO_RESPONSE_TEXT,
    ]
    assert calls == ["q"]
    # Changed in the admin: this process reads it again at once.
    await Website.objects.filter(pk=own.website_id).aupdate(responder="")
    website = await Website.objects.aget(pk=own.website_id)
    await database_sync_to_async(website.save)()
    again = await pipeline.post_visitor_message(own, content="r", client_id="2", background=False)
    assert again.reply["message"] == DEFAULT_AUTO_RESPONSE_TEXT


async def test_plan_for_a_website_follows_its_switch_and_responder():
    default = await database_sync_to_async(make_website)()
    off = await database_sync_to_async(make_website)(bot_enabled=False)
    own = await database_sync_to_async(make_website)(responder=f"{HERE}.counting")
    assert await replies.plan_for(default.id) is replies.plan()
    assert await replies.plan_for(off.id) is None
    plan = await replies.plan_for(own.id)
    assert plan is not None and plan.inline is None
