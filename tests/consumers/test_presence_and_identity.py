"""Both sockets together: presence, agents' names, identity after the fact, errors of
agent messages (issue 10)."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import override_settings

from django_livechat.models import Conversation, Message
from tests.factories import make_user, make_website
from tests.sockets import Dashboard, Visitor

pytestmark = pytest.mark.django_db(transaction=True)


def livechat(**overrides: Any) -> Any:
    return override_settings(LIVECHAT={**settings.LIVECHAT, **overrides})


@database_sync_to_async
def shop_with(*agents: tuple[str, dict[str, Any]]) -> tuple[Any, list[Any]]:
    shop = make_website(name="Shop")
    users = [make_user(username, **fields) for username, fields in agents]
    shop.agents.add(*users)
    return shop, users


def signed(website: Any, identifier: str) -> str:
    key = website.identity_secret.encode()
    return hmac.new(key, identifier.encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- presence


async def test_visitors_see_agents_come_and_go():
    shop, (ann,) = await shop_with(("ann", {}))
    async with Visitor() as visitor:
        identified = await visitor.identify(shop)
        assert identified["agents_online"] == 0
        async with Dashboard(ann):
            frame = await visitor.recv_presence()
            assert frame == {"type": "presence", "website_id": str(shop.id), "agents_online": 1}
            await visitor.send(type="ping")
            assert (await visitor.recv())["agents_online"] == 1
        frame = await visitor.recv_presence()
        assert frame["agents_online"] == 0


async def test_a_visitor_identifying_while_an_agent_is_online_is_told_so():
    shop, (ann,) = await shop_with(("ann", {}))
    async with Dashboard(ann) as dashboard, Visitor() as visitor:
        assert (await visitor.identify(shop))["agents_online"] == 1
        await dashboard.recv_type("new_conversation")
        await dashboard.usable()  # the dashboard's ping is its heartbeat too


async def test_visitors_of_other_websites_hear_nothing():
    _, (ann,) = await shop_with(("ann", {}))
    blog = await database_sync_to_async(make_website)(name="Blog")
    async with Visitor() as visitor:
        await visitor.identify(blog)
        async with Dashboard(ann):
            await visitor.nothing()
        assert visitor.presence == []


# ---------------------------------------------------------------- agents' names


async def reply_as(user: Any, website: Any) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """An agent's reply as the visitor's socket and the dashboard got it, and the visitor."""
    visitor = await Visitor().__aenter__()
    chat = await visitor.identify(website)
    async with Dashboard(user) as dashboard:
        await dashboard.send(
            type="agent_message",
            conversation_id=chat["conversation_id"],
            message="Hello!",
            client_id="a-1",
        )
        to_visitor = await visitor.recv_type("chat_message")
        to_dashboard = await dashboard.recv_type("chat_message")
        await visitor.recv_type("handoff")  # a person answered (issue 13)
    return to_visitor, to_dashboard, visitor


@pytest.mark.parametrize(
    ("fields", "visitors_see", "agents_see"),
    [
        ({"first_name": "Ann", "last_name": "Lee"}, "Ann", "Ann Lee"),
        ({}, "Shop team", "ann.lee"),
    ],
)
async def test_visitors_never_see_an_agents_username(fields, visitors_see, agents_see):
    shop, (ann,) = await shop_with(("ann.lee", fields))
    to_visitor, to_dashboard, visitor = await reply_as(ann, shop)
    assert to_visitor["sender_name"] == visitors_see
    assert to_dashboard["sender_name"] == agents_see
    # Nor in the history a returning visitor reads.
    await visitor.send(type="history", last_seq=0)
    history = await visitor.recv_type("history")
    assert [m.get("sender_name") for m in history["messages"]] == [visitors_see]
    assert "ann.lee" not in str(history)
    await visitor.__aexit__()


def display_name_for_visitors(user: Any) -> str:
    return f"Agent {user.pk}"


async def test_agent_display_name_decides_what_visitors_see():
    shop, (ann,) = await shop_with(("ann", {"first_name": "Ann"}))
    with livechat(AGENT_DISPLAY_NAME=f"{__name__}.display_name_for_visitors"):
        to_visitor, to_dashboard, visitor = await reply_as(ann, shop)
    assert to_visitor["sender_name"] == f"Agent {ann.pk}"
    assert to_dashboard["sender_name"] == "Ann"
    await visitor.__aexit__()


# ---------------------------------------------------------------- identity after the fact


async def test_a_visitor_who_signs_in_keeps_their_conversation():
    shop, (ann,) = await shop_with(("ann", {}))
    async with Dashboard(ann) as dashboard, Visitor() as visitor:
        first = await visitor.identify(shop)
        await dashboard.recv_type("new_conversation")
        await visitor.send(type="chat_message", message="Hi", client_id="v-1")
        await visitor.recv_type("chat_message")
        await visitor.recv_type("chat_message")  # the automatic reply
        await dashboard.recv_type("chat_message")
        await dashboard.recv_type("chat_message")
        again = await visitor.identify(
            shop,
            visitor_token=first["visitor_token"],
            user_identifier="ann@example.com",
            identifier_hash=signed(shop, "ann@example.com"),
            name="Ann Visitor",
            email="ann@example.com",
        )
        assert again["conversation_id"] == first["conversation_id"]
        assert again["user_identifier"] == "ann@example.com"
        assert again["visitor_token"]  # freshly signed (same text within one second)
        history = await visitor.recv_type("history")
        assert [m["message"] for m in history["messages"]][:1] == ["Hi"]
        update = await dashboard.recv_type("conversation")
        assert update["conversation"]["conversation_id"] == first["conversation_id"]
        assert update["conversation"]["visitor_identifier"] == "ann@example.com"
        assert update["conversation"]["metadata"]["identity_verified"] is True
        # The new token rejoins the same conversation.
        await visitor.send(type="chat_message", message="Still me", client_id="v-2")
        assert (await visitor.recv_type("chat_message"))["conversation_id"] == first[
            "conversation_id"
        ]
    conversation = await Conversation.objects.aget(pk=first["conversation_id"])
    assert conversation.visitor_identifier == "ann@example.com"
    assert conversation.metadata["name"] == "Ann Visitor"
    assert conversation.metadata["email"] == "ann@example.com"
    assert await Conversation.objects.acount() == 1


async def test_an_identity_without_a_matching_hash_is_attached_unverified():
    shop, _ = await shop_with()
    async with Visitor() as visitor:
        first = await visitor.identify(shop)
        again = await visitor.identify(
            shop,
            visitor_token=first["visitor_token"],
            user_identifier="ann",
            identifier_hash="0" * 64,
        )
        assert again["conversation_id"] == first["conversation_id"]
    conversation = await Conversation.objects.aget(pk=first["conversation_id"])
    assert conversation.metadata["identity_verified"] is False


async def test_another_identity_starts_a_new_conversation():
    shop, _ = await shop_with()
    async with Visitor() as visitor:
        first = await visitor.identify(shop, user_identifier="ann")
        other = await visitor.identify(
            shop, visitor_token=first["visitor_token"], user_identifier="bob"
        )
        assert other["conversation_id"] != first["conversation_id"]
        assert other["user_identifier"] == "bob"
        # The same identity again is a plain rejoin.
        same = await visitor.identify(
            shop, visitor_token=first["visitor_token"], user_identifier="ann"
        )
        assert same["conversation_id"] == first["conversation_id"]
    first_conversation = await Conversation.objects.aget(pk=first["conversation_id"])
    assert first_conversation.visitor_identifier == "ann"


# ---------------------------------------------------------------- errors of agent messages


async def test_a_refused_agent_message_names_its_client_id():
    shop, (ann,) = await shop_with(("ann", {}))
    async with Visitor() as visitor:
        chat = await visitor.identify(shop)
        async with Dashboard(ann) as dashboard:
            too_long = "x" * (settings.LIVECHAT.get("MAX_MESSAGE_LENGTH", 4000) + 1)
            for frame, code in (
                ({"message": too_long}, "MESSAGE_TOO_LONG"),
                ({"message": "  "}, "INVALID_MESSAGE"),
                ({"message": "hi", "conversation_id": str(uuid.uuid4())}, "NOT_FOUND"),
            ):
                client_id = f"a-{code}"
                await dashboard.send(
                    **{
                        "type": "agent_message",
                        "conversation_id": chat["conversation_id"],
                        "client_id": client_id,
                        **frame,
                    }
                )
                error = await dashboard.error(code)
                assert error["client_id"] == client_id
    assert not await Message.objects.filter(role="agent").aexists()
