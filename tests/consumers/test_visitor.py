from __future__ import annotations

import asyncio
import gc
import json
import sqlite3
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.test import override_settings

from django_livechat import pipeline
from django_livechat.conf import DEFAULT_AUTO_RESPONSE_AWAY_TEXT
from django_livechat.groups import website_group
from django_livechat.models import Conversation, Message, Website
from django_livechat.pipeline import typing as typing_module
from tests.factories import make_website
from tests.layer import decode, received
from tests.sockets import Visitor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def website() -> Website:
    return await database_sync_to_async(make_website)()


async def test_identify_creates_conversation(website):
    async with Visitor() as v:
        event = await v.identify(website, user_identifier="ann@example.com", metadata={"page": "/"})
        assert event["status"] == "success"
        assert event["website_id"] == str(website.id)
        assert event["user_identifier"] == "ann@example.com"
        assert event["visitor_token"]
        conversation = await Conversation.objects.aget(pk=event["conversation_id"])
        assert conversation.website_id == website.id
        assert conversation.metadata["page"] == "/"
        assert conversation.metadata["identity_verified"] is False
        await v.nothing()


async def test_chat_message_echo_then_auto_reply(website):
    async with Visitor() as v:
        identified = await v.identify(website)
        await v.send(type="chat_message", message="Hello there", client_id="c-1")
        mine, reply = [await v.recv() for _ in range(2)]
        # The default responder is inline: its reply comes with the message, no typing.
        assert mine["type"] == reply["type"] == "chat_message"
        assert mine["message"] == "Hello there"
        assert mine["role"] == "user"
        assert mine["seq"] == 1
        assert mine["client_id"] == "c-1"
        assert mine["conversation_id"] == identified["conversation_id"]
        assert mine["is_auto"] is False and mine["is_manual"] is False
        assert uuid.UUID(mine["message_id"]) and mine["timestamp"]
        assert reply["role"] == "assistant"
        assert reply["is_auto"] is True
        assert reply["seq"] == 2
        assert reply["client_id"] == f"auto:{mine['message_id']}"
        assert reply["message"] == DEFAULT_AUTO_RESPONSE_AWAY_TEXT
        await v.nothing()
        # A second message works the same way.
        await v.send(type="chat_message", message="Again", client_id="c-2")
        second, second_reply = [await v.recv() for _ in range(2)]
        assert (second["seq"], second_reply["seq"]) == (3, 4)
    assert await Message.objects.filter(conversation_id=identified["conversation_id"]).acount() == 4


async def slow_echo(conversation, message):
    await asyncio.sleep(0.05)
    return f"echo: {message.content}"


@override_settings(
    LIVECHAT={"SQLITE_WAL": True, "RESPONDER": "tests.consumers.test_visitor.slow_echo"}
)
async def test_a_reply_that_takes_time_comes_between_typing_events(website):
    async with Visitor() as v:
        identified = await v.identify(website)
        await v.send(type="chat_message", message="Hello there", client_id="c-1")
        events = [await v.recv() for _ in range(4)]
        assert [e["type"] for e in events] == ["chat_message", "typing", "chat_message", "typing"]
        mine, typing_on, reply, typing_off = events
        assert mine["seq"] == 1
        assert typing_on == {
            "type": "typing",
            "conversation_id": identified["conversation_id"],
            "role": "assistant",
            "is_typing": True,
        }
        assert (reply["seq"], reply["message"]) == (2, "echo: Hello there")
        assert typing_off["is_typing"] is False
        await v.nothing()


async def test_every_socket_of_the_conversation_receives_messages(website):
    async with Visitor() as first:
        identified = await first.identify(website)
        async with Visitor() as second:
            rejoined = await second.identify(
                website,
                conversation_id=identified["conversation_id"],
                visitor_token=identified["visitor_token"],
            )
            assert rejoined["conversation_id"] == identified["conversation_id"]
            history = await second.recv()
            assert history == {
                "type": "history",
                "conversation_id": identified["conversation_id"],
                "messages": [],
                "has_more": False,
            }
            await first.send(type="chat_message", message="From tab one", client_id="x")
            for socket in (first, second):
                event = await socket.recv_type("chat_message")
                assert event["message"] == "From tab one"
                reply = await socket.recv_type("chat_message")
                assert reply["is_auto"] is True


