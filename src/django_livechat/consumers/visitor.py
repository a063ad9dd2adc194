"""The visitor socket (``ws/livechat/widget/``): parse, authorize, hand to the pipeline.

Close codes: 4403 after a ``FORBIDDEN`` error (origin not allowed, bad visitor token);
1009 for a frame larger than the limit. Every other error keeps the socket open.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.consumer import get_handler_name

from django_livechat import errors, pipeline
from django_livechat.conf import livechat_settings
from django_livechat.consumers.frames import JsonFrameConsumer, header
from django_livechat.errors import ChatError
from django_livechat.groups import conversation_group
from django_livechat.pipeline import VisitorSession

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403


class VisitorConsumer(JsonFrameConsumer):
    """One visitor's socket. See the protocol page of the docs for every event."""

    session: VisitorSession | None = None
    resume_floor = 0
    typing_timer: asyncio.Task[None] | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels tidies the ORM's connections before every event, a hop to another
        # thread each time. This consumer never touches the ORM itself: the pipeline's
        # own threads tidy theirs (django_livechat.dbthreads).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.handlers = {
            "identify": self.on_identify,
            "chat_message": self.on_chat_message,
            "typing": self.on_typing,
            "history": self.on_history,
            "ping": self.on_ping,
        }
        await self.accept()

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        handler = self.handlers.get(content.get("type"))  # type: ignore[arg-type]
        try:
            if handler is None:
                raise ChatError(errors.UNKNOWN_TYPE, f"Unknown type {content.get('type')!r}.")
            if self.session is None and handler not in (self.on_identify, self.on_ping):
                raise ChatError(errors.NOT_IDENTIFIED)
            await handler(content)
        except ChatError as error:
            # Tie a refused message to the client's pending copy of it.
            client_id = content.get("client_id") if handler == self.on_chat_message else None
            await self.send_error(error, client_id=client_id)
            if error.code == errors.FORBIDDEN:
                await self.close(code=CLOSE_FORBIDDEN)
        except Exception:
            logger.exception("Visitor socket failed on a %r frame", content.get("type"))
            await self.send_error(ChatError(errors.INTERNAL_ERROR))

    async def disconnect(self, code: int) -> None:
        await self.stop_typing()
        if self.session is not None:
            await self.channel_layer.group_discard(
                conversation_group(self.session.conversation_id), self.channel_name
            )

    # ------------------------------------------------------------ client frames

    async def on_identify(self, content: dict[str, Any]) -> None:
        session = await pipeline.open_conversation(
            website_id=content.get("website_id"),
            origin=header(self.scope, b"origin"),
            user_identifier=content.get("user_identifier"),
            identifier_hash=content.get("identifier_hash"),
            metadata=content.get("metadata"),
            conversation_id=content.get("conversation_id"),
            visitor_token=content.get("visitor_token"),
        )
        if self.session is not None and self.session.conversation_id != session.conversation_id:
            await self.stop_typing()
            await self.channel_layer.group_discard(
                conversation_group(self.session.conversation_id), self.channel_name
            )
        # Join before reading history: a message stored in between then arrives live and
        # resume_floor drops whichever copy comes second.
        await self.channel_layer.group_add(
            conversation_group(session.conversation_id), self.channel_name
        )
        self.session = session
        self.resume_floor = 0
        await self.send_json(session.identified_event())
        if not session.created:
            await self.send_history(content.get("last_seq"))

    async def on_chat_message(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        await self.stop_typing()
        result = await pipeline.post_visitor_message(
            self.session,
            content=content.get("message"),
            client_id=content.get("client_id"),
            background=True,
        )
        if not result.created:
            # A retry: the original was broadcast before; acknowledge to this sender only.
            await self.send_json({"type": "chat_message", **result.message})

    async def on_typing(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        is_typing = content.get("is_typing")
        await pipeline.visitor_typing(self.session, is_typing)
        if self.typing_timer is not None:
            self.typing_timer.cancel()
            self.typing_timer = None
        if is_typing:
            self.typing_timer = asyncio.get_running_loop().create_task(self.typing_expires())

    async def on_history(self, content: dict[str, Any]) -> None:
        await self.send_history(content.get("last_seq"))

    async def on_ping(self, content: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    # ------------------------------------------------------------ group events

    async def livechat_message(self, event: dict[str, Any]) -> None:
        data = event["message"]
        if data["seq"] > self.resume_floor:
            await self.send_json({"type": "chat_message", **data})

    async def livechat_typing(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {
                "type": "typing",
                "conversation_id": event["conversation_id"],
                "role": event["role"],
                "is_typing": event["is_typing"],
            }
        )

    async def livechat_error(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "error", "code": event["code"], "message": event["message"]})

    async def livechat_status(self, event: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": "status"})

    # ------------------------------------------------------------ helpers

    async def send_history(self, last_seq: object) -> None:
        assert self.session is not None
        messages, has_more = await pipeline.messages_after(self.session.conversation_id, last_seq)
        if messages:
            self.resume_floor = max(self.resume_floor, messages[-1]["seq"])
        await self.send_json(
            {
                "type": "history",
                "conversation_id": str(self.session.conversation_id),
                "messages": messages,
                "has_more": has_more,
            }
        )

    async def typing_expires(self) -> None:
        await asyncio.sleep(livechat_settings.TYPING_TIMEOUT)
        self.typing_timer = None
        if self.session is not None:
            await pipeline.visitor_typing(self.session, False)

    async def stop_typing(self) -> None:
        """End the visitor's typing state, if on (a message sent, a disconnect)."""
        if self.typing_timer is None:
            return
        self.typing_timer.cancel()
        self.typing_timer = None
        if self.session is not None:
            await pipeline.visitor_typing(self.session, False)
