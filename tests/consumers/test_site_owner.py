"""Both sockets and issue 11's site-owner features: availability, pre-chat, contact,
rating, returning visitors, resume links."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from django_livechat import pipeline
from django_livechat.conf import DEFAULT_AUTO_RESPONSE_CLOSED_TEXT
from django_livechat.models import Conversation
from tests.factories import make_user, make_website
from tests.sockets import Dashboard, Visitor

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_ALL_WEEK = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
TOPIC = {"name": "topic", "label": "Topic", "type": "select", "required": True, "options": ["A"]}


@database_sync_to_async
def shop_with_agent(**fields: Any) -> tuple[Any, Any]:
    shop = make_website(name="Shop", **fields)
    ann = make_user("ann", first_name="Ann")
    shop.agents.add(ann)
    return shop, ann


async def ratings_frame(dashboard: Dashboard) -> dict[str, Any]:
    """The ``ratings`` frame a dashboard gets when it connects (after the inbox)."""
    frame = getattr(dashboard, "ratings", None) or await dashboard.recv()
    assert frame["type"] == "ratings", frame
    return frame


async def test_identified_says_whether_the_website_is_open():
    shop, _ann = await shop_with_agent(reply_time="a few minutes")
    async with Visitor() as visitor:
        identified = await visitor.identify(shop)
        assert identified["availability"] == {
            "open": True,
            "reply_time": "a few minutes",
            "next_open": None,
        }
    closed, _ = await database_sync_to_async(
        lambda: (make_website(name="Closed", business_hours=CLOSED_ALL_WEEK), None)
    )()
    async with Visitor() as visitor:
        identified = await visitor.identify(closed)
        assert identified["availability"]["open"] is False
        # The automatic reply says so.
        await visitor.send(type="chat_message", message="Hello?", client_id="c-1")
        _mine, reply = [await visitor.recv() for _ in range(2)]
        assert reply["message"] == DEFAULT_AUTO_RESPONSE_CLOSED_TEXT


async def test_presence_frames_of_a_website_with_hours_carry_open():
    shop, ann = await shop_with_agent(business_hours=CLOSED_ALL_WEEK)
    async with Visitor() as visitor:
        await visitor.identify(shop)
        async with Dashboard(ann):
            frame = await visitor.recv_presence()
            assert frame == {
                "type": "presence",
                "website_id": str(shop.id),
                "agents_online": 1,
                "open": False,
            }


async def test_opening_is_noticed_at_the_next_heartbeat():
    shop, _ann = await shop_with_agent()
    async with Visitor() as visitor:
        assert (await visitor.identify(shop))["availability"]["open"] is True
        # The owner closes the website (the admin's save; this process forgets its copy).
        shop.business_hours = CLOSED_ALL_WEEK
        await database_sync_to_async(shop.save)()
        await visitor.send(type="ping")
        assert (await visitor.recv())["type"] == "pong"
        frame = await visitor.recv_presence()
        assert frame["open"] is False and frame["agents_online"] == 0
        await visitor.send(type="ping")
        await visitor.recv()
        await visitor.nothing()  # told once


async def test_prechat_at_identify_and_its_errors():
    shop, ann = await shop_with_agent(
        prechat_enabled=True, prechat_fields=[TOPIC], prechat_consent_text="OK?"
    )
    async with Visitor() as visitor:
        await visitor.send(type="identify", website_id=str(shop.id), prechat={"email": "x"})
        error = await visitor.recv()
        assert error["type"] == "error" and error["code"] == "INVALID_PRECHAT"
        assert set(error["fields"]) == {"email", "consent", "topic"}
        assert await Conversation.objects.acount() == 0
        async with Dashboard(ann) as dashboard:
            await ratings_frame(dashboard)
            identified = await visitor.identify(
                shop,
                prechat={
                    "name": "Ada",
                    "email": "ada@example.com",
                    "consent": True,
                    "fields": {"topic": "A"},
                },
            )
            new = await dashboard.recv_type("new_conversation")
            entry = new["conversation"]
            assert entry["conversation_id"] == identified["conversation_id"]
            assert entry["visitor_name"] == "Ada"
            assert entry["visitor_email"] == "ada@example.com"
            assert entry["prechat"]["topic"] == "A" and entry["prechat"]["consent_at"]
            assert entry["prechat_fields"] == [TOPIC]
            assert entry["rating"] is None and entry["rating_comment"] == ""


async def test_contact_frame():
    shop, ann = await shop_with_agent()
    async with Dashboard(ann) as dashboard, Visitor() as visitor:
        await ratings_frame(dashboard)
        await visitor.send(type="contact", email="ada@example.com")  # not identified yet
        assert (await visitor.recv())["code"] == "NOT_IDENTIFIED"
        identified = await visitor.identify(shop)
        await dashboard.recv_type("new_conversation")
        await visitor.send(type="contact", email="nope")
        error = await visitor.recv()
        assert error["code"] == "INVALID_PRECHAT" and set(error["fields"]) == {"email"}
        await visitor.send(type="contact", email="ada@example.com", name="Ada")
        assert await visitor.recv() == {
            "type": "contact_saved",
            "email": "ada@example.com",
            "name": "Ada",
        }
        update = await dashboard.recv_type("conversation")
        assert update["conversation"]["conversation_id"] == identified["conversation_id"]
        assert update["conversation"]["visitor_email"] == "ada@example.com"


async def test_rating_after_resolve_and_the_ratings_summary():
    shop, ann = await shop_with_agent()
    async with Dashboard(ann) as dashboard, Visitor() as visitor:
        assert await ratings_frame(dashboard) == {"type": "ratings", "websites": [], "agents": []}
        identified = await visitor.identify(shop)
        cid = identified["conversation_id"]
        await dashboard.recv_type("new_conversation")
        await visitor.send(type="rate", rating=5)
        assert (await visitor.recv())["code"] == "NOT_RESOLVED"
        await dashboard.send(type="assign", conversation_id=cid)
        await dashboard.recv_all("assignment", "conversation", "handoff", "conversation")
        assert (await visitor.recv())["by"] == "agent"  # an agent took it (issue 13)
        await dashboard.send(type="resolve", conversation_id=cid)
        await dashboard.recv_all("status", "conversation")
        assert (await visitor.recv_type("status"))["status"] == "resolved"
        await visitor.send(type="rate", rating=5, comment="Great")
        assert await visitor.recv() == {
            "type": "rated",
            "conversation_id": cid,
            "rating": 5,
            "comment": "Great",
        }
        update = await dashboard.recv_type("conversation")
        assert update["conversation"]["rating"] == 5
        assert update["conversation"]["rating_comment"] == "Great"
        await visitor.send(type="rate", rating=1)
        assert (await visitor.recv())["code"] == "ALREADY_RATED"
        await dashboard.send(type="ratings")
        summary = await dashboard.recv()
        assert summary == {
            "type": "ratings",
            "websites": [{"website_id": str(shop.id), "name": "Shop", "average": 5.0, "count": 1}],
            "agents": [{"user_id": ann.pk, "name": "Ann", "average": 5.0, "count": 1}],
        }


async def test_a_rejoin_says_whether_the_conversation_was_rated():
    shop, _ann = await shop_with_agent()
    async with Visitor() as visitor:
        identified = await visitor.identify(shop)
        assert identified["rated"] is False
    cid = identified["conversation_id"]
    rejoin = {"conversation_id": cid, "visitor_token": identified["visitor_token"]}
    await Conversation.objects.filter(pk=cid).aupdate(status="resolved")
    async with Visitor() as visitor:
        again = await visitor.identify(shop, **rejoin)
        assert again["conversation_status"] == "resolved" and again["rated"] is False
        await visitor.recv_type("history")
        await visitor.send(type="rate", rating=4)
        assert (await visitor.recv())["type"] == "rated"
    async with Visitor() as visitor:
        assert (await visitor.identify(shop, **rejoin))["rated"] is True


async def test_history_lists_the_visitors_previous_conversations():
    shop, ann = await shop_with_agent()
    async with Visitor() as visitor:
        first = await visitor.identify(shop, user_identifier="u-1")
    async with Visitor() as visitor:
        second = await visitor.identify(shop, user_identifier="u-1")
    async with Dashboard(ann) as dashboard:
        await ratings_frame(dashboard)
        await dashboard.send(type="history", conversation_id=second["conversation_id"])
        answer = await dashboard.recv()
        assert answer["type"] == "history"
        (earlier,) = answer["conversation"]["previous"]
        assert earlier["conversation_id"] == first["conversation_id"]
        assert earlier["status"] == "open" and earlier["rating"] is None


async def test_identify_with_a_resume_token():
    shop, _ann = await shop_with_agent()
    async with Visitor() as visitor:
        first = await visitor.identify(shop)
    conversation = await Conversation.objects.aget(pk=first["conversation_id"])
    async with Visitor() as visitor:
        resumed = await visitor.identify(
            shop, resume_token=pipeline.make_resume_token(conversation)
        )
        assert resumed["conversation_id"] == first["conversation_id"]
        assert resumed["visitor_token"]
        assert (await visitor.recv())["type"] == "history"
    async with Visitor() as visitor:
        await visitor.send(type="identify", website_id=str(shop.id), resume_token="forged")
        assert (await visitor.recv())["code"] == "FORBIDDEN"


async def test_ready_tells_the_agent_which_websites_are_open():
    shop, ann = await shop_with_agent(reply_time="a few minutes")

    @database_sync_to_async
    def closed_site() -> Any:
        closed = make_website(name="Closed", business_hours=CLOSED_ALL_WEEK)
        closed.agents.add(ann)
        return closed

    closed = await closed_site()
    async with Dashboard(ann) as dashboard:
        websites = {w["website_id"]: w for w in dashboard.ready["websites"]}
        assert websites[str(shop.id)]["availability"] == {
            "open": True,
            "reply_time": "a few minutes",
            "next_open": None,
        }
        assert websites[str(closed.id)]["availability"]["open"] is False