async def test_repeated_client_id_is_stored_once_and_acked_to_sender(website):
    async with Visitor() as v:
        identified = await v.identify(website)
        await v.send(type="chat_message", message="Once", client_id="same")
        original = await v.recv_type("chat_message")
        reply = await v.recv_type("chat_message")
        await v.send(type="chat_message", message="Once", client_id="same")
        # The sender alone gets the stored copy and its reply again; nothing is stored.
        assert await v.recv() == {"type": "chat_message", **_without_type(original)}
        assert await v.recv() == reply
        await v.nothing()
    count = await Message.objects.filter(conversation_id=identified["conversation_id"]).acount()
    assert count == 2


async def test_resume_after_disconnect_delivers_missed_messages_once_in_order(website):
    async with Visitor() as v:
        identified = await v.identify(website)
        await v.send(type="chat_message", message="one", client_id="1")
        await v.recv_type("chat_message")
        await v.recv_type("chat_message")
    # Stored while the visitor was away (another tab, the HTTP API...).
    session = pipeline.VisitorSession(
        uuid.UUID(identified["conversation_id"]), website.id, "", identified["visitor_token"]
    )
    await pipeline.post_visitor_message(session, content="two", client_id="2", background=False)
    async with Visitor() as v:
        await v.identify(
            website,
            conversation_id=identified["conversation_id"],
            visitor_token=identified["visitor_token"],
            last_seq=2,
        )
        history = await v.recv()
        assert history["type"] == "history"
        assert [m["seq"] for m in history["messages"]] == [3, 4]
        assert [m["message"] for m in history["messages"]] == [
            "two",
            DEFAULT_AUTO_RESPONSE_AWAY_TEXT,
        ]
        assert history["has_more"] is False
        await v.nothing()
        await v.send(type="history", last_seq=0)
        everything = await v.recv()
        assert [m["seq"] for m in everything["messages"]] == [1, 2, 3, 4]


async def test_ping_pong_before_and_after_identify(website):
    async with Visitor() as v:
        await v.send(type="ping")
        assert await v.recv() == {"type": "pong"}
        await v.identify(website)
        await v.send(type="ping")
        # Once identified, the pong says how far the conversation goes: a client that
        # holds less missed something live and asks for history.
        assert await v.recv() == {"type": "pong", "last_seq": 0, "agents_online": 0}
        await v.send(type="chat_message", message="hi", client_id="p")
        await v.recv_type("chat_message")
        await v.recv_type("chat_message")
        await v.send(type="ping", last_seq=2)
        assert await v.recv() == {"type": "pong", "last_seq": 2, "agents_online": 0}


async def test_a_ping_naming_its_website_before_identify_says_who_is_online(website):
    from tests.factories import make_user
    from tests.sockets import Dashboard

    ann = await database_sync_to_async(make_user)("ann")
    await database_sync_to_async(website.agents.add)(ann)
    async with Visitor() as v:
        await v.send(type="ping", website_id=str(website.id))
        assert await v.recv() == {"type": "pong", "agents_online": 0}
        async with Dashboard(ann):
            await asyncio.sleep(1.1)  # the per-process count is cached for a second
            await v.send(type="ping", website_id=str(website.id))
            assert await v.recv() == {"type": "pong", "agents_online": 1}
        # A heartbeat never fails: an unknown, switched-off or malformed website id gets
        # a plain pong.
        website.is_active = False
        await database_sync_to_async(website.save)()
        for wid in (str(uuid.uuid4()), str(website.id), "nope", 7, None):
            await v.send(type="ping", website_id=wid)
            assert await v.recv() == {"type": "pong"}


def _without_type(frame: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in frame.items() if k != "type"}


async def assert_error(v: Visitor, code: str) -> dict[str, Any]:
    event = await v.recv()
    assert event["type"] == "error", event
    assert event["code"] == code
    assert event["message"]
    return event


async def assert_still_usable(v: Visitor) -> None:
    await v.send(type="ping")
    assert (await v.recv())["type"] == "pong"


