"""The pipeline across server processes, through real Redis (channels-redis).

Two ``RedisChannelLayer`` instances stand for two server processes: the socket's
consumer uses one, the pipeline of "the other process" the other.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from django.test import override_settings

from django_livechat import checks, pipeline
from django_livechat.groups import website_group
from django_livechat.pipeline import events
from django_livechat.routing import websocket_urlpatterns
from tests.factories import SHOP_ORIGIN, make_website
from tests.layer import decode

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def layer_config(redis_url: str, prefix: str) -> dict[str, Any]:
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": redis_url, "socket_timeout": None, "max_connections": 10000}],
            "prefix": prefix,
            "capacity": 10_000,
        },
    }


@pytest.fixture
async def layers(redis_flush: str) -> AsyncIterator[tuple[Any, RedisChannelLayer]]:
    """(this process's layer, the other process's layer), on one Redis."""
    config = layer_config(redis_flush, f"livechat-test-{uuid.uuid4().hex[:8]}")
    with override_settings(CHANNEL_LAYERS={"default": config}):
        this = get_channel_layer()
        assert isinstance(this, RedisChannelLayer)
        other = RedisChannelLayer(**config["CONFIG"])
        yield this, other
        await pipeline.drain()
        await other.close_pools()
        await this.close_pools()


@pytest.fixture
async def website():
    return await database_sync_to_async(make_website)()


async def connect(website) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    ws = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),
        "/ws/livechat/widget/",
        headers=[(b"origin", SHOP_ORIGIN.encode())],
    )
    connected, _ = await ws.connect()
    assert connected
    await ws.send_json_to({"type": "identify", "website_id": str(website.id)})
    identified = await ws.receive_json_from(timeout=5)
    assert identified["type"] == "identified"
    return ws, identified


async def next_of_type(ws: WebsocketCommunicator, wanted: str, timeout: float = 5) -> dict:
    while True:
        event = await ws.receive_json_from(timeout=timeout)
        if event["type"] == wanted:
            return event


def session_of(identified: dict[str, Any], website) -> pipeline.VisitorSession:
    return pipeline.VisitorSession(
        uuid.UUID(identified["conversation_id"]), website.id, "", identified["visitor_token"]
    )


async def test_message_stored_by_another_process_reaches_the_socket(layers, website, monkeypatch):
    _this, other = layers
    ws, identified = await connect(website)
    try:
        # "The other process" (e.g. the HTTP fallback served elsewhere) posts.
        monkeypatch.setattr(events, "get_channel_layer", lambda: other)
        result = await pipeline.post_visitor_message(
            session_of(identified, website),
            content="via process B",
            client_id="b1",
            background=False,
        )
        event = await next_of_type(ws, "chat_message")
        assert event["message_id"] == result.message["message_id"]
        assert event["message"] == "via process B"
        reply = await next_of_type(ws, "chat_message")
        assert reply["is_auto"] is True and reply["seq"] == 2
    finally:
        await ws.disconnect()


async def test_socket_message_reaches_dashboards_of_another_process(layers, website):
    _this, other = layers
    dashboard = await other.new_channel()
    await other.group_add(website_group(website.id), dashboard)
    ws, identified = await connect(website)
    try:
        await ws.send_json_to(
            {"type": "chat_message", "message": "to the agents", "client_id": "w"}
        )
        seen: list[dict] = []
        while not any(f["type"] == "chat_message" for f in seen):
            seen.extend(decode(await asyncio.wait_for(other.receive(dashboard), 5)))
        message = next(f for f in seen if f["type"] == "chat_message")
        assert message["message"] == "to the agents"
        assert message["conversation_id"] == identified["conversation_id"]
    finally:
        await ws.disconnect()


async def test_idle_longer_than_redis_py_default_timeout_still_delivers(
    layers, website, monkeypatch
):
    """redis-py 8's 5 s socket_timeout would kill the layer's 5 s blocking pop."""
    _this, other = layers
    ws, identified = await connect(website)
    try:
        await asyncio.sleep(6.5)  # idle: the consumer's receive loop sits in BZPOPMIN
        monkeypatch.setattr(events, "get_channel_layer", lambda: other)
        await pipeline.post_visitor_message(
            session_of(identified, website),
            content="after the idle",
            client_id="late",
            background=False,
        )
        event = await next_of_type(ws, "chat_message")
        assert event["message"] == "after the idle"
    finally:
        await ws.disconnect()


def test_the_tuned_layer_passes_the_checks(redis_url):
    with override_settings(CHANNEL_LAYERS={"default": layer_config(redis_url, "x")}):
        assert checks.check_channel_layer() == []


async def test_access_taken_away_in_another_process_reaches_the_open_dashboard(
    layers, website, monkeypatch
):
    from tests.factories import make_user
    from tests.sockets import Dashboard

    _this, other = layers
    ann = await database_sync_to_async(make_user)("ann")
    await database_sync_to_async(website.agents.add)(ann)
    async with Dashboard(ann) as dashboard:
        # "The other process" (an admin page served elsewhere) removes Ann from the website.
        monkeypatch.setattr(events, "get_channel_layer", lambda: other)
        await database_sync_to_async(website.agents.remove)(ann)
        ready = await dashboard.recv(timeout=5)
        assert (ready["type"], ready["websites"]) == ("ready", [])
