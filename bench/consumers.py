"""The baseline: a bare Channels round trip with the pipeline's two hops and no database.

For each ``chat_message`` frame the consumer does what the pipeline does on the wire, minus
storing and answering: it sends the message to a group this socket is in and relays it to
the client when it comes back (the visitor's own echo), then sends a reply through the
group the same way (the auto-reply). Frames are shaped like the pipeline's, so the JSON work
on both ends is comparable.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

REPLY_TEXT = "Thank you for your message. A support agent will respond to you shortly."


class EchoConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group = ""
    seq = 0

    async def connect(self) -> None:
        self.conversation_id = str(uuid.uuid4())
        self.group = f"bench.echo.{self.conversation_id}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "identified", "conversation_id": self.conversation_id})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if content.get("type") != "chat_message":
            await self.send_json({"type": "error", "code": "UNKNOWN_TYPE", "message": ""})
            return
        message = self.message("user", str(content.get("message", "")), content.get("client_id"))
        await self.channel_layer.group_send(self.group, {"type": "bench.message", **message})
        reply = self.message("assistant", REPLY_TEXT, f"auto:{message['message_id']}")
        await self.channel_layer.group_send(self.group, {"type": "bench.message", **reply})

    async def bench_message(self, event: dict[str, Any]) -> None:
        await self.send_json({**event, "type": "chat_message"})

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
