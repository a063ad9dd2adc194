"""Visitor message rate limit: a sliding window per conversation, in this process.

Each server process counts what it receives; a visitor's socket stays on one process, so
its limit is exact, and HTTP posts spread over N processes are held to at most N times it.
"""

from __future__ import annotations

import time
from collections import deque

from django_livechat.conf import livechat_settings

# Above this many tracked conversations, idle ones are swept out.
SWEEP_AT = 10_000


class SlidingWindowLimiter:
    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, *, now: float | None = None) -> float | None:
        """Count one message; return None if allowed, else seconds until it would be."""
        limit = livechat_settings.RATE_LIMIT_MESSAGES
        if limit <= 0:
            return None
        period = livechat_settings.RATE_LIMIT_PERIOD
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= SWEEP_AT:
                self._sweep(now - period)
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - period:
            hits.popleft()
        if len(hits) >= limit:
            return hits[0] + period - now
        hits.append(now)
        return None

    def undo(self, key: str) -> None:
        """Give back ``key``'s newest hit: what it counted was not done (nothing stored)."""
        hits = self._hits.get(key)
        if hits:
            hits.pop()

    def reset(self) -> None:
        self._hits.clear()

    def _sweep(self, horizon: float) -> None:
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= horizon]:
            del self._hits[key]


visitor_limiter = SlidingWindowLimiter()
