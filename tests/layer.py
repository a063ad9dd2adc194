"""Listening on the channel layer as a socket would: the frames the pipeline sends.

The pipeline sends ``livechat.frames`` events carrying finished, JSON-encoded frames; these
helpers subscribe a bare channel to a group and decode what arrives into those frames.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.layers import get_channel_layer


async def subscribe(group: str) -> str:
    """A new channel in ``group``."""
    layer = get_channel_layer()
    channel: str = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


def decode(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The frames one ``livechat.frames`` event carries."""
    assert event["type"] == "livechat.frames", event
    return [json.loads(text) for _, text in event["frames"]]


async def received_events(channel: str, timeout: float = 0.3) -> list[dict[str, Any]]:
    """Every event waiting on ``channel`` (until none comes for ``timeout`` seconds)."""
    layer = get_channel_layer()
    events = []
    while True:
        try:
            events.append(await asyncio.wait_for(layer.receive(channel), timeout=timeout))
        except asyncio.TimeoutError:
            return events


async def received(channel: str, timeout: float = 0.3) -> list[dict[str, Any]]:
    """Every frame waiting on ``channel``, in order."""
    return [frame for event in await received_events(channel, timeout) for frame in decode(event)]


def chat_messages(frames: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    """``(seq, role, text)`` of the ``chat_message`` frames."""
    return [(f["seq"], f["role"], f["message"]) for f in frames if f["type"] == "chat_message"]
