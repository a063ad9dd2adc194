"""What both sockets share: JSON frames in, a handler per ``type``, errors out, finished
frames relayed from the pipeline's group events, the frame size limit."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from django_livechat import errors, ratelimit
from django_livechat.conf import livechat_settings
from django_livechat.errors import ChatError

logger = logging.getLogger(__name__)

CLOSE_TOO_BIG = 1009
# JSON escaping can grow text twelve-fold: a character outside the BMP (an emoji) is a
# surrogate pair, two \uXXXX escapes. identify's metadata is capped separately.
ESCAPED_CHARACTER = 12
FRAME_OVERHEAD = 16_384

Handler = Callable[[dict[str, Any]], Awaitable[None]]


def max_frame_length() -> int:
    return livechat_settings.MAX_MESSAGE_LENGTH * ESCAPED_CHARACTER + FRAME_OVERHEAD


def header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def client_address(scope: dict[str, Any]) -> str | None:
    """The client's address for the rate limits: the scope's ``client``, or what the
    trusted proxies say (:func:`django_livechat.ratelimit.client_address`)."""
    client = scope.get("client")
    peer = str(client[0]) if client else None
    forwarded = [
        value.decode("latin-1")
        for key, value in scope.get("headers", [])
        if key == b"x-forwarded-for"
    ]
    return ratelimit.client_address(peer, ",".join(forwarded) or None)


class JsonFrameConsumer(AsyncJsonWebsocketConsumer):
    """Parses frames and hands each to ``handlers[type]``; answers a refusal with an
    ``error`` event (carrying the ``client_id`` of a refused message), malformed frames with
    ``INVALID_JSON``, and closes with 1009 on a frame over :func:`max_frame_length`.

    Subclasses fill :attr:`handlers` and may close on some errors (:meth:`after_error`).
    """

    #: Frame types whose refusal names the frame's ``client_id``.
    MESSAGE_FRAMES: frozenset[str] = frozenset()
    handlers: dict[str, Handler]

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels tidies the ORM's connections before every event, a hop to another
        # thread each time. These consumers never touch the ORM themselves: the pipeline's
        # own threads tidy theirs (django_livechat.dbthreads).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.send_error(ChatError(errors.INVALID_JSON, "Send JSON text frames."))
            return
        if len(text_data) > max_frame_length():
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            await self.send_error(ChatError(errors.INVALID_JSON))
            return
        if not isinstance(content, dict):
            await self.send_error(ChatError(errors.INVALID_JSON))
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        if not isinstance(kind, str):
            kind = None
        handler = self.handlers.get(kind) if kind is not None else None
        try:
            if handler is None:
                raise ChatError(errors.UNKNOWN_TYPE, f"Unknown type {kind!r}.")
            await handler(content)
        except ChatError as error:
            await self.send_error(self.naming_the_message(error, kind, content))
            await self.after_error(error)
        except Exception:
            logger.exception("%s failed on a %r frame", type(self).__name__, kind)
            failure = ChatError(errors.INTERNAL_ERROR)
            await self.send_error(self.naming_the_message(failure, kind, content))

    def naming_the_message(
        self, error: ChatError, kind: str | None, content: dict[str, Any]
    ) -> ChatError:
        """A refusal of a message frame names its ``client_id``, whatever went wrong."""
        if kind in self.MESSAGE_FRAMES:
            error.about(content.get("client_id"))
        return error

    async def after_error(self, error: ChatError) -> None:
        """Called after an ``error`` was sent; a subclass may close the socket."""

    async def send_error(self, error: ChatError) -> None:
        await self.send_json(error.as_event())

    async def send_frames(self, frames: list[dict[str, Any]]) -> None:
        for frame in frames:
            await self.send_json(frame)

    # ------------------------------------------------------------ group events

    async def livechat_frames(self, event: dict[str, Any]) -> None:
        """Finished frames from the pipeline (``[seq, json]`` each): relay them."""
        if not self.accepts(event):
            return
        for seq, text in event["frames"]:
            if self.relays(seq):
                await self.send(text_data=text)

    def accepts(self, event: dict[str, Any]) -> bool:
        """Whether this socket wants the event at all."""
        return True

    def relays(self, seq: int) -> bool:
        """Whether this socket sends a frame (``seq`` 0: not a message)."""
        return True
