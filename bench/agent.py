"""An agent's dashboard socket, as the dashboard uses it (protocol v2), and its baseline.

:class:`Dashboard` connects to ``ws/livechat/dashboard/`` with a logged-in session's
cookie, or (``agent=False``) to the baseline's watcher socket ``ws/bench/watch/``. It
holds every conversation's messages by ``seq``, records when each ``client_id`` first
arrived (the visitors' loops wait on that), and repairs a hole as the dashboard does: a
``chat_message`` above it, still missing after :data:`~bench.widget.GRACE`, asks
``{"type": "history", "conversation_id": C, "last_seq": N, "reason": "gap"}``, one request
per conversation at a time. :meth:`Dashboard.catch_up` asks for a conversation's tail
that no later message revealed (the real dashboard's heartbeat deltas would).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from bench.widget import ANSWER_TIMEOUT, GRACE, TYPING_PREFIX, Counts, Held, open_socket


class Dashboard:
    def __init__(
        self, url: str, *, agent: bool, cookie: str | None = None, origin: str | None = None
    ) -> None:
        self.url = url
        self.agent = agent
        self.cookie = cookie
        self.origin = origin
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.held: dict[str, dict[int, Held]] = {}
        self.contiguous: dict[str, int] = {}
        self.top: dict[str, int] = {}
        self.arrivals: dict[tuple[str, str], float] = {}
        self.waiters: dict[tuple[str, str], asyncio.Future[float]] = {}
        self.counts = Counts()
        self.ready: asyncio.Future[None] | None = None
        self.gap_tasks: dict[str, asyncio.Task[None]] = {}
        self.gap_wanted: dict[str, int] = {}
        self.answers: dict[str, asyncio.Future[None]] = {}
        self.closed = asyncio.Event()
        self.progress = asyncio.Event()  # set on every new message held

    @property
    def repairable(self) -> bool:
        return self.agent

    async def join(self) -> None:
        """Connect and wait for ``ready`` (and, for an agent, the inbox after it)."""
        loop = asyncio.get_running_loop()
        self.ready = loop.create_future()
        self.ws = await open_socket(self.url, origin=self.origin, cookie=self.cookie)
        self.reader = loop.create_task(self._read(self.ws))
        closed: asyncio.Future[Any] = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({self.ready, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
        if not self.ready.done():
            raise ConnectionError(f"the dashboard socket closed before ready: {self.counts.errors}")

    async def close(self) -> None:
        for task in self.gap_tasks.values():
            task.cancel()
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)

    def seen(self, conversation_id: str, client_id: str) -> asyncio.Future[float]:
        """When the message ``client_id`` of a conversation first reached this socket."""
        key = (conversation_id, client_id)
        future = self.waiters.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            if key in self.arrivals:
                future.set_result(self.arrivals[key])
            else:
                self.waiters[key] = future
        return future

    def missing(self, expected: dict[str, int]) -> dict[str, int]:
        """Conversations whose messages up to ``expected[c]`` are not all held yet."""
        return {c: n for c, n in expected.items() if self.contiguous.get(c, 0) < n}

    async def catch_up(self, conversation_id: str) -> None:
        """Ask for a conversation's messages after the last held contiguously."""
        if self.repairable:
            await self._request_history(conversation_id)

    # ------------------------------------------------------------ receiving

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                if isinstance(raw, str) and raw.startswith(TYPING_PREFIX):
                    continue
                try:
                    self._frame(json.loads(raw))
                except Exception as exc:
                    self.counts.errors.append(f"dashboard: {type(exc).__name__}: {exc}")
        except ConnectionClosed as exc:
            if self.ready is not None and not self.ready.done():
                self.counts.errors.append(f"dashboard: closed {exc}")
        finally:
            self.closed.set()

    def _frame(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "chat_message":
            self._message(event, live=True)
        elif kind == "history":
            conversation_id = str(event["conversation_id"])
            for message in event.get("messages", []):
                self._message(message, live=False)
            if event.get("has_more") and event.get("messages"):
                asyncio.get_running_loop().create_task(self._ask(conversation_id))
            else:
                answer = self.answers.pop(conversation_id, None)
                if answer is not None and not answer.done():
                    answer.set_result(None)
        elif kind == "conversations" or (kind == "ready" and not self.agent):
            # The agent's inbox follows ready: only then is the socket fully joined.
            if self.ready is not None and not self.ready.done():
                self.ready.set_result(None)
        elif kind == "error":
            self.counts.errors.append(f"dashboard: error frame {event}")

    def _message(self, event: dict[str, Any], *, live: bool) -> None:
        conversation_id, seq = str(event["conversation_id"]), event["seq"]
        held = self.held.setdefault(conversation_id, {})
        known = held.get(seq)
        if known is not None:
            if known.message_id != event["message_id"]:
                self.counts.doubled += 1
                self.counts.errors.append(
                    f"dashboard: {conversation_id} seq {seq} is {known.message_id} "
                    f"and {event['message_id']}"
                )
            elif live and known.live:
                self.counts.doubled += 1  # the same live frame twice
            else:
                self.counts.redelivered += 1
            return
        client_id = event.get("client_id") or ""
        held[seq] = Held(event["message_id"], event["role"], client_id, live)
        if not live:
            self.counts.repaired += 1
        self.progress.set()
        now = time.perf_counter()
        key = (conversation_id, client_id)
        self.arrivals.setdefault(key, now)
        waiter = self.waiters.pop(key, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(now)
        contiguous = self.contiguous.get(conversation_id, 0)
        while contiguous + 1 in held:
            contiguous += 1
        self.contiguous[conversation_id] = contiguous
        top = max(self.top.get(conversation_id, 0), seq)
        self.top[conversation_id] = top
        if contiguous < top and self.repairable:
            self._note_gap(conversation_id, top)

    # ------------------------------------------------------------ gap repair

    def _note_gap(self, conversation_id: str, up_to: int) -> None:
        self.gap_wanted[conversation_id] = max(self.gap_wanted.get(conversation_id, 0), up_to)
        task = self.gap_tasks.get(conversation_id)
        if task is None or task.done():
            self.gap_tasks[conversation_id] = asyncio.get_running_loop().create_task(
                self._repair_gap(conversation_id)
            )

    async def _repair_gap(self, conversation_id: str) -> None:
        while self.contiguous.get(conversation_id, 0) < self.gap_wanted[conversation_id]:
            await asyncio.sleep(GRACE)
            if self.contiguous.get(conversation_id, 0) >= self.gap_wanted[conversation_id]:
                return
            if self.closed.is_set():
                return
            await self._request_history(conversation_id)

    async def _request_history(self, conversation_id: str) -> None:
        self.counts.repairs += 1
        answer = asyncio.get_running_loop().create_future()
        self.answers[conversation_id] = answer
        await self._ask(conversation_id)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(answer), ANSWER_TIMEOUT)

    async def _ask(self, conversation_id: str) -> None:
        if self.ws is None:
            return
        frame = {
            "type": "history",
            "conversation_id": conversation_id,
            "last_seq": self.contiguous.get(conversation_id, 0),
            "reason": "gap",
        }
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(json.dumps(frame))