async def test_invalid_json_frames(website):
    async with Visitor() as v:
        await v.ws.send_to(text_data="{not json")
        await assert_error(v, "INVALID_JSON")
        await v.ws.send_to(text_data="[1, 2]")
        await assert_error(v, "INVALID_JSON")
        await v.ws.send_to(bytes_data=b"\x00\x01")
        await assert_error(v, "INVALID_JSON")
        await assert_still_usable(v)


async def test_unknown_type_and_not_identified(website):
    async with Visitor() as v:
        await v.send(type="dance")
        await assert_error(v, "UNKNOWN_TYPE")
        await v.send(message="no type")
        await assert_error(v, "UNKNOWN_TYPE")
        await v.send(type="chat_message", message="hi", client_id="a")
        await assert_error(v, "NOT_IDENTIFIED")
        await v.send(type="typing", is_typing=True)
        await assert_error(v, "NOT_IDENTIFIED")
        await assert_still_usable(v)
    assert await Message.objects.acount() == 0


async def test_invalid_website(website):
    inactive = await database_sync_to_async(make_website)(name="Old", is_active=False)
    async with Visitor() as v:
        for website_id in (str(uuid.uuid4()), "not-a-uuid", None, str(inactive.id)):
            await v.send(type="identify", website_id=website_id)
            await assert_error(v, "INVALID_WEBSITE")
        await assert_still_usable(v)
        await v.identify(website)  # and can still identify properly


async def test_foreign_origin_is_refused_and_closed(website):
    async with Visitor(origin="https://evil.example.net") as v:
        await v.send(type="identify", website_id=str(website.id))
        await assert_error(v, "FORBIDDEN")
        closed = await v.ws.receive_output(timeout=1)
        assert closed == {"type": "websocket.close", "code": 4403}
    assert await Conversation.objects.acount() == 0


async def test_someone_elses_conversation_is_forbidden(website):
    async with Visitor() as owner:
        theirs = await owner.identify(website)
    async with Visitor() as v:
        mine = await v.identify(website)
    cases = [
        {"conversation_id": theirs["conversation_id"]},  # guessed id, no token
        {"conversation_id": theirs["conversation_id"], "visitor_token": mine["visitor_token"]},
        {"visitor_token": "forged-token"},
    ]
    for extra in cases:
        async with Visitor() as v:
            await v.send(type="identify", website_id=str(website.id), **extra)
            await assert_error(v, "FORBIDDEN")
            assert (await v.ws.receive_output(timeout=1))["code"] == 4403


async def test_token_of_another_website_is_forbidden(website):
    other = await database_sync_to_async(make_website)(name="Other")
    async with Visitor() as v:
        theirs = await v.identify(other)
    async with Visitor() as v:
        await v.send(
            type="identify", website_id=str(website.id), visitor_token=theirs["visitor_token"]
        )
        await assert_error(v, "FORBIDDEN")


async def test_invalid_messages(website):
    async with Visitor() as v:
        await v.identify(website)
        for bad in (
            {"message": "", "client_id": "a"},
            {"message": "   ", "client_id": "a"},
            {"message": 42, "client_id": "a"},
            {"client_id": "a"},
            {"message": "ok", "client_id": 7},
            {"message": "ok", "client_id": "x" * 65},
        ):
            await v.send(type="chat_message", **bad)
            await assert_error(v, "INVALID_MESSAGE")
        await v.send(type="typing", is_typing="yes")
        await assert_error(v, "INVALID_MESSAGE")
        await v.send(type="history", last_seq=-1)
        await assert_error(v, "INVALID_MESSAGE")
        await assert_still_usable(v)
    assert await Message.objects.acount() == 0


@override_settings(LIVECHAT={"MAX_MESSAGE_LENGTH": 10, "SQLITE_WAL": True})
async def test_message_too_long(website):
    async with Visitor() as v:
        await v.identify(website)
        await v.send(type="chat_message", message="x" * 11, client_id="a")
        await assert_error(v, "MESSAGE_TOO_LONG")
        await v.send(type="chat_message", message="x" * 10, client_id="b")
        assert (await v.recv_type("chat_message"))["message"] == "x" * 10


@override_settings(LIVECHAT={"MAX_MESSAGE_LENGTH": 10, "SQLITE_WAL": True})
async def test_oversize_frame_closes_with_1009(website):
    async with Visitor() as v:
        await v.ws.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * 100_000}))
        assert await v.ws.receive_output(timeout=1) == {"type": "websocket.close", "code": 1009}


