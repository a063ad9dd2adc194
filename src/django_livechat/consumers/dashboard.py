"""The agent socket (``ws/livechat/dashboard/``): authenticate, hand to the pipeline, relay.

The agent is the Django session's user (``scope["user"]``, set by Channels'
``AuthMiddlewareStack`` in the host's ASGI application). Close codes, each after an
``error`` event that says why:

* 4401: nobody is logged in (or the host's router has no ``AuthMiddlewareStack``);
* 4403: the user is not an agent (no ``reply_conversation`` permission, or inactive), is
  no longer one, or the page's ``Origin`` is not one of the host's ``ALLOWED_HOSTS``;
* 1009: a frame larger than the limit.

Every other error keeps the socket open. The socket follows one group per website the
agent serves; when that changes (an agent added to or removed from a website, a user
deactivated or losing the permission, the session logged out), the socket follows the new
set at once (a fresh ``ready`` and inbox) or closes, in every server process.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from channels.security.websocket import OriginValidator
from django.conf import settings

from django_livechat import errors, pipeline
from django_livechat.consumers.base import JsonFrameConsumer, header
from django_livechat.errors import ChatError
from django_livechat.pipeline import AgentSession, frames

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

    MESSAGE_FRAMES = frozenset({"agent_message"})
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
            "ratings": self.on_ratings,
            "viewing": self.on_viewing,
            "search": self.on_search,
            "ping": self.on_ping,
            "note": self.on_note,
            "notes": self.on_notes,
            "labels": self.on_labels,
            "canned": self.on_canned,
        }
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
        # Follow before reading the inbox: what happens in between arrives live.
        self.joined = await pipeline.follow(self.channel_name, agent)
        self.agent = agent
        await self.send_json(await agent.ready_event())
        await self.on_conversations({})
        await self.on_ratings({})
        await self.send_frames(await pipeline.agents_online_frames(agent))

    async def refuse(self, error: ChatError, code: int) -> None:
        await self.send_error(error)
        await self.close(code=code)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        if self.agent is None:
            return  # refused in connect(); the close is on its way
        await super().receive_json(content, **kwargs)

    async def after_error(self, error: ChatError) -> None:
        if isinstance(error, pipeline.LoggedOut):
            await self.close(code=CLOSE_UNAUTHENTICATED)
        elif isinstance(error, pipeline.NotAnAgent):
            await self.close(code=CLOSE_FORBIDDEN)

    def session_key(self) -> str | None:
        """The Django session behind the socket (None without session middleware)."""
        session = self.scope.get("session")
        key = getattr(session, "session_key", None) if session is not None else None
        return key if isinstance(key, str) else None

    async def disconnect(self, code: int) -> None:
        await pipeline.unfollow(self.channel_name, self.joined)

    # ------------------------------------------------------------ client frames

    async def on_conversations(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        if content.get("changed_since") is not None:
            # The heartbeat: a grant that ended without word (a lost event) ends here.
            await self.recheck()
        inbox = await pipeline.list_conversations(
            self.agent,
            website_id=content.get("website_id"),
            status=content.get("status"),
            limit=content.get("limit"),
            changed_since=content.get("changed_since"),
            label=content.get("label"),
            assignee=content.get("assignee"),
        )
        await self.send_json(inbox.frame())

    async def on_conversation(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        entry = await pipeline.agent_conversation(self.agent, content.get("conversation_id"))
        await self.send_json(frames.conversation_frame(entry))

    async def on_history(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        entry, messages, has_more = await pipeline.agent_history(
            self.agent,
            content.get("conversation_id"),
            content.get("last_seq"),
            content.get("reason"),
        )
        cid = entry["conversation_id"]
        await self.send_json(frames.history(cid, messages, has_more, conversation=entry))

    async def on_agent_message(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        result = await pipeline.post_agent_message(
            self.agent,
            content.get("conversation_id"),
            content=content.get("message"),
            client_id=content.get("client_id"),
        )
        await self.send_frames(result.ack)

    async def on_typing(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        await pipeline.agent_typing(
            self.agent,
            content.get("conversation_id"),
            content.get("is_typing"),
            owner=self.channel_name,
        )

    async def on_assign(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        assignee = content.get("agent_id", pipeline.ME)
        entry = await pipeline.assign_conversation(
            self.agent, content.get("conversation_id"), assignee
        )
        await self.send_json(frames.conversation_frame(entry))

    async def on_resolve(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        entry = await pipeline.resolve_conversation(self.agent, content.get("conversation_id"))
        await self.send_json(frames.conversation_frame(entry))

    async def on_reopen(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        entry = await pipeline.reopen_conversation(self.agent, content.get("conversation_id"))
        await self.send_json(frames.conversation_frame(entry))

    async def on_mark_read(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        # The answer comes through the agent's group, to this and their other dashboards.
        await pipeline.mark_read(self.agent, content.get("conversation_id"), content.get("seq"))

    async def on_ratings(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        await self.send_json(await pipeline.ratings_summary(self.agent))

    async def on_viewing(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        # The website's dashboards, this one too, get the new ``agents`` frame.
        await pipeline.view_conversation(
            self.channel_name, self.agent, content.get("conversation_id")
        )

    async def on_search(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        frame = await pipeline.search(
            self.agent,
            content.get("query"),
            website_id=content.get("website_id"),
            limit=content.get("limit"),
        )
        await self.send_json(frame)

    async def on_note(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        # A new note reaches this socket with the website's dashboards; a retry, here only.
        result = await pipeline.add_note(
            self.agent,
            content.get("conversation_id"),
            text=content.get("text"),
            client_id=content.get("client_id"),
        )
        await self.send_frames(result.ack)

    async def on_notes(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        await self.send_json(await pipeline.list_notes(self.agent, content.get("conversation_id")))

    async def on_labels(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        entry = await pipeline.set_labels(
            self.agent, content.get("conversation_id"), content.get("labels")
        )
        await self.send_json(frames.conversation_frame(entry))

    async def on_canned(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        replies = await pipeline.list_canned(self.agent, content.get("website_id"))
        await self.send_json(frames.canned(replies))

    async def on_ping(self, content: dict[str, Any]) -> None:
        assert self.agent is not None
        await self.send_json(await pipeline.agent_heartbeat(self.channel_name, self.agent))

    # ------------------------------------------------------------ group events

    async def livechat_access(self, event: dict[str, Any]) -> None:
        """The agent's grant changed (or a session of theirs ended): ask again."""
        if self.agent is None:
            return
        ended = event.get("session_key")
        if ended is not None and ended != self.session_key():
            return  # another browser of theirs logged out
        try:
            if ended is not None:
                raise pipeline.LoggedOut()  # said at logout, before the session is gone
            websites_before = self.agent.websites
            await self.recheck()
        except ChatError as error:
            await self.send_error(error)
            await self.after_error(error)
            return
        if self.agent.websites != websites_before:
            await self.send_json(await self.agent.ready_event())
            await self.on_conversations({})
            await self.send_frames(await pipeline.agents_online_frames(self.agent))

    async def recheck(self) -> None:
        """Follow the websites the agent serves now; ``ChatError`` if access ended."""
        assert self.agent is not None
        agent = await pipeline.recheck_agent(self.agent, self.session_key())
        # Also when nothing changed: refollowing refreshes the socket's presence.
        self.joined = await pipeline.refollow(self.channel_name, self.joined, agent)
        self.agent = agent

    def accepts(self, event: dict[str, Any]) -> bool:
        skip = event.get("skip_user")
        return skip is None or self.agent is None or skip != self.agent.agent()["user_id"]
