"""The baselines: bare Channels round trips with the pipeline's hops and no database.

For each ``chat_message`` frame :class:`EchoConsumer` does what the pipeline does on the
wire, minus storing and answering: it sends the message to a group this socket is in and
relays it to the client when it comes back (the visitor's own echo), then sends a reply
through the group the same way (the auto-reply). Frames are shaped like the pipeline's, so
the JSON work on both ends is comparable.

With ``?events=1`` in the URL (``--baseline one-event``) the message and its reply travel
in one group event, as the pipeline's message and inline reply do since protocol v2
("one event per group"): one channel-layer hop per message instead of two.

The dashboard's baseline adds what the pipeline adds for an agent's dashboard: every event
also goes to one shared group (:data:`WATCH_GROUP`, the pipeline's website group), which a
:class:`WatchConsumer` socket (the dashboard) is in.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

REPLY_TEXT = "Thank you for your message. A support agent will respond to you shortly."
WATCH_GROUP = "bench.watch"


class EchoConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group = ""
    seq = 0
    #: Also send every frame to this group (the dashboard baseline), when set.
    watch_group = ""

    async def connect(self) -> None:
        self.one_event = b"events=1" in self.scope.get("query_string", b"")
        self.conversation_id = str(uuid.uuid4())
        self.group = f"bench.echo.{self.conversation_id}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "identified", "conversation_id": self.conversation_id})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
            return
        if content.get("type") != "chat_message":
            await self.send_json({"type": "error", "code": "UNKNOWN_TYPE", "message": ""})
            return
        message = self.message("user", str(content.get("message", "")), content.get("client_id"))
        reply = self.message("assistant", REPLY_TEXT, f"auto:{message['message_id']}")
        if self.one_event:
            await self.publish([message, reply])
        else:
            await self.publish([message])
            await self.publish([reply])

    async def publish(self, messages: list[dict[str, Any]]) -> None:
        event = {"type": "bench.messages", "messages": messages}
        await self.channel_layer.group_send(self.group, event)
        if self.watch_group:
            await self.channel_layer.group_send(self.watch_group, event)

    async def bench_messages(self, event: dict[str, Any]) -> None:
        for message in event["messages"]:
            await self.send_json({**message, "type": "chat_message"})

    def message(self, role: str, text: str, client_id: object) -> dict[str, Any]:
        self.seq += 1
        return {
            "message_id": str(uuid.uuid4()),
            "conversation_id": self.conversation_id,
            "seq": self.seq,
            "role": role,
            "message": text,
            "client_id": client_id,
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "is_auto": role == "assistant",
            "is_manual": False,
        }


class WatchedEchoConsumer(EchoConsumer):
    """The echo socket whose frames a watcher (the dashboard baseline) also receives."""

    watch_group = WATCH_GROUP


class WatchConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """The dashboard's baseline: receives a copy of every watched echo socket's frames."""

    async def connect(self) -> None:
        await self.channel_layer.group_add(WATCH_GROUP, self.channel_name)
        await self.accept()
        await self.send_json({"type": "ready"})

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(WATCH_GROUP, self.channel_name)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def bench_messages(self, event: dict[str, Any]) -> None:
        for message in event["messages"]:
            await self.send_json({**message, "type": "chat_message"})