@override_settings(LIVECHAT={"RATE_LIMIT_MESSAGES": 2, "RATE_LIMIT_PERIOD": 60, "SQLITE_WAL": True})
async def test_rate_limited(website):
    async with Visitor() as v:
        await v.identify(website)
        for n in range(2):
            await v.send(type="chat_message", message=f"m{n}", client_id=f"c{n}")
            await v.recv_type("chat_message")
            await v.recv_type("chat_message")
        await v.send(type="chat_message", message="too many", client_id="c3")
        event = await assert_error(v, "RATE_LIMITED")
        # The shared limit estimates its sliding window from two fixed ones: a wait of up
        # to (1 + 1/limit) periods.
        assert 0 < event["retry_after"] <= 90
        assert event["client_id"] == "c3"
        await assert_still_usable(v)
    assert not await Message.objects.filter(content="too many").aexists()


def failing_responder(conversation: Conversation, message: Message) -> str:
    raise RuntimeError("the bot is down")


async def slow_responder(conversation: Conversation, message: Message) -> str:
    await asyncio.sleep(5)
    return "too late"


async def async_echo_responder(conversation: Conversation, message: Message) -> str | None:
    return f"echo: {message.content} ({conversation.website.name})"


@override_settings(
    LIVECHAT={"RESPONDER": "tests.consumers.test_visitor.failing_responder", "SQLITE_WAL": True}
)
async def test_responder_failure_keeps_message_reports_and_ends_typing(website):
    async with Visitor() as v:
        await v.identify(website)
        await v.send(type="chat_message", message="hi", client_id="a")
        assert (await v.recv())["type"] == "chat_message"
        assert (await v.recv())["is_typing"] is True
        await assert_error(v, "INTERNAL_ERROR")
        assert (await v.recv())["is_typing"] is False
        await assert_still_usable(v)
    assert await Message.objects.filter(content="hi", role="user").aexists()
    assert await Message.objects.acount() == 1


@override_settings(
    LIVECHAT={
        "RESPONDER": "tests.consumers.test_visitor.failing_responder",
        "RESPONDER_ERRORS_TO_VISITOR": False,
        "SQLITE_WAL": True,
    }
)
async def test_responder_failure_can_stay_silent(website):
    async with Visitor() as v:
        await v.identify(website)
        await v.send(type="chat_message", message="hi", client_id="a")
        assert (await v.recv())["type"] == "chat_message"
        assert (await v.recv())["is_typing"] is True
        assert (await v.recv()) | {"conversation_id": None} == {
            "type": "typing",
            "conversation_id": None,
            "role": "assistant",
            "is_typing": False,
        }


@override_settings(
    LIVECHAT={
        "RESPONDER": "tests.consumers.test_visitor.slow_responder",
        "RESPONDER_TIMEOUT": 0.3,
        "SQLITE_WAL": True,
    }
)
async def test_responder_timeout_ends_typing(website):
    async with Visitor() as v:
        await v.identify(website)
        await v.send(type="chat_message", message="hi", client_id="a")
        assert (await v.recv())["type"] == "chat_message"
        assert (await v.recv())["is_typing"] is True
        error = await assert_error(v, "INTERNAL_ERROR")
        assert "too long" in error["message"]
        assert (await v.recv())["is_typing"] is False
    assert await Message.objects.acount() == 1


@override_settings(
    LIVECHAT={"RESPONDER": "tests.consumers.test_visitor.async_echo_responder", "SQLITE_WAL": True}
)
async def test_async_responder(website):
    async with Visitor() as v:
        await v.identify(website)
        await v.send(type="chat_message", message="ping?", client_id="a")
        await v.recv_type("chat_message")
        reply = await v.recv_type("chat_message")
        assert reply["message"] == "echo: ping? (Shop)"


async def next_frame(layer, channel: str, timeout: float = 2) -> dict[str, Any]:
    (frame,) = decode(await asyncio.wait_for(layer.receive(channel), timeout))
    return frame


