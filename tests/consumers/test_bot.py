"""Bots on the sockets: streamed replies, the visitor's ``handoff`` frame."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import override_settings

from django_livechat.models import Conversation, Message
from tests.factories import make_user, make_website
from tests.sockets import Dashboard, Visitor

pytestmark = pytest.mark.django_db(transaction=True)

HERE = "tests.consumers.test_bot"
CUT = "— The automatic reply was cut short; a person will follow up."


def livechat(**overrides):
    return override_settings(LIVECHAT={**settings.LIVECHAT, **overrides})


async def chunks(conversation, message):
    for chunk in ["One", " two", " three"]:
        await asyncio.sleep(0.03)
        yield chunk


async def forever(conversation, message):
    yield "Let me think"
    await asyncio.sleep(30)
    yield "never"


@database_sync_to_async
def shop_with_agent():
    shop = make_website(name="Shop")
    ann = make_user("ann")
    shop.agents.add(ann)
    return shop, ann


@livechat(RESPONDER=f"{HERE}.chunks", STREAM_DELTA_INTERVAL=0.001)
async def test_a_streamed_reply_grows_on_the_visitors_socket_and_the_dashboard():
    shop, ann = await shop_with_agent()
    async with Dashboard(ann) as dashboard, Visitor() as visitor:
        await visitor.identify(shop)
        await visitor.send(type="chat_message", message="hi", client_id="c-1")
        mine = await visitor.recv_type("chat_message")
        deltas = []
        while True:
            event = await visitor.recv_type("reply_delta") if not deltas else await visitor.recv()
            if event["type"] == "chat_message":
                reply = event
                break
            if event["type"] == "reply_delta":
                deltas.append(event)
        assert deltas[-1]["text"] == "One two three" == reply["message"]
        assert {d["client_id"] for d in deltas} == {f"auto:{mine['message_id']}"}
        assert reply["client_id"] == f"auto:{mine['message_id']}"
        seen = []
        while True:
            event = await dashboard.recv()
            seen.append(event["type"])
            if event["type"] == "chat_message" and event["role"] == "assistant":
                break
        assert "reply_delta" in seen
    assert await Message.objects.filter(role="assistant").acount() == 1


@livechat(RESPONDER=f"{HERE}.forever")
async def test_the_visitor_asks_for_a_person_and_the_stream_stops():
    shop, ann = await shop_with_agent()
    async with Dashboard(ann) as dashboard, Visitor() as visitor:
        chat = await visitor.identify(shop)
        await visitor.send(type="chat_message", message="hi", client_id="c-1")
        await visitor.recv_type("chat_message")
        assert (await visitor.recv_type("reply_delta"))["text"] == "Let me think"
        await visitor.send(type="handoff")
        got = {}
        while "handoff" not in got or "chat_message" not in got:
            event = await visitor.recv()
            got.setdefault(event["type"], event)
        assert got["handoff"]["by"] == "visitor"
        assert got["handoff"]["conversation_id"] == chat["conversation_id"]
        assert got["chat_message"]["message"] == f"Let me think\n\n{CUT}"
        to_dashboard = []
        while not to_dashboard or to_dashboard[-1]["type"] != "handoff":
            to_dashboard.append(await dashboard.recv())
        assert to_dashboard[-1]["by"] == "visitor"
        # A repeat is answered to the sender alone, with the first time.
        await visitor.send(type="handoff")
        again = await visitor.recv_type("handoff")
        assert again["handoff_at"] == got["handoff"]["handoff_at"]
        conversation = await Conversation.objects.aget(pk=chat["conversation_id"])
        assert conversation.handoff_at.isoformat() == again["handoff_at"]
    assert chat["handoff_at"] is None
    # A widget that rejoins (a reload) learns that it was handed over.
    async with Visitor() as reloaded:
        rejoined = await reloaded.identify(
            shop,
            conversation_id=chat["conversation_id"],
            visitor_token=chat["visitor_token"],
            last_seq=0,
        )
        assert rejoined["handoff_at"] == again["handoff_at"]


async def test_handoff_before_identify_is_refused():
    async with Visitor() as visitor:
        await visitor.send(type="handoff")
        event = await visitor.recv()
        assert (event["type"], event["code"]) == ("error", "NOT_IDENTIFIED")
