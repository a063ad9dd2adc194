"""The visitor socket (``ws/livechat/widget/``): parse, hand to the pipeline, relay.

Close codes: 4403 after a ``FORBIDDEN`` error (origin not allowed, bad visitor token), or
after ``INVALID_WEBSITE`` when the website is switched off while the socket is open; 1009
for a frame larger than the limit. Every other error keeps the socket open.
"""

from __future__ import annotations

from typing import Any

from django_livechat import errors, pipeline
from django_livechat.consumers.base import JsonFrameConsumer, client_address, header
from django_livechat.errors import ChatError
from django_livechat.pipeline import VisitorSession
from django_livechat.ratelimit import SocketLimits

CLOSE_FORBIDDEN = 4403


class VisitorConsumer(JsonFrameConsumer):
    """One visitor's socket. See the protocol page of the docs for every event."""

    MESSAGE_FRAMES = frozenset({"chat_message"})
    session: VisitorSession | None = None
    #: The highest seq a history answer sent: live copies up to it are not sent again.
    resume_floor = 0

    async def connect(self) -> None:
        self.address = client_address(self.scope)
        self.limits = SocketLimits()
        self.handlers = {
            "identify": self.on_identify,
            "chat_message": self.identified(self.on_chat_message),
            "typing": self.identified(self.on_typing),
            "history": self.identified(self.on_history),
            "seen": self.identified(self.on_seen),
            "contact": self.identified(self.on_contact),
            "rate": self.identified(self.on_rate),
            "handoff": self.identified(self.on_handoff),
            "ping": self.on_ping,
        }
        await self.accept()

    def identified(self, handler: Any) -> Any:
        async def guarded(content: dict[str, Any]) -> None:
            if self.session is None:
                raise ChatError(errors.NOT_IDENTIFIED)
            await handler(content)

        return guarded

    async def after_error(self, error: ChatError) -> None:
        if error.code == errors.FORBIDDEN:
            await self.close(code=CLOSE_FORBIDDEN)

    async def disconnect(self, code: int) -> None:
        if self.session is not None:
            await pipeline.leave(self.channel_name, self.session)

    # ------------------------------------------------------------ client frames

    async def on_identify(self, content: dict[str, Any]) -> None:
        self.session, out = await pipeline.identify(
            self.channel_name,
            self.session,
            content,
            origin=header(self.scope, b"origin"),
            address=self.address,
            limits=self.limits,
        )
        self.resume_floor = out.floor
        await self.send_frames(out.frames)

    async def on_chat_message(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        result = await pipeline.post_visitor_message(
            self.session,
            content=content.get("message"),
            client_id=content.get("client_id"),
            background=True,
            address=self.address,
        )
        await self.send_frames(result.ack)

    async def on_typing(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        pipeline.visitor_typing(
            self.session, content.get("is_typing"), owner=self.channel_name, limits=self.limits
        )

    async def on_history(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        out = await pipeline.history(
            self.session, content.get("last_seq"), content.get("reason"), limits=self.limits
        )
        self.resume_floor = max(self.resume_floor, out.floor)
        await self.send_frames(out.frames)

    async def on_contact(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        saved = await pipeline.save_contact(self.session, content.get("email"), content.get("name"))
        await self.send_json(saved)

    async def on_rate(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        rated = await pipeline.rate(self.session, content.get("rating"), content.get("comment"))
        await self.send_json(rated)

    async def on_handoff(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        frame, changed = await pipeline.request_handoff(self.session)
        if not changed:  # else it came through the conversation's group
            await self.send_json(frame)

    async def on_seen(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        await pipeline.mark_seen(self.session, content.get("seq"))

    async def on_ping(self, content: dict[str, Any]) -> None:
        await self.send_json(await pipeline.heartbeat(self.session, content.get("website_id")))

    # ------------------------------------------------------------ group events

    async def livechat_access(self, event: dict[str, Any]) -> None:
        """The website's access changed (switched off): the socket closes if so."""
        if self.session is None:
            return
        try:
            await pipeline.recheck_visitor(self.session)
        except ChatError as error:
            await self.send_error(error)
            await self.close(code=CLOSE_FORBIDDEN)

    def relays(self, seq: int) -> bool:
        return seq == 0 or seq > self.resume_floor