async def test_visitor_typing_reaches_dashboards_and_ends(website):
    layer = get_channel_layer()
    dashboard = await layer.new_channel()
    await layer.group_add(website_group(website.id), dashboard)
    async with Visitor() as v:
        identified = await v.identify(website)
        new_conversation = await next_frame(layer, dashboard)
        assert new_conversation["type"] == "new_conversation"
        assert new_conversation["conversation"]["conversation_id"] == identified["conversation_id"]
        await v.send(type="typing", is_typing=True)
        assert await next_frame(layer, dashboard) == {
            "type": "typing",
            "conversation_id": identified["conversation_id"],
            "role": "user",
            "is_typing": True,
        }
        # Sending the message ends the typing state, at once.
        await v.send(type="chat_message", message="done typing", client_id="t")
        event = await next_frame(layer, dashboard)
        assert event["type"] == "typing" and event["is_typing"] is False
        (message, reply) = decode(await asyncio.wait_for(layer.receive(dashboard), 2))
        assert (message["message"], reply["role"]) == ("done typing", "assistant")
        await v.recv_type("chat_message")
        await v.recv_type("chat_message")
        # Typing, then leaving: the dashboards hear it ended.
        await asyncio.sleep(typing_module.MIN_INTERVAL)
        await v.send(type="typing", is_typing=True)
        assert (await next_frame(layer, dashboard))["is_typing"] is True
    seen = await received(dashboard, timeout=1.5)
    assert [f["is_typing"] for f in seen if f.get("role") == "user"] == [False]


@override_settings(LIVECHAT={"TYPING_TIMEOUT": 0.2, "SQLITE_WAL": True})
async def test_visitor_typing_times_out(website):
    layer = get_channel_layer()
    dashboard = await layer.new_channel()
    await layer.group_add(website_group(website.id), dashboard)
    async with Visitor() as v:
        await v.identify(website)
        await next_frame(layer, dashboard)  # new_conversation
        await v.send(type="typing", is_typing=True)
        assert (await next_frame(layer, dashboard))["is_typing"] is True
        expired = await next_frame(layer, dashboard, timeout=3)
        assert expired["type"] == "typing" and expired["is_typing"] is False


@override_settings(LIVECHAT={"RATE_LIMIT_SOCKET_TYPING": 0, "SQLITE_WAL": True})
async def test_a_typing_flood_is_coalesced(website):
    """Hundreds of typing frames a second reach the dashboards as one event a second
    (the socket's typing limit off: what it refuses is tested on its own)."""
    layer = get_channel_layer()
    dashboard = await layer.new_channel()
    await layer.group_add(website_group(website.id), dashboard)
    async with Visitor() as v:
        await v.identify(website)
        await next_frame(layer, dashboard)  # new_conversation
        started = asyncio.get_running_loop().time()
        for n in range(300):
            await v.send(type="typing", is_typing=n % 2 == 0)
            await asyncio.sleep(0.005)
        await v.send(type="typing", is_typing=False)
        flood_seconds = asyncio.get_running_loop().time() - started
        seen = await received(dashboard, timeout=1.5)
    typing = [f["is_typing"] for f in seen if f["type"] == "typing"]
    assert 2 <= len(typing) <= flood_seconds / typing_module.MIN_INTERVAL + 3, typing
    assert typing[-1] is False  # the newest state wins


async def test_messages_posted_elsewhere_reach_the_socket(website):
    async with Visitor() as v:
        identified = await v.identify(website)
        session = pipeline.VisitorSession(
            uuid.UUID(identified["conversation_id"]), website.id, "", identified["visitor_token"]
        )
        result = await pipeline.post_visitor_message(
            session, content="over http", client_id="h1", background=False
        )
        assert result.reply is not None
        event = await v.recv_type("chat_message")
        assert event["message"] == "over http"
        assert event["message_id"] == result.message["message_id"]
        assert (await v.recv_type("chat_message"))["message_id"] == result.reply["message_id"]


def open_sqlite_connections() -> int:
    """Open sqlite3 connections in the whole process, every thread's included."""
    gc.collect()
    count = 0
    for obj in gc.get_objects():
        try:
            is_connection = isinstance(obj, sqlite3.Connection)
        except ReferenceError:  # a weak proxy whose object is gone (some test's leftover)
            continue
        if is_connection:
            try:
                obj.total_changes  # noqa: B018  (raises once closed)
            except sqlite3.ProgrammingError:
                continue
            count += 1
    return count


