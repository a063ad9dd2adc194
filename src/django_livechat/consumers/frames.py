"""What both sockets share: JSON frames in, ``error`` events out, the frame size limit."""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from django_livechat import errors
from django_livechat.conf import livechat_settings
from django_livechat.errors import ChatError

CLOSE_TOO_BIG = 1009
# JSON escaping can grow text six-fold; identify's metadata is capped separately.
FRAME_OVERHEAD = 16_384


def max_frame_length() -> int:
    return livechat_settings.MAX_MESSAGE_LENGTH * 6 + FRAME_OVERHEAD


def header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class JsonFrameConsumer(AsyncJsonWebsocketConsumer):
    """Answers malformed frames with ``error`` ``INVALID_JSON`` instead of dying, and
    closes with 1009 on a frame over :func:`max_frame_length`."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.send_error(ChatError(errors.INVALID_JSON, "Send JSON text frames."))
            return
        if len(text_data) > max_frame_length():
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_error(ChatError(errors.INVALID_JSON))
            return
        if not isinstance(content, dict):
            await self.send_error(ChatError(errors.INVALID_JSON))
            return
        await self.receive_json(content)

    async def send_error(self, error: ChatError, *, client_id: object = None) -> None:
        event = error.as_event()
        if isinstance(client_id, str):
            event["client_id"] = client_id
        await self.send_json(event)
