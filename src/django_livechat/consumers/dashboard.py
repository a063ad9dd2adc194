"""The agent socket (``ws/livechat/dashboard/``): authenticate, authorize, hand to the pipeline.

The agent is the Django session's user (``scope["user"]``, set by Channels'
``AuthMiddlewareStack`` in the host's ASGI application). Close codes, each after an
``error`` event that says why:

* 4401: nobody is logged in (or the host's router has no ``AuthMiddlewareStack``);
* 4403: the user is not an agent (no ``reply_conversation`` permission, or inactive), is
  no longer one, or the page's ``Origin`` is not one of the host's ``ALLOWED_HOSTS``;
* 1009: a frame larger than the limit.

Every other error keeps the socket open. The agent joins one group per website served
when the socket opens; a website they start serving later shows after a reconnect.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlparse
from uuid import UUID

from channels.security.websocket import OriginValidator
from django.conf import settings

from django_livechat import errors, pipeline
from django_livechat.conf import livechat_settings
from django_livechat.consumers.frames import JsonFrameConsumer, header
from django_livechat.errors import ChatError
from django_livechat.groups import agent_group, website_group
from django_livechat.pipeline import AgentSession

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def host_origin_allowed(origin: str | None) -> bool:
    """Whether a page of ``origin`` may open the agent socket: one of ``ALLOWED_HOSTS``.

    The same rule as Channels' ``AllowedHostsOriginValidator``, except that a missing
    ``Origin`` passes: browsers always send one, and a client that is not a browser cannot
    be tricked into using someone's session cookie.
    """
    if origin is None:
        return True
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = ["localhost", "127.0.0.1", "[::1]"]
    try:
        parsed = urlparse(origin)
    except ValueError:
        return False
    return bool(OriginValidator(None, hosts).valid_origin(parsed))


class DashboardConsumer(JsonFrameConsumer):
    """One agent dashboard. See the protocol page of the docs for every event."""

    agent: AgentSession | None = None

    async def connect(self) -> None:
        self.handlers = {
            "conversations": self.on_conversations,
            "conversation": self.on_conversation,
            "history": self.on_history,
            "agent_message": self.on_agent_message,
            "typing": self.on_typing,
            "assign": self.on_assign,
            "resolve": self.on_resolve,
            "reopen": self.on_reopen,
            "mark_read": self.on_mark_read,
            "ping": self.on_ping,
        }
        # conversation id -> (website id, the task that ends the typing state)
        self.typing: dict[UUID, tuple[UUID, asyncio.Task[None]]] = {}
        self.joined: list[str] = []
        # Accept first: a close before accepting reaches the browser without its code.
        await self.accept()
        if not host_origin_allowed(header(self.scope, b"origin")):
            await self.refuse(
                ChatError(errors.FORBIDDEN, "This page's origin may not open the dashboard."),
                CLOSE_FORBIDDEN,
            )
            return
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(ChatError(errors.FORBIDDEN, "Log in first."), CLOSE_UNAUTHENTICATED)
            return
        try:
            agent = await pipeline.authorize_agent(user)
        except ChatError as error:
            await self.refuse(error, CLOSE_FORBIDDEN)
            return
        # Join before reading the inbox: what happens in between arrives live.
        self.joined = [website_group(wid) for wid in sorted(agent.website_ids)]
        self.joined.append(agent_group(agent.user_id))
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self.agent = agent
        await self.send_json(agent.ready_event())
        await self.on_conversations({})

    async def refuse(self, error: ChatError, code: int) -> None:
        await self.send_error(error)
        await self.close(code=code)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if self.agent is None:
            return  # refused in connect(); the close is on its way
        handler = self.handlers.get(content.get("type"))  # type: ignore[arg-type]
        try:
            if handler is None:
                raise ChatError(errors.UNKNOWN_TYPE, f"Unknown type {content.get('type')!r}.")
            await handler(content)
        except pipeline.NotAnAgent as error:
            await self.refuse(error, CLOSE_FORBIDDEN)
        except ChatError as error:
            await self.send_error(error)
        except Exception:
            logger.exception("Dashboard socket failed on a %r frame", content.get("type"))
            await self.send_error(ChatError(errors.INTERNAL_ERROR))

    async def disconnect(self, code: int) -> None:
        for conversation_id in list(self.typing):
            await self.stop_typing(conversation_id)
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    # ------------------------------------------------------------ client frames

    async def on_conversations(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        conversations, has_more = await pipeline.list_conversations(
            self.agent,
            website_id=content.get("website_id"),
            status=content.get("status"),
            limit=content.get("limit"),
        )
        await self.send_json(
            {"type": "conversations", "conversations": conversations, "has_more": has_more}
        )

    async def on_conversation(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        entry = await pipeline.agent_conversation(self.agent, content.get("conversation_id"))
        await self.send_conversation(entry)

    async def on_history(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        entry, messages, has_more = await pipeline.agent_history(
            self.agent, content.get("conversation_id"), content.get("last_seq")
        )
        await self.send_json(
            {
                "type": "history",
                "conversation_id": entry["conversation_id"],
                "conversation": entry,
                "messages": messages,
                "has_more": has_more,
            }
        )

    async def on_agent_message(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        conversation_id = pipeline.parse_uuid(content.get("conversation_id"))
        if conversation_id is not None:
            await self.stop_typing(conversation_id)
        result = await pipeline.post_agent_message(
            self.agent,
            content.get("conversation_id"),
            content=content.get("message"),
            client_id=content.get("client_id"),
        )
        if not result.created:
            # A retry: the original was broadcast before; acknowledge to this sender only.
            await self.send_json({"type": "chat_message", **result.message})

    async def on_typing(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        is_typing = content.get("is_typing")
        website_id = await pipeline.agent_typing(
            self.agent, content.get("conversation_id"), is_typing
        )
        conversation_id = UUID(str(content.get("conversation_id")))
        previous = self.typing.pop(conversation_id, None)
        if previous is not None:
            previous[1].cancel()
        if is_typing:
            timer = asyncio.get_running_loop().create_task(self.typing_expires(conversation_id))
            self.typing[conversation_id] = (website_id, timer)

    async def on_assign(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        assignee = content.get("agent_id", pipeline.ME)
        entry = await pipeline.assign_conversation(
            self.agent, content.get("conversation_id"), assignee
        )
        await self.send_conversation(entry)

    async def on_resolve(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        entry = await pipeline.resolve_conversation(self.agent, content.get("conversation_id"))
        await self.send_conversation(entry)

    async def on_reopen(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        entry = await pipeline.reopen_conversation(self.agent, content.get("conversation_id"))
        await self.send_conversation(entry)

    async def on_mark_read(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        # The answer comes through the agent's group, to this and their other dashboards.
        await pipeline.mark_read(self.agent, content.get("conversation_id"), content.get("seq"))

    async def on_ping(self, content: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    # ------------------------------------------------------------ group events

    async def livechat_message(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "chat_message", **event["message"]})

    async def livechat_typing(self, event: dict[str, Any]) -> None:
        agent = event.get("agent")
        if self.agent is not None and agent and agent["user_id"] == self.agent.agent()["user_id"]:
            return  # this agent's own typing
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": "typing"})

    async def livechat_conversation(self, event: dict[str, Any]) -> None:
        # A new conversation has no messages: nothing unread, nothing to preview.
        conversation = {"unread": 0, "last_read_seq": 0, "last_message": None}
        await self.send_json(
            {"type": event["event"], "conversation": conversation | event["conversation"]}
        )

    async def livechat_status(self, event: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": "status"})

    async def livechat_assignment(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {k: v for k, v in event.items() if k != "type"} | {"type": "assignment"}
        )

    async def livechat_read(self, event: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": "read"})

    # ------------------------------------------------------------ helpers

    async def send_conversation(self, entry: dict[str, Any]) -> None:
        await self.send_json({"type": "conversation", "conversation": entry})

    async def typing_expires(self, conversation_id: UUID) -> None:
        await asyncio.sleep(livechat_settings.TYPING_TIMEOUT)
        entry = self.typing.pop(conversation_id, None)
        if entry is not None and self.agent is not None:
            await pipeline.broadcast_agent_typing(self.agent, conversation_id, entry[0], False)

    async def stop_typing(self, conversation_id: UUID) -> None:
        """End the agent's typing state in a conversation, if on."""
        entry = self.typing.pop(conversation_id, None)
        if entry is None or self.agent is None:
            return
        entry[1].cancel()
        await pipeline.broadcast_agent_typing(self.agent, conversation_id, entry[0], False)