async def test_many_connects_and_disconnects_leak_no_db_connections(website):
    async with Visitor() as v:  # warm up: the test's own connection is open already
        await v.identify(website)
    before = open_sqlite_connections()

    async def chat(n: int) -> None:
        async with Visitor() as v:
            await v.identify(website)
            await v.send(type="chat_message", message=f"n{n}", client_id=str(n))
            await v.recv_type("chat_message")

    for round_ in range(3):  # concurrent visitors, so several worker threads are in use
        await asyncio.gather(*(chat(round_ * 10 + n) for n in range(10)))
    await pipeline.drain()
    after = open_sqlite_connections()
    assert after <= before, (before, after)
    assert await Message.objects.filter(role="user").acount() == 30


@override_settings(LIVECHAT={"MAX_MESSAGE_LENGTH": 5, "SQLITE_WAL": True})
async def test_errors_about_a_message_name_its_client_id(website):
    async with Visitor() as v:
        await v.identify(website)
        await v.send(type="chat_message", message="far too long", client_id="pending-7")
        error = await assert_error(v, "MESSAGE_TOO_LONG")
        assert error["client_id"] == "pending-7"
        await v.send(type="ping", client_id="not-a-message")
        assert await v.recv() == {"type": "pong", "last_seq": 0, "agents_online": 0}
        await v.send(type="typing", is_typing="yes", client_id="x")
        assert "client_id" not in await assert_error(v, "INVALID_MESSAGE")


async def test_identified_tells_a_rejoining_visitor_the_conversation_is_resolved(website):
    async with Visitor() as v:
        first = await v.identify(website)
        assert first["conversation_status"] == "open"
    await Conversation.objects.filter(pk=first["conversation_id"]).aupdate(status="resolved")
    async with Visitor() as v:
        again = await v.identify(
            website,
            conversation_id=first["conversation_id"],
            visitor_token=first["visitor_token"],
        )
        assert again["conversation_status"] == "resolved"


# ---------------------------------------------------------------- hostile frames


async def test_a_message_of_emoji_at_the_length_limit_escaped_by_the_client_is_stored(website):
    """4,000 emoji escaped as JSON (\\ud83d\\ude00 each) is 48,000 characters on the wire."""
    async with Visitor() as v:
        await v.identify(website)
        text = "\U0001f600" * 4000
        assert len(text) == 4000  # within MAX_MESSAGE_LENGTH
        await v.ws.send_to(
            text_data=json.dumps({"type": "chat_message", "message": text, "client_id": "e"})
        )
        mine = await v.recv_type("chat_message")
        assert mine["message"] == text


async def test_json_nested_too_deep_is_an_error_not_a_crash(website):
    async with Visitor() as v:
        await v.ws.send_to(text_data="[" * 10_000 + "]" * 10_000)
        await assert_error(v, "INVALID_JSON")
        await v.identify(website)
        deep: Any = "x"
        for _ in range(50):
            deep = {"d": deep}
        await v.send(type="identify", website_id=str(website.id), metadata={"deep": deep})
        assert "nests deeper" in (await assert_error(v, "INVALID_MESSAGE"))["message"]
        await assert_still_usable(v)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("message", "lone \ud800 surrogate"),
        ("message", "a NUL \x00 inside"),
        ("user_identifier", "ann\ud83d"),
        ("user_identifier", "ann\x00"),
        ("metadata", {"page": "/\x00"}),
        ("metadata", {"key\ud800": "v"}),
        ("metadata", {"n": float("nan")}),
    ],
)
async def test_text_no_database_can_store_is_refused_clearly(website, field, value):
    async with Visitor() as v:
        if field == "message":
            await v.identify(website)
            raw = json.dumps({"type": "chat_message", "message": value, "client_id": "u"})
        else:
            raw = json.dumps({"type": "identify", "website_id": str(website.id), field: value})
        await v.ws.send_to(text_data=raw)
        error = await assert_error(v, "INVALID_MESSAGE")
        assert (
            "NUL" in error["message"]
            or "Unicode" in error["message"]
            or "number" in error["message"]
        )
        await assert_still_usable(v)
    assert not await Message.objects.filter(client_id="u").aexists()


