"""A page's WebSocket routed through Playwright to the real server, losing one frame.

Live delivery is best effort (a channel layer drops events when a channel is full), so the
clients must recover a message whose frame never arrives. :class:`DropOneFrame` makes that
happen on purpose, between the server and the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any


class DropOneFrame:
    """Routes the page's sockets whose URL matches ``url`` to the real server, and drops
    the first server → client frame that ``drop(frame)`` picks. What the client sent
    (parsed) is in ``sent``, the dropped frame in ``dropped``. Set it up before the page
    connects."""

    def __init__(self, page: Any, url: re.Pattern[str], drop: Callable[[dict[str, Any]], bool]):
        self.drop = drop
        self.sent: list[dict[str, Any]] = []
        self.dropped: list[dict[str, Any]] = []
        page.route_web_socket(url, self.route)

    def route(self, ws: Any) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if isinstance(message, str):
                self.sent.append(json.loads(message))
            server.send(message)

        def to_client(message: str | bytes) -> None:
            frame = json.loads(message) if isinstance(message, str) else {}
            if not self.dropped and self.drop(frame):
                self.dropped.append(frame)
                return
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_client)

    def sent_of_type(self, kind: str) -> list[dict[str, Any]]:
        return [frame for frame in self.sent if frame.get("type") == kind]
