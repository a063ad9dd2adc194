"""Test clients for the two sockets, on Channels' ``WebsocketCommunicator``."""

from __future__ import annotations

from typing import Any

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from django_livechat import pipeline
from django_livechat.models import Website
from django_livechat.routing import websocket_urlpatterns
from tests.factories import SHOP_ORIGIN

application = URLRouter(websocket_urlpatterns)
VISITOR_PATH = "/ws/livechat/widget/"
DASHBOARD_PATH = "/ws/livechat/dashboard/"
#: An origin among the test settings' ALLOWED_HOSTS: the dashboard's page.
HOST_ORIGIN = "http://testserver"


class Socket:
    """A communicator with the protocol's JSON frames; ``async with`` closes it after the
    pipeline's background work is done."""

    def __init__(self, path: str, origin: str | None) -> None:
        headers = [(b"origin", origin.encode())] if origin else []
        self.ws = WebsocketCommunicator(application, path, headers=headers)

    async def __aexit__(self, *exc: object) -> None:
        await pipeline.drain()
        await self.ws.disconnect()

    async def send(self, **frame: Any) -> None:
        await self.ws.send_json_to(frame)

    async def recv(self, timeout: float = 3) -> dict[str, Any]:
        return await self.ws.receive_json_from(timeout=timeout)


class Visitor(Socket):
    """A visitor's widget socket. ``presence`` frames (agents' dashboards opening and
    closing) arrive whenever they do: :meth:`recv` sets them aside in :attr:`presence`,
    and :meth:`recv_presence` waits for them."""

    def __init__(self, origin: str | None = SHOP_ORIGIN) -> None:
        super().__init__(VISITOR_PATH, origin)
        self.presence: list[dict[str, Any]] = []

    async def recv(self, timeout: float = 3) -> dict[str, Any]:
        while True:
            event = await super().recv(timeout)
            if event.get("type") != "presence":
                return event
            self.presence.append(event)

    async def recv_presence(self, timeout: float = 3) -> dict[str, Any]:
        """The next ``presence`` frame (one set aside earlier first); fails on any other."""
        if self.presence:
            return self.presence.pop(0)
        event = await super().recv(timeout)
        assert event["type"] == "presence", event
        return event

    async def __aenter__(self) -> Visitor:
        connected, _ = await self.ws.connect()
        assert connected
        return self

    async def recv_type(self, wanted: str, timeout: float = 3) -> dict[str, Any]:
        """The next event of type ``wanted``, skipping typing events."""
        while True:
            event = await self.recv(timeout)
            if event["type"] == wanted:
                return event
            assert event["type"] == "typing", event

    async def identify(self, website: Website, **extra: Any) -> dict[str, Any]:
        await self.send(type="identify", website_id=str(website.id), **extra)
        event = await self.recv()
        assert event["type"] == "identified", event
        return event

    async def nothing(self) -> None:
        while not await self.ws.receive_nothing(timeout=0.2):
            event = await super().recv()
            assert event["type"] == "presence", event
            self.presence.append(event)


class Dashboard(Socket):
    """An agent's dashboard socket, its user put in the scope as AuthMiddleware would.

    ``agents`` frames (who is online on a website, and where) arrive after ``ready`` and
    whenever agents come, go or open a conversation: :meth:`recv` sets them aside in
    :attr:`agents` and :meth:`recv_agents` waits for them."""

    def __init__(self, user: Any, origin: str | None = HOST_ORIGIN) -> None:
        super().__init__(DASHBOARD_PATH, origin)
        if user is not None:
            self.ws.scope["user"] = user
        self.ready: dict[str, Any] = {}
        self.inbox: list[dict[str, Any]] = []
        self.agents: list[dict[str, Any]] = []

    async def __aenter__(self) -> Dashboard:
        connected, _ = await self.ws.connect()
        assert connected
        self.ready = await self.recv()
        assert self.ready["type"] == "ready", self.ready
        snapshot = await self.recv()
        assert snapshot["type"] == "conversations"
        self.inbox = snapshot["conversations"]
        self.ratings = await self.recv()
        assert self.ratings["type"] == "ratings", self.ratings
        # Then one agents frame per website (and, any time, the website's when its agents
        # come, go or open a conversation).
        while len(self.agents) < len(self.ready["websites"]):
            event = await super().recv()
            assert event["type"] == "agents", event
            self.agents.append(event)
        # The frame that tells the website's dashboards this one came is in by now, mostly.
        await self.nothing(0.05)
        return self

    async def recv(self, timeout: float = 3) -> dict[str, Any]:
        while True:
            event = await super().recv(timeout)
            if event.get("type") != "agents":
                return event
            self.agents.append(event)

    async def recv_agents(self, timeout: float = 3) -> dict[str, Any]:
        """The next ``agents`` frame (one set aside earlier first); fails on any other."""
        if self.agents:
            return self.agents.pop(0)
        event = await super().recv(timeout)
        assert event["type"] == "agents", event
        return event

    async def recv_type(self, wanted: str, timeout: float = 3) -> dict[str, Any]:
        """The next event of type ``wanted``, skipping the responder's typing events."""
        while True:
            event = await self.recv(timeout)
            if event["type"] == wanted:
                return event
            assert event["type"] == "typing" and event["role"] == "assistant", event

    async def error(self, code: str) -> dict[str, Any]:
        event = await self.recv()
        assert event["type"] == "error", event
        assert event["code"] == code, event
        assert event["message"]
        return event

    async def recv_all(self, *types: str) -> dict[str, dict[str, Any]]:
        """The next events, one of each of ``types`` in any order, by type."""
        events = [await self.recv() for _ in types]
        assert sorted(e["type"] for e in events) == sorted(types), events
        return {e["type"]: e for e in events}

    async def nothing(self, timeout: float = 0.3) -> None:
        """Nothing but ``agents`` frames (set aside) for ``timeout`` seconds."""
        while not await self.ws.receive_nothing(timeout=timeout):
            event = await super().recv()
            assert event["type"] == "agents", event
            self.agents.append(event)

    async def usable(self) -> None:
        await self.send(type="ping")
        assert await self.recv() == {"type": "pong"}
