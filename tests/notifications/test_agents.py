"""Agents emailed about a new conversation nobody is present for, per their preference."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from django_livechat import pipeline
from django_livechat.models import AgentPreference, AgentPresence, Conversation, EmailOptOut
from django_livechat.notifications import digest, triggers
from tests.factories import make_user
from tests.notifications.conftest import agent, reply, rows, send_now, shop, visitor

pytestmark = pytest.mark.django_db(transaction=True)


async def first_message(website, text="Do you ship to Iceland?", **visitor_fields):
    session = await visitor(website, email=None, **visitor_fields)
    await pipeline.post_visitor_message(session, content=text, client_id="v1", background=False)
    return session


@database_sync_to_async
def present(user, website):
    AgentPresence.objects.create(
        channel_name="dash-1",
        website=website,
        user=user,
        expires_at=timezone.now() + timedelta(minutes=1),
    )


async def test_each_agent_who_wants_it_gets_one_email(outbox):
    website = await shop()
    ann = await agent(website, "ann")  # no preference row: immediate
    await agent(website, "bob", preference="daily")
    await agent(website, "cid", preference="off")
    await agent(website, "dan", preference="immediate", email="")  # no address
    await database_sync_to_async(make_user)("eve", email="eve@shop.example")  # not its agent
    session = await first_message(website)
    # A second message is no new conversation.
    await pipeline.post_visitor_message(session, content="Hello?", client_id="v2", background=False)
    (row,) = await rows()
    assert row.kind == "agent_new_conversation" and row.to == ann.email
    assert row.dedupe_key == f"agent_new_conversation:{session.conversation_id}:{ann.pk}"
    assert await send_now() == 1
    (email,) = outbox
    assert email.to == ["ann@shop.example"] and email.subject == "New chat on Shop"
    assert "Do you ship to Iceland?" in email.body
    assert "http" in email.body and "/livechat/dashboard/" in email.body
    assert "List-Unsubscribe" in email.extra_headers


async def test_enqueueing_twice_makes_one_email_per_agent(outbox):
    website = await shop()
    await agent(website, "ann")
    session = await first_message(website)
    assert (
        await database_sync_to_async(triggers.enqueue_agent_notifications)(session.conversation_id)
        == 0
    )
    assert len(await rows()) == 1


async def test_no_email_while_an_agent_is_present(outbox):
    website = await shop()
    ann = await agent(website, "ann")
    await present(ann, website)
    await first_message(website)
    assert await rows() == []


async def test_no_email_when_the_website_does_not_notify(outbox):
    website = await shop(notify_agents=False)
    await agent(website, "ann")
    await first_message(website)
    assert await rows() == []


async def test_an_opted_out_agent_gets_none(outbox):
    website = await shop()
    await agent(website, "ann")
    await EmailOptOut.objects.acreate(address="ann@shop.example")
    await first_message(website)
    assert await rows() == []


async def test_a_conversation_answered_before_sending_is_not_emailed(outbox):
    website = await shop()
    ann = await agent(website, "ann")
    session = await first_message(website)
    await reply(ann, session.conversation_id, "Yes we do", "a1")
    assert await send_now() == 0 and outbox == []


async def test_the_socket_path_enqueues_in_the_background(outbox):
    website = await shop()
    await agent(website, "ann")
    session = await visitor(website, email=None)
    await pipeline.post_visitor_message(session, content="Hi", client_id="v1", background=True)
    await pipeline.drain()
    assert len(await rows()) == 1


# ---------------------------------------------------------------- the daily digest


def test_the_latest_digest_time_follows_the_hour_in_time_zone(settings, livechat):
    settings.TIME_ZONE = "Europe/Berlin"
    livechat(EMAIL_DIGEST_HOUR=8)
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2026, 3, 10, 7, 59, tzinfo=berlin)
    after = datetime(2026, 3, 10, 8, 0, tzinfo=berlin)
    assert digest.latest_digest_time(before) == datetime(2026, 3, 9, 8, 0, tzinfo=berlin)
    assert digest.latest_digest_time(after) == after


@database_sync_to_async
def backdate(conversation_id, hours):
    Conversation.objects.filter(pk=conversation_id).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )


async def test_a_daily_agent_gets_one_digest_of_the_unanswered_chats(outbox, livechat):
    website = await shop()
    ann = await agent(website, "ann")
    bob = await agent(website, "bob", preference="daily")
    await first_message(website, "Where is my order?", name="Vera")
    answered = await first_message(website, "Do you ship to Iceland?")
    await reply(ann, answered.conversation_id, "Yes", "a1")
    old = await first_message(website, "Last week's question")
    await backdate(old.conversation_id, 50)
    await visitor(website)  # never wrote: not listed
    outbox.clear()
    now = timezone.now()
    livechat(EMAIL_DIGEST_HOUR=timezone.localtime(now).hour)  # due now
    count = await database_sync_to_async(digest.enqueue_due_digests)(now)
    assert count == 1
    assert await database_sync_to_async(digest.enqueue_due_digests)(now) == 0  # once a day
    digests = await rows(kind="agent_digest")
    assert [r.to for r in digests] == [bob.email]
    await send_now()
    (email,) = [m for m in outbox if m.to == [bob.email]]
    assert email.subject == "1 unanswered chat today"
    assert "Where is my order?" in email.body
    assert "Iceland" not in email.body and "Last week" not in email.body
    preference = await AgentPreference.objects.aget(user=bob)
    assert preference.last_digest_at is not None