async def test_a_client_cannot_claim_a_verified_identity(website):
    async with Visitor() as v:
        identified = await v.identify(website, metadata={"identity_verified": True, "page": "/"})
    conversation = await Conversation.objects.aget(pk=identified["conversation_id"])
    assert conversation.metadata == {"page": "/"}


async def test_a_hash_that_is_not_ascii_is_simply_not_a_match(website):
    async with Visitor() as v:
        identified = await v.identify(website, user_identifier="ann", identifier_hash="é" * 64)
    conversation = await Conversation.objects.aget(pk=identified["conversation_id"])
    assert conversation.metadata["identity_verified"] is False


@pytest.mark.parametrize(
    "frame",
    [
        {"type": ["chat_message"]},
        {"type": {"a": 1}},
        {"type": "identify", "website_id": ["x"]},
        {"type": "identify", "website_id": {"a": 1}, "conversation_id": [1]},
        {"type": "identify", "website_id": 3.5, "visitor_token": {"t": 1}},
        {"type": "history", "last_seq": [1]},
        {"type": "typing", "is_typing": [True]},
    ],
)
async def test_fields_of_an_unexpected_kind_are_errors(website, frame):
    async with Visitor() as v:
        await v.send(**frame)
        event = await v.recv()
        assert event["type"] == "error" and event["code"], event
        if event["code"] == "FORBIDDEN":
            return  # a bad token closes, as documented
        await assert_still_usable(v)


async def test_a_website_switched_off_closes_its_open_visitor_sockets(website):
    async with Visitor() as v, Visitor() as elsewhere:
        await v.identify(website)
        other = await database_sync_to_async(make_website)(name="Other")
        await elsewhere.identify(other)
        website.is_active = False
        await database_sync_to_async(website.save)()
        error = await v.recv()
        assert (error["type"], error["code"]) == ("error", "INVALID_WEBSITE")
        assert await v.ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4403}
        await assert_still_usable(elsewhere)  # another website's visitors are not touched


# ---------------------------------------------------------------- rate limits


def visitor_from(address: str, forwarded_for: str | None = None) -> Visitor:
    """A visitor socket whose connection comes from ``address`` (the scope's client)."""
    v = Visitor()
    v.ws.scope["client"] = [address, 51234]
    if forwarded_for is not None:
        v.ws.scope["headers"].append((b"x-forwarded-for", forwarded_for.encode()))
    return v


async def send_messages(v: Visitor, count: int, prefix: str) -> int:
    """How many of ``count`` messages were stored before the socket's first refusal."""
    for n in range(count):
        await v.send(type="chat_message", message=f"{prefix}{n}", client_id=f"{prefix}{n}")
        event = await v.recv()
        if event["type"] == "error":
            assert event["code"] == "RATE_LIMITED" and event["retry_after"] > 0, event
            assert event["client_id"] == f"{prefix}{n}"
            return n
        assert event["type"] == "chat_message" and event["role"] == "user", event
        assert (await v.recv())["role"] == "assistant"
    return count


@override_settings(
    LIVECHAT={"RATE_LIMIT_MESSAGES": 3, "RATE_LIMIT_ADDRESS_MESSAGES": 5, "SQLITE_WAL": True}
)
async def test_identifying_again_does_not_reset_the_limit(website):
    """Found: a new conversation on the same socket started a fresh limit."""
    async with visitor_from("198.51.100.23") as v:
        await v.identify(website)
        assert await send_messages(v, 5, "a") == 3
        await v.identify(website)  # a new conversation, the same client address
        assert await send_messages(v, 5, "b") == 2
        await assert_still_usable(v)
    async with visitor_from("192.0.2.9") as other:  # another address has its own
        await other.identify(website)
        assert await send_messages(other, 1, "c") == 1
    assert await Message.objects.filter(role="user").acount() == 6


@override_settings(LIVECHAT={"RATE_LIMIT_ADDRESS_CONVERSATIONS": 2, "SQLITE_WAL": True})
async def test_conversations_opened_from_an_address_are_limited(website):
    """Found: opening conversations was unlimited."""
    async with visitor_from("198.51.100.23") as v, visitor_from("198.51.100.23") as w:
        first = await v.identify(website)
        await w.identify(website)
        await v.send(type="identify", website_id=str(website.id))
        event = await assert_error(v, "RATE_LIMITED")
        assert event["retry_after"] > 0
        # The socket keeps its conversation; rejoining one is not a new one.
        await v.send(
            type="identify",
            website_id=str(website.id),
            conversation_id=first["conversation_id"],
            visitor_token=first["visitor_token"],
        )
        assert (await v.recv())["type"] == "identified"
        assert (await v.recv())["type"] == "history"
    assert await Conversation.objects.acount() == 2


