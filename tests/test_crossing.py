"""One conversation over both transports: the socket and the HTTP fallback together.

The HTTP views run through Django's ``AsyncClient``, so, as under an ASGI server, the
pipeline runs on the event loop the socket's consumer uses.
"""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient

from django_livechat import pipeline
from django_livechat.models import Message
from django_livechat.routing import websocket_urlpatterns
from tests.api.conftest import conversations_url, messages_url
from tests.factories import SHOP_ORIGIN, make_website

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def website():
    return await database_sync_to_async(make_website)()


@pytest.fixture
def http() -> AsyncClient:
    return AsyncClient(headers={"Origin": SHOP_ORIGIN})


async def socket() -> WebsocketCommunicator:
    ws = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),
        "/ws/livechat/widget/",
        headers=[(b"origin", SHOP_ORIGIN.encode())],
    )
    connected, _ = await ws.connect()
    assert connected
    return ws


async def next_chat(ws: WebsocketCommunicator) -> dict[str, Any]:
    while True:
        event = await ws.receive_json_from(timeout=3)
        if event["type"] == "chat_message":
            return event
        assert event["type"] == "typing", event


async def http_post(http: AsyncClient, token: str, message: str, client_id: str) -> Any:
    return await http.post(
        messages_url(),
        {"message": message, "client_id": client_id},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


async def test_http_to_ws(http, website):
    """A conversation started over HTTP; its socket sees what HTTP posts."""
    created = await http.post(
        conversations_url(), {"website_id": str(website.id)}, content_type="application/json"
    )
    data = created.json()
    ws = await socket()
    try:
        await ws.send_json_to(
            {
                "type": "identify",
                "website_id": str(website.id),
                "conversation_id": data["conversation_id"],
                "visitor_token": data["visitor_token"],
            }
        )
        assert (await ws.receive_json_from())["type"] == "identified"
        assert (await ws.receive_json_from())["type"] == "history"
        response = await http_post(http, data["visitor_token"], "sent over http", "h-1")
        assert response.status_code == 201
        body = response.json()
        mine = await next_chat(ws)
        assert mine["message_id"] == body["message"]["message_id"]
        assert mine["client_id"] == "h-1"
        reply = await next_chat(ws)
        assert reply["message_id"] == body["reply"]["message_id"]
    finally:
        await pipeline.drain()
        await ws.disconnect()


async def test_ws_to_http(http, website):
    """What the socket sent, the polling client lists, in order."""
    ws = await socket()
    try:
        await ws.send_json_to({"type": "identify", "website_id": str(website.id)})
        identified = await ws.receive_json_from()
        await ws.send_json_to({"type": "chat_message", "message": "over ws", "client_id": "w-1"})
        await next_chat(ws)
        await next_chat(ws)
        await pipeline.drain()
        listing = await http.get(
            messages_url() + "?after_seq=0",
            headers={"Authorization": f"Bearer {identified['visitor_token']}"},
        )
        assert listing.status_code == 200
        messages = listing.json()["messages"]
        assert [(m["seq"], m["role"], m["client_id"]) for m in messages] == [
            (1, "user", "w-1"),
            (2, "assistant", messages[1]["client_id"]),
        ]
        assert messages[0]["message"] == "over ws"
    finally:
        await ws.disconnect()


async def test_the_same_client_id_over_both_transports_is_one_message(http, website):
    ws = await socket()
    try:
        await ws.send_json_to({"type": "identify", "website_id": str(website.id)})
        identified = await ws.receive_json_from()
        # The widget sent over the socket, lost it, and retried over HTTP.
        await ws.send_json_to({"type": "chat_message", "message": "once", "client_id": "x-1"})
        first = await next_chat(ws)
        await next_chat(ws)
        await pipeline.drain()
        retry = await http_post(http, identified["visitor_token"], "once", "x-1")
        assert retry.status_code == 200
        assert retry.json()["message"]["message_id"] == first["message_id"]
        # And the other way round: HTTP first, then the socket.
        created = await http_post(http, identified["visitor_token"], "twice", "x-2")
        assert created.status_code == 201
        await next_chat(ws)
        await next_chat(ws)
        await ws.send_json_to({"type": "chat_message", "message": "twice", "client_id": "x-2"})
        ack = await next_chat(ws)
        assert ack["message_id"] == created.json()["message"]["message_id"]
        # ... and its reply, to the sender alone: nothing was stored or broadcast again.
        reply = await next_chat(ws)
        assert reply["message_id"] == created.json()["reply"]["message_id"]
        assert await ws.receive_nothing(timeout=0.3)
    finally:
        await pipeline.drain()
        await ws.disconnect()
    conversation_id = identified["conversation_id"]
    rows = Message.objects.filter(conversation_id=conversation_id)
    assert await rows.filter(role="user").acount() == 2
    assert await rows.acount() == 4
    seqs = [m.seq async for m in rows.order_by("seq")]
    assert seqs == [1, 2, 3, 4]


async def test_someone_elses_conversation_is_refused_on_both_transports(http, website):
    ws = await socket()
    try:
        await ws.send_json_to({"type": "identify", "website_id": str(website.id)})
        theirs = await ws.receive_json_from()
    finally:
        await ws.disconnect()
    mine = (
        await http.post(
            conversations_url(), {"website_id": str(website.id)}, content_type="application/json"
        )
    ).json()
    # HTTP: rejoining their conversation with my token.
    response = await http.post(
        conversations_url(),
        {
            "website_id": str(website.id),
            "conversation_id": theirs["conversation_id"],
            "visitor_token": mine["visitor_token"],
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    # WS: the same.
    ws = await socket()
    try:
        await ws.send_json_to(
            {
                "type": "identify",
                "website_id": str(website.id),
                "conversation_id": theirs["conversation_id"],
                "visitor_token": mine["visitor_token"],
            }
        )
        error = await ws.receive_json_from()
        assert error["code"] == "FORBIDDEN"
    finally:
        await ws.disconnect()
