"""The agent socket: authentication, every event and frame, errors and per-website scoping."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client, override_settings

from django_livechat import pipeline
from django_livechat.conf import DEFAULT_AUTO_RESPONSE_AWAY_TEXT
from django_livechat.models import Conversation, Message, ReadMarker, Website
from django_livechat.responders import acknowledge
from django_livechat.routing import websocket_urlpatterns
from tests.factories import make_website
from tests.sockets import DASHBOARD_PATH, HOST_ORIGIN, Dashboard, Visitor, application

pytestmark = pytest.mark.django_db(transaction=True)


def livechat(**overrides: Any) -> Any:
    return override_settings(LIVECHAT={**settings.LIVECHAT, **overrides})


def make_user(username: str, *, agent: bool = True, **fields: Any) -> Any:
    user = get_user_model().objects.create_user(username, password="pw", **fields)
    if agent:
        user.user_permissions.add(Permission.objects.get(codename="reply_conversation"))
    return user


@database_sync_to_async
def setup_sites() -> dict[str, Any]:
    shop = make_website(name="Shop")
    blog = make_website(name="Blog")
    ann = make_user("ann", first_name="Ann", last_name="Agent")
    bob = make_user("bob")  # serves the blog only
    cat = make_user("cat")  # a second agent of the shop
    shop.agents.add(ann, cat)
    blog.agents.add(bob)
    return {"shop": shop, "blog": blog, "ann": ann, "bob": bob, "cat": cat}


@pytest.fixture
async def sites() -> dict[str, Any]:
    return await setup_sites()


async def refused(
    user: Any, origin: str | None = HOST_ORIGIN, app: Any = application
) -> tuple[dict[str, Any], int]:
    """Connect, and return the error event and the close code the socket ends with."""
    headers = [(b"origin", origin.encode())] if origin else []
    ws = WebsocketCommunicator(app, DASHBOARD_PATH, headers=headers)
    if user is not None:
        ws.scope["user"] = user
    connected, _ = await ws.connect()
    assert connected  # accepted, so that the close code reaches the browser
    error = await ws.receive_json_from(timeout=2)
    closed = await ws.receive_output(timeout=2)
    await ws.disconnect()
    assert closed["type"] == "websocket.close"
    return error, closed["code"]


async def start_chat(
    website: Website, text: str | None = "Hello", **identify: Any
) -> tuple[Visitor, dict[str, Any]]:
    """A visitor with a conversation (and a first message and its reply, unless text is None)."""
    visitor = await Visitor().__aenter__()
    identified = await visitor.identify(website, **identify)
    if text is not None:
        await visitor.send(type="chat_message", message=text, client_id=f"v-{uuid.uuid4().hex}")
        await visitor.recv_type("chat_message")
        await visitor.recv_type("chat_message")
    await pipeline.drain()
    return visitor, identified


# ---------------------------------------------------------------- connecting


async def test_nobody_logged_in_is_closed_with_4401():
    from django.contrib.auth.models import AnonymousUser

    for user in (None, AnonymousUser()):
        error, code = await refused(user)
        assert error["type"] == "error" and error["code"] == "FORBIDDEN"
        assert code == 4401


async def test_a_user_who_is_not_an_agent_is_closed_with_4403(sites):
    plain = await database_sync_to_async(make_user)("plain", agent=False, is_staff=True)
    inactive = await database_sync_to_async(make_user)("gone", is_active=False)
    for user in (plain, inactive):
        error, code = await refused(user)
        assert error["code"] == "FORBIDDEN"
        assert code == 4403


async def test_origin_must_be_one_of_the_hosts_allowed_hosts(sites):
    error, code = await refused(sites["ann"], origin="https://evil.example.net")
    assert (error["code"], code) == ("FORBIDDEN", 4403)
    # The shop's own origin embeds the widget, but it is not this host: refused too.
    error, code = await refused(sites["ann"], origin="https://shop.example.com")
    assert code == 4403
    for origin in ("http://localhost:8000", "https://127.0.0.1", None):
        async with Dashboard(sites["ann"], origin=origin) as d:
            assert d.ready["agent"]["name"] == "Ann Agent"


async def test_the_session_cookie_authenticates_through_auth_middleware(sites):
    client = Client()
    await database_sync_to_async(client.force_login)(sites["ann"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    stack = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    ws = WebsocketCommunicator(
        stack,
        DASHBOARD_PATH,
        headers=[(b"origin", HOST_ORIGIN.encode()), (b"cookie", cookie.encode())],
    )
    connected, _ = await ws.connect()
    assert connected
    ready = await ws.receive_json_from(timeout=2)
    assert ready == {
        "type": "ready",
        "agent": {"user_id": sites["ann"].pk, "name": "Ann Agent"},
        "websites": [
            {
                "website_id": str(sites["shop"].id),
                "name": "Shop",
                "availability": {"open": True, "reply_time": None, "next_open": None},
                "labels": [],
            }
        ],
        "canned": [],
    }
    assert (await ws.receive_json_from(timeout=2))["type"] == "conversations"
    await ws.disconnect()
    # Without the cookie, the same stack sees nobody.
    error, code = await refused(None, app=stack)
    assert (error["code"], code) == ("FORBIDDEN", 4401)


# ---------------------------------------------------------------- the inbox


def long_answers(conversation: Conversation, message: Message) -> str | None:
    """A responder with a long answer to long questions, to see the preview cut short."""
    return "y" * 300 if len(message.content) > 200 else acknowledge(conversation, message)


@livechat(RESPONDER="tests.consumers.test_dashboard.long_answers")
async def test_the_snapshot_lists_open_first_by_last_activity_with_unread_and_preview(sites):
    shop = sites["shop"]
    first, one = await start_chat(shop, "First question", user_identifier="ada@example.com")
    second, two = await start_chat(shop, "x" * 300, metadata={"page": "/pricing"})
    third, three = await start_chat(shop, "Third")
    await database_sync_to_async(Conversation.objects.filter(pk=three["conversation_id"]).update)(
        status="resolved"
    )
    empty, four = await start_chat(shop, None)
    # Oldest activity last: "first" gets a newer message now.
    await first.send(type="chat_message", message="Anyone?", client_id="again")
    await first.recv_type("chat_message")
    await first.recv_type("chat_message")
    await pipeline.drain()
    blog_visitor, blog = await start_chat(sites["blog"], "Blog question")

    async with Dashboard(sites["ann"]) as d:
        ids = [c["conversation_id"] for c in d.inbox]
        assert ids == [
            one["conversation_id"],  # open, newest message
            two["conversation_id"],  # open
            four["conversation_id"],  # open, no message yet: last of the open ones
            three["conversation_id"],  # resolved after every open one
        ]
        assert blog["conversation_id"] not in ids
        entry = d.inbox[0]
        assert entry["unread"] == 2  # the visitor's two messages; auto replies don't count
        assert entry["last_read_seq"] == 0
        assert entry["status"] == "open"
        assert entry["visitor_identifier"] == "ada@example.com"
        assert entry["metadata"]["identity_verified"] is False
        assert entry["website_name"] == "Shop"
        assert entry["assigned_agent"] is None
        assert entry["last_seq"] == 4
        assert entry["last_message"]["role"] == "assistant"
        assert entry["last_message"]["message"] == DEFAULT_AUTO_RESPONSE_AWAY_TEXT
        preview = d.inbox[1]
        assert preview["metadata"]["page"] == "/pricing"
        assert d.inbox[2]["last_message"] is None and d.inbox[2]["unread"] == 0
        # Filters.
        await d.send(type="conversations", status="resolved")
        listed = await d.recv()
        assert [c["conversation_id"] for c in listed["conversations"]] == [three["conversation_id"]]
        await d.send(type="conversations", limit=2)
        listed = await d.recv()
        assert len(listed["conversations"]) == 2 and listed["has_more"] is True
        await d.send(type="conversations", website_id=str(sites["blog"].id))
        await d.error("FORBIDDEN")
        await d.send(type="conversations", status="archived")
        await d.error("INVALID_MESSAGE")
        await d.send(type="conversations", limit=0)
        await d.error("INVALID_MESSAGE")
        # One conversation, and its history.
        await d.send(type="conversation", conversation_id=two["conversation_id"])
        single = await d.recv()
        assert single["type"] == "conversation"
        assert single["conversation"]["last_message"]["message"] == "y" * 139 + "…"
        await d.send(type="history", conversation_id=one["conversation_id"], last_seq=1)
        history = await d.recv()
        assert history["type"] == "history"
        assert history["conversation_id"] == one["conversation_id"]
        assert history["conversation"]["conversation_id"] == one["conversation_id"]
        assert [m["seq"] for m in history["messages"]] == [2, 3, 4]
        assert history["messages"][1]["message"] == "Anyone?"
        assert history["has_more"] is False
    for visitor in (first, second, third, empty, blog_visitor):
        await visitor.__aexit__()


async def test_live_events_new_conversation_messages_and_visitor_typing(sites):
    async with Dashboard(sites["ann"]) as d:
        assert d.inbox == []
        async with Visitor() as v:
            identified = await v.identify(
                sites["shop"], user_identifier="ada", metadata={"page": "/cart"}
            )
            new = await d.recv()
            assert new["type"] == "new_conversation"
            conversation = new["conversation"]
            assert conversation["conversation_id"] == identified["conversation_id"]
            assert conversation["metadata"] == {"page": "/cart", "identity_verified": False}
            assert conversation["visitor_identifier"] == "ada"
            assert (conversation["unread"], conversation["last_message"]) == (0, None)
            assert conversation["status"] == "open"

            await v.send(type="typing", is_typing=True)
            assert await d.recv() == {
                "type": "typing",
                "conversation_id": identified["conversation_id"],
                "role": "user",
                "is_typing": True,
            }
            await v.send(type="chat_message", message="Where is my parcel?", client_id="c1")
            assert (await d.recv())["is_typing"] is False  # sending ends the typing
            message = await d.recv_type("chat_message")
            assert message["conversation_id"] == identified["conversation_id"]
            assert (message["seq"], message["role"], message["message"]) == (
                1,
                "user",
                "Where is my parcel?",
            )
            reply = await d.recv_type("chat_message")
            assert (reply["seq"], reply["role"], reply["is_auto"]) == (2, "assistant", True)
            # The responder's typing is for the visitor only: agents see its reply.
            await pipeline.drain()
            assert await d.ws.receive_nothing(timeout=0.3)
            await v.recv_type("chat_message")
            await v.recv_type("chat_message")


# ---------------------------------------------------------------- agent messages


async def test_agent_message_reaches_visitor_and_dashboards_and_stops_auto_replies(sites):
    visitor, chat = await start_chat(sites["shop"])
    cid = chat["conversation_id"]
    async with Dashboard(sites["ann"]) as ann, Dashboard(sites["cat"]) as cat:
        await ann.send(
            type="agent_message", conversation_id=cid, message=" Hi, I'm Ann. ", client_id="a-1"
        )
        to_visitor = await visitor.recv()
        assert to_visitor["type"] == "chat_message"
        assert to_visitor["message"] == "Hi, I'm Ann."
        assert to_visitor["role"] == "agent"
        assert to_visitor["is_manual"] is True and to_visitor["is_auto"] is False
        # Visitors see the first name; agents the full name.
        assert to_visitor["sender_name"] == "Ann"
        assert to_visitor["seq"] == 3
        assert to_visitor["client_id"] == "a-1"
        for dashboard in (ann, cat):
            assert await dashboard.recv() == {**to_visitor, "sender_name": "Ann Agent"}
            # A person answered: handed over, and the entry says so (issue 13).
            events = await dashboard.recv_all("handoff", "conversation")
            assert events["handoff"]["by"] == "agent"
            assert events["conversation"]["conversation"]["bot_state"] == "agent"
        assert (await visitor.recv())["type"] == "handoff"
        stored = await Message.objects.select_related("sender").aget(pk=to_visitor["message_id"])
        assert stored.sender == sites["ann"]
        assert stored.metadata == {"sender_name": "Ann", "agent_name": "Ann Agent"}

        # The same client_id again: stored once, acknowledged to the sender only.
        await ann.send(type="agent_message", conversation_id=cid, message="Hi", client_id="a-1")
        again = await ann.recv()
        assert again["message_id"] == to_visitor["message_id"]
        await cat.nothing()
        await visitor.nothing()
        # Another agent's client_id is not handed back as if it were Ann's.
        await cat.send(type="agent_message", conversation_id=cid, message="Clash", client_id="a-1")
        error = await cat.error("INVALID_MESSAGE")
        assert error["client_id"] == "a-1"
        # The visitor's keys are the visitor's: the same one from an agent is a new message.
        first_visitor_message = await Message.objects.aget(conversation_id=cid, seq=1)
        await ann.send(
            type="agent_message",
            conversation_id=cid,
            message="Same key, my own",
            client_id=first_visitor_message.client_id,
        )
        assert (await visitor.recv_type("chat_message"))["message"] == "Same key, my own"
        await ann.recv_type("chat_message")
        await cat.recv_type("chat_message")

        # Now an agent has replied: the default responder stays quiet.
        await visitor.send(type="chat_message", message="Thanks!", client_id="v-2")
        assert (await visitor.recv_type("chat_message"))["message"] == "Thanks!"
        await pipeline.drain()
        events = []
        while not await visitor.ws.receive_nothing(timeout=0.3):
            events.append(await visitor.ws.receive_json_from())
        assert all(e["type"] in ("typing", "presence") for e in events), events
    assert await Message.objects.filter(conversation_id=cid).acount() == 5
    await visitor.__aexit__()


async def test_agent_message_errors_keep_the_socket_open(sites):
    visitor, chat = await start_chat(sites["shop"])
    async with Dashboard(sites["ann"]) as d:
        for frame in (
            {"conversation_id": chat["conversation_id"], "message": "", "client_id": "a"},
            {"conversation_id": chat["conversation_id"], "message": 5, "client_id": "a"},
            {"conversation_id": chat["conversation_id"], "message": "ok", "client_id": 7},
            {"conversation_id": "not-a-uuid", "message": "ok", "client_id": "a"},
            {"message": "ok", "client_id": "a"},
        ):
            await d.send(type="agent_message", **frame)
            await d.error("INVALID_MESSAGE")
        await d.send(
            type="agent_message", conversation_id=str(uuid.uuid4()), message="ok", client_id="a"
        )
        await d.error("NOT_FOUND")
        with livechat(MAX_MESSAGE_LENGTH=10):
            await d.send(
                type="agent_message",
                conversation_id=chat["conversation_id"],
                message="x" * 11,
                client_id="a",
            )
            await d.error("MESSAGE_TOO_LONG")
        await d.send(type="dance")
        await d.error("UNKNOWN_TYPE")
        await d.ws.send_to(text_data="{nope")
        await d.error("INVALID_JSON")
        await d.ws.send_to(text_data="[]")
        await d.error("INVALID_JSON")
        await d.usable()
    assert not await Message.objects.filter(role="agent").aexists()
    await visitor.__aexit__()


# ---------------------------------------------------------------- typing


@livechat(TYPING_TIMEOUT=0.3)
async def test_agent_typing_reaches_the_visitor_and_other_dashboards_and_expires(sites):
    visitor, chat = await start_chat(sites["shop"])
    cid = chat["conversation_id"]
    async with Dashboard(sites["ann"]) as ann, Dashboard(sites["cat"]) as cat:
        await ann.send(type="typing", conversation_id=cid, is_typing=True)
        assert await visitor.recv() == {
            "type": "typing",
            "conversation_id": cid,
            "role": "agent",
            "is_typing": True,
        }
        to_cat = await cat.recv()
        assert to_cat == {
            "type": "typing",
            "conversation_id": cid,
            "role": "agent",
            "is_typing": True,
            "agent": {"user_id": sites["ann"].pk, "name": "Ann Agent"},
            "by": {"user_id": sites["ann"].pk, "name": "Ann Agent"},
        }
        await ann.nothing()  # not echoed to the typist
        # Not renewed: the server ends it.
        assert (await visitor.recv(timeout=2))["is_typing"] is False
        assert (await cat.recv(timeout=2))["is_typing"] is False

        # Sending a message ends it at once, before the message.
        await ann.send(type="typing", conversation_id=cid, is_typing=True)
        assert (await visitor.recv())["is_typing"] is True
        await ann.send(type="agent_message", conversation_id=cid, message="Done", client_id="d")
        assert (await visitor.recv())["is_typing"] is False
        assert (await visitor.recv())["message"] == "Done"
        assert (await visitor.recv())["type"] == "handoff"  # a person answered (issue 13)

        await ann.send(type="typing", conversation_id=cid, is_typing="yes")
        await ann.error("INVALID_MESSAGE")
        # Typing, then the dashboard closes: the visitor hears it ended.
        await ann.send(type="typing", conversation_id=cid, is_typing=True)
        assert (await visitor.recv())["is_typing"] is True
    assert (await visitor.recv())["is_typing"] is False
    await visitor.__aexit__()


# ---------------------------------------------------------------- assign, resolve, reopen


async def test_assign_to_me_to_another_agent_and_to_nobody(sites):
    visitor, chat = await start_chat(sites["shop"])
    cid = chat["conversation_id"]
    ann_data = {"user_id": sites["ann"].pk, "name": "Ann Agent"}
    cat_data = {"user_id": sites["cat"].pk, "name": "cat"}
    async with Dashboard(sites["ann"]) as ann, Dashboard(sites["cat"]) as cat:
        await ann.send(type="assign", conversation_id=cid)
        expected = {
            "type": "assignment",
            "conversation_id": cid,
            "assigned_agent": ann_data,
            "by": ann_data,
        }
        assert await cat.recv() == expected
        # An agent took it: handed over (issue 13), once.
        assert (await cat.recv_all("handoff", "conversation"))["handoff"]["by"] == "agent"
        events = await ann.recv_all("conversation", "assignment", "handoff", "conversation")
        assert events["assignment"] == expected
        assert events["conversation"]["conversation"]["assigned_agent"] == ann_data
        assert events["conversation"]["conversation"]["bot_state"] == "waiting"
        conversation = await Conversation.objects.aget(pk=cid)
        assert conversation.assigned_agent_id == sites["ann"].pk

        await ann.send(type="assign", conversation_id=cid, agent_id=sites["cat"].pk)
        assert (await cat.recv())["assigned_agent"] == cat_data
        told = await cat.recv()
        assert (told["type"], told["by"]) == ("assigned_to_you", ann_data)
        await ann.recv_all("conversation", "assignment")
        # Bob serves the blog, not the shop; a plain user serves nothing.
        plain = await database_sync_to_async(make_user)("plain", agent=False)
        for agent_id in (sites["bob"].pk, plain.pk, 999_999, "x", True, [1]):
            await ann.send(type="assign", conversation_id=cid, agent_id=agent_id)
            await ann.error("INVALID_MESSAGE")
        await ann.send(type="assign", conversation_id=cid, agent_id=None)
        assert (await cat.recv())["assigned_agent"] is None
        await ann.recv_all("conversation", "assignment")
        # Unchanged: no broadcast, only the answer.
        await ann.send(type="assign", conversation_id=cid, agent_id=None)
        assert (await ann.recv())["type"] == "conversation"
        await cat.nothing()
    assert (await Conversation.objects.aget(pk=cid)).assigned_agent_id is None
    await visitor.__aexit__()


async def test_resolve_and_reopen_reach_the_visitor_and_the_dashboards(sites):
    visitor, chat = await start_chat(sites["shop"])
    cid = chat["conversation_id"]
    async with Dashboard(sites["ann"]) as ann, Dashboard(sites["cat"]) as cat:
        await ann.send(type="resolve", conversation_id=cid)
        assert await visitor.recv() == {
            "type": "status",
            "conversation_id": cid,
            "status": "resolved",
        }
        expected = {
            "type": "status",
            "conversation_id": cid,
            "status": "resolved",
            "by": {"user_id": sites["ann"].pk, "name": "Ann Agent"},
        }
        assert await cat.recv() == expected
        events = await ann.recv_all("conversation", "status")
        assert events["status"] == expected
        assert events["conversation"]["conversation"]["status"] == "resolved"
        assert (await Conversation.objects.aget(pk=cid)).status == "resolved"
        # Resolving again changes nothing and tells nobody.
        await ann.send(type="resolve", conversation_id=cid)
        assert (await ann.recv())["type"] == "conversation"
        await cat.nothing()
        assert await visitor.ws.receive_nothing(timeout=0.1)

        await ann.send(type="reopen", conversation_id=cid)
        assert (await visitor.recv())["status"] == "open"
        assert (await cat.recv())["status"] == "open"
        await ann.recv_all("conversation", "status")

        # A visitor writing in a resolved conversation opens it again.
        await cat.send(type="resolve", conversation_id=cid)
        assert (await visitor.recv())["status"] == "resolved"
        await ann.recv_type("status")
        await visitor.send(type="chat_message", message="One more thing", client_id="more")
        assert (await visitor.recv_type("chat_message"))["message"] == "One more thing"
        assert await visitor.recv_type("status") == {
            "type": "status",
            "conversation_id": cid,
            "status": "open",
        }
        assert (await ann.recv_type("chat_message"))["message"] == "One more thing"
        reopened = await ann.recv_type("status")
        assert (reopened["status"], reopened["by"]) == ("open", None)
    assert (await Conversation.objects.aget(pk=cid)).status == "open"
    await visitor.__aexit__()


# ---------------------------------------------------------------- read markers


async def test_mark_read_updates_unread_for_this_agent_in_every_tab(sites):
    visitor, chat = await start_chat(sites["shop"], "one")
    cid = chat["conversation_id"]
    await visitor.send(type="chat_message", message="two", client_id="two")
    await visitor.recv_type("chat_message")
    await visitor.recv_type("chat_message")
    await pipeline.drain()
    async with Dashboard(sites["ann"]) as tab1, Dashboard(sites["ann"]) as tab2:
        assert tab1.inbox[0]["unread"] == 2
        await tab1.send(type="mark_read", conversation_id=cid, seq=1)
        expected = {"type": "read", "conversation_id": cid, "last_read_seq": 1, "unread": 1}
        assert await tab1.recv() == expected
        assert await tab2.recv() == expected
        # Past the end: up to the last message. Backwards: the marker stays.
        await tab2.send(type="mark_read", conversation_id=cid, seq=99)
        assert (await tab2.recv()) | {"type": "read"} == expected | {
            "last_read_seq": 4,
            "unread": 0,
        }
        await tab1.recv_type("read")
        await tab1.send(type="mark_read", conversation_id=cid, seq=2)
        assert (await tab1.recv())["last_read_seq"] == 4
        await tab2.recv_type("read")
        for seq in (-1, "3", None, True):
            await tab1.send(type="mark_read", conversation_id=cid, seq=seq)
            await tab1.error("INVALID_MESSAGE")
    async with Dashboard(sites["ann"]) as again, Dashboard(sites["cat"]) as cat:
        assert (again.inbox[0]["unread"], again.inbox[0]["last_read_seq"]) == (0, 4)
        assert cat.inbox[0]["unread"] == 2  # markers are per agent
        await cat.nothing()
    marker = await ReadMarker.objects.aget(conversation_id=cid, user=sites["ann"])
    assert marker.last_read_seq == 4
    await visitor.__aexit__()


# ---------------------------------------------------------------- scoping


async def test_an_agent_of_one_website_gets_nothing_of_another(sites):
    blog_visitor, blog_chat = await start_chat(sites["blog"], "Blog question")
    bid = blog_chat["conversation_id"]
    async with Dashboard(sites["ann"]) as ann, Dashboard(sites["bob"]) as bob:
        assert ann.inbox == []
        assert [c["conversation_id"] for c in bob.inbox] == [bid]
        # Live events of the blog reach Bob, never Ann.
        async with Visitor() as v:
            await v.identify(sites["blog"])
            await v.send(type="typing", is_typing=True)
            await v.send(type="chat_message", message="Hello blog", client_id="b")
            await v.recv_type("chat_message")
            await v.recv_type("chat_message")
            await bob.recv_type("new_conversation")
        await bob.send(type="typing", conversation_id=bid, is_typing=True)
        await bob.send(type="agent_message", conversation_id=bid, message="Hi", client_id="x")
        await bob.send(type="resolve", conversation_id=bid)
        await bob.send(type="assign", conversation_id=bid)
        await pipeline.drain()
        await ann.nothing(timeout=0.5)

        # Ann cannot act on the blog's conversation, nor read it.
        for frame in (
            {"type": "agent_message", "message": "Sneaky", "client_id": "s"},
            {"type": "typing", "is_typing": True},
            {"type": "assign"},
            {"type": "resolve"},
            {"type": "reopen"},
            {"type": "mark_read", "seq": 1},
            {"type": "history", "last_seq": 0},
            {"type": "conversation"},
        ):
            await ann.send(conversation_id=bid, **frame)
            # Another website's conversation is answered exactly like a missing one.
            await ann.error("NOT_FOUND")
        await ann.usable()
    conversation = await Conversation.objects.aget(pk=bid)
    assert conversation.assigned_agent_id == sites["bob"].pk
    assert conversation.status == "resolved"
    assert not await Message.objects.filter(content="Sneaky").aexists()
    assert not await ReadMarker.objects.filter(user=sites["ann"]).aexists()
    await blog_visitor.__aexit__()


async def test_a_superuser_sees_every_website_and_staff_serving_none_see_nothing(sites):
    shop_visitor, shop_chat = await start_chat(sites["shop"])
    blog_visitor, blog_chat = await start_chat(sites["blog"])
    root = await database_sync_to_async(get_user_model().objects.create_superuser)(
        "root", password="pw"
    )
    idle = await database_sync_to_async(make_user)("idle", is_staff=True)
    async with Dashboard(root) as admin, Dashboard(idle) as staff:
        assert {w["name"] for w in admin.ready["websites"]} == {"Shop", "Blog"}
        assert {c["conversation_id"] for c in admin.inbox} == {
            shop_chat["conversation_id"],
            blog_chat["conversation_id"],
        }
        assert staff.ready["websites"] == [] and staff.inbox == []
        await blog_visitor.send(type="chat_message", message="Still there?", client_id="s")
        assert (await admin.recv_type("chat_message"))["message"] == "Still there?"
        await blog_visitor.recv_type("chat_message")
        await blog_visitor.recv_type("chat_message")
        await admin.send(type="resolve", conversation_id=blog_chat["conversation_id"])
        assert (await blog_visitor.recv_type("status"))["status"] == "resolved"
        await staff.send(type="resolve", conversation_id=shop_chat["conversation_id"])
        await staff.error("NOT_FOUND")
        await pipeline.drain()
        await staff.nothing()
    for visitor in (shop_visitor, blog_visitor):
        await visitor.__aexit__()


async def test_an_agent_who_loses_the_permission_is_closed(sites):
    visitor, chat = await start_chat(sites["shop"])
    async with Dashboard(sites["ann"]) as d:
        await database_sync_to_async(sites["ann"].user_permissions.clear)()
        await d.send(type="resolve", conversation_id=chat["conversation_id"])
        await d.error("FORBIDDEN")
        assert await d.ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4403}
    assert (await Conversation.objects.aget(pk=chat["conversation_id"])).status == "open"
    await visitor.__aexit__()


async def test_an_agent_removed_from_a_website_stops_hearing_of_it_at_once(sites):
    visitor, chat = await start_chat(sites["shop"])
    cid = chat["conversation_id"]
    async with Dashboard(sites["ann"]) as d:
        await database_sync_to_async(sites["shop"].agents.remove)(sites["ann"])
        # The open socket is told: a new ready without the shop, and an inbox without it.
        ready = await d.recv()
        assert (ready["type"], ready["websites"]) == ("ready", [])
        inbox = await d.recv()
        assert (inbox["type"], inbox["conversations"]) == ("conversations", [])
        await visitor.send(type="chat_message", message="anyone?", client_id="after")
        await visitor.recv_type("chat_message")
        await d.nothing()  # the shop's messages no longer reach Ann
        await d.send(type="resolve", conversation_id=cid)
        await d.error("NOT_FOUND")
        await d.usable()
        # Added back: she follows the shop again, without a reload.
        await database_sync_to_async(sites["shop"].agents.add)(sites["ann"])
        assert [w["name"] for w in (await d.recv())["websites"]] == ["Shop"]
        await d.recv_type("conversations")
        await visitor.send(type="chat_message", message="hello again", client_id="back")
        assert (await d.recv_type("chat_message"))["message"] == "hello again"
    await visitor.__aexit__()


@pytest.mark.parametrize("how", ["deactivated", "permission", "group", "deleted"])
async def test_an_agent_who_loses_their_grant_is_closed_at_once(sites, how):
    from django.contrib.auth.models import Group, Permission

    ann = sites["ann"]
    if how == "group":  # an agent through a group, and the group loses the permission
        await database_sync_to_async(_agent_through_a_group)(ann)
    async with Dashboard(ann) as d:

        def take_away():
            if how == "deactivated":
                ann.is_active = False
                ann.save()
            elif how == "permission":
                ann.user_permissions.remove(Permission.objects.get(codename="reply_conversation"))
            elif how == "group":
                Group.objects.get(name="support").permissions.clear()
            else:
                ann.delete()

        await database_sync_to_async(take_away)()
        assert (await d.recv())["code"] == "FORBIDDEN"
        assert await d.ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4403}


def _agent_through_a_group(user):
    from django.contrib.auth.models import Group, Permission

    permission = Permission.objects.get(codename="reply_conversation")
    user.user_permissions.remove(permission)
    group = Group.objects.create(name="support")
    group.permissions.add(permission)
    user.groups.add(group)


async def test_a_logged_out_session_closes_its_dashboards_only(sites):
    from django.contrib.auth import logout
    from django.test import RequestFactory

    ann = sites["ann"]
    browsers = [Client(), Client()]
    for browser in browsers:
        await database_sync_to_async(browser.force_login)(ann)
    sockets = [await _dashboard_of(browser) for browser in browsers]
    try:
        # The first browser logs out (its session is flushed, as the logout view does).
        request = RequestFactory().get("/")
        request.user = ann
        request.session = await database_sync_to_async(_session_of)(browsers[0])
        await database_sync_to_async(logout)(request)
        logged_out, still_in = sockets
        assert (await _next_but_agents(logged_out))["code"] == "FORBIDDEN"
        closed = await logged_out.receive_output(timeout=2)
        assert closed == {"type": "websocket.close", "code": 4401}
        await still_in.send_json_to({"type": "ping"})
        assert (await _next_but_agents(still_in))["type"] == "pong"
    finally:
        for socket in sockets:
            await socket.disconnect()


def _session_of(browser):
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(browser.cookies[settings.SESSION_COOKIE_NAME].value)


async def _dashboard_of(browser):
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    stack = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    ws = WebsocketCommunicator(
        stack,
        DASHBOARD_PATH,
        headers=[(b"origin", HOST_ORIGIN.encode()), (b"cookie", cookie.encode())],
    )
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from(timeout=2))["type"] == "ready"
    assert (await ws.receive_json_from(timeout=2))["type"] == "conversations"
    assert (await ws.receive_json_from(timeout=2))["type"] == "ratings"
    assert (await ws.receive_json_from(timeout=2))["type"] == "agents"
    return ws


async def _next_but_agents(ws):
    """The next frame that is not an ``agents`` one (who is online changes any time)."""
    while True:
        frame = await ws.receive_json_from(timeout=2)
        if frame["type"] != "agents":
            return frame


@livechat(MAX_MESSAGE_LENGTH=10)
async def test_an_oversize_frame_closes_with_1009(sites):
    async with Dashboard(sites["ann"]) as d:
        await d.ws.send_to(text_data='{"type": "ping", "pad": "' + "x" * 100_000 + '"}')
        assert await d.ws.receive_output(timeout=1) == {"type": "websocket.close", "code": 1009}


@pytest.mark.parametrize("pk", [7, uuid.uuid4(), "ann@example.com", "x" * 200])
def test_agent_group_names_are_valid_for_any_primary_key(pk):
    from channels.layers import BaseChannelLayer

    from django_livechat.groups import agent_group

    name = agent_group(pk)
    assert BaseChannelLayer().require_valid_group_name(name)
    assert agent_group(pk) == name != agent_group(f"{pk}-other")


async def test_a_session_that_ended_without_word_is_caught_by_the_heartbeat(sites):
    """No logout signal (the row deleted, or the announcement lost): the heartbeat finds out."""
    from django.contrib.sessions.models import Session

    browser = Client()
    await database_sync_to_async(browser.force_login)(sites["ann"])
    ws = await _dashboard_of(browser)
    try:
        await Session.objects.all().adelete()
        await ws.send_json_to(
            {"type": "conversations", "changed_since": "2026-01-01T00:00:00+00:00"}
        )
        assert (await _next_but_agents(ws))["code"] == "FORBIDDEN"
        assert await ws.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
    finally:
        await ws.disconnect()