@override_settings(
    LIVECHAT={"TRUSTED_PROXIES": 1, "RATE_LIMIT_ADDRESS_CONVERSATIONS": 1, "SQLITE_WAL": True}
)
async def test_behind_a_trusted_proxy_the_forwarded_address_counts(website):
    # Both sockets come from the proxy; the visitors behind it are told apart.
    async with (
        visitor_from("10.0.0.2", "198.51.100.23") as v,
        visitor_from("10.0.0.2", "6.6.6.6, 192.0.2.9") as w,
    ):
        await v.identify(website)
        await w.identify(website)
        await v.send(type="identify", website_id=str(website.id))
        await assert_error(v, "RATE_LIMITED")


async def test_history_requests_are_limited_per_socket(website):
    """Found: history was unlimited (500 requests kept a process busy for 68 s)."""
    async with Visitor() as v:
        identified = await v.identify(website)
        for _ in range(30):  # the default: 30 a minute
            await v.send(type="history", last_seq=0)
            assert (await v.recv())["type"] == "history"
        await v.send(type="history", last_seq=0)
        event = await assert_error(v, "RATE_LIMITED")
        assert 0 < event["retry_after"] <= 60
        # Rejoining on this socket is a history read too.
        await v.send(
            type="identify",
            website_id=str(website.id),
            conversation_id=identified["conversation_id"],
            visitor_token=identified["visitor_token"],
        )
        await assert_error(v, "RATE_LIMITED")
        await assert_still_usable(v)
    async with Visitor() as fresh:  # another socket has its own count
        await fresh.identify(
            website,
            conversation_id=identified["conversation_id"],
            visitor_token=identified["visitor_token"],
        )
        assert (await fresh.recv())["type"] == "history"


@override_settings(LIVECHAT={"RATE_LIMIT_SOCKET_TYPING": 3, "SQLITE_WAL": True})
async def test_typing_frames_are_limited_per_socket_but_typing_always_ends(website):
    """Found: typing frames were unlimited."""
    layer = get_channel_layer()
    dashboard = await layer.new_channel()
    await layer.group_add(website_group(website.id), dashboard)
    async with Visitor() as v:
        await v.identify(website)
        await next_frame(layer, dashboard)  # new_conversation
        for _ in range(3):
            await v.send(type="typing", is_typing=True)
        await v.nothing()
        await v.send(type="typing", is_typing=True)
        event = await assert_error(v, "RATE_LIMITED")
        assert event["retry_after"] > 0
        await v.send(type="typing", is_typing=False)  # never refused
        await v.nothing()
        seen = await received(dashboard, timeout=1.5)
    assert [f["is_typing"] for f in seen if f["type"] == "typing"][-1] is False


@override_settings(LIVECHAT={"RATE_LIMIT_MESSAGES": 1, "SQLITE_WAL": True})
async def test_a_retry_over_the_limit_gets_its_stored_copy(website):
    """Found: a retry of a stored message could be refused with RATE_LIMITED."""
    async with Visitor() as v:
        await v.identify(website)
        await v.send(type="chat_message", message="hello", client_id="c-1")
        mine, reply = await v.recv(), await v.recv()
        await v.send(type="chat_message", message="again", client_id="c-2")
        await assert_error(v, "RATE_LIMITED")
        await v.send(type="chat_message", message="hello", client_id="c-1")
        assert await v.recv() == mine
        assert await v.recv() == reply
        await v.nothing()


async def test_an_unexpected_failure_of_a_message_still_names_its_client_id(website, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    async with Visitor() as v:
        await v.identify(website)
        monkeypatch.setattr(pipeline, "post_visitor_message", broken)
        await v.send(type="chat_message", message="hi", client_id="c-7")
        error = await assert_error(v, "INTERNAL_ERROR")
        assert error["client_id"] == "c-7"  # the widget sends that one over HTTP
