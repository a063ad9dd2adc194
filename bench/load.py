"""The load generator: N WebSocket clients in one asyncio process, each in a closed loop.

Each client owns one socket (and, on the pipeline, one conversation). It sends a
``chat_message`` and waits until both its own echo (``role`` ``user``, same ``client_id``)
and the answer (``role`` ``assistant``, ``client_id`` ``auto:<message_id>``) have arrived;
that is one message. Then it sends the next at once. Messages that *complete* inside the
measured window count; the window starts after the warm-up. At the end each client
finishes the message it has in flight (so the database and the clients agree), then closes.
Every loop is bounded: no message is sent after the window, and the whole phase is cut off
``DRAIN_TIMEOUT`` seconds after it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

DRAIN_TIMEOUT = 30.0
CONNECT_TIMEOUT = 30.0
# Typing events carry nothing the benchmark checks; skipping their JSON parse keeps the
# client's share of the two cores smaller.
TYPING_PREFIX = '{"type": "typing"'


class ProtocolError(Exception):
    """The server answered something a correct server never sends."""


@dataclass
class Client:
    index: int
    url: str
    origin: str
    compression: bool
    ws: ClientConnection | None = None
    conversation_id: str = ""
    sent: int = 0
    user_seen: int = 0
    assistant_seen: int = 0
    seqs: list[int] = field(default_factory=list)
    error: str | None = None

    async def open(self, identify: dict[str, Any] | None) -> None:
        self.ws = await connect(
            self.url,
            origin=self.origin,  # type: ignore[arg-type]
            compression="deflate" if self.compression else None,
            proxy=None,
            open_timeout=CONNECT_TIMEOUT,
            ping_interval=None,
            close_timeout=5,
        )
        if identify is not None:
            await self.ws.send(json.dumps(identify))
        event = json.loads(await self.ws.recv())
        if event.get("type") != "identified":
            raise ProtocolError(f"socket {self.index}: expected identified, got {event}")
        self.conversation_id = event["conversation_id"]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(
        self, window: tuple[float, float], record: Callable[[float, float], None]
    ) -> None:
        """Send messages until the window ends; ``record(done_at, latency)`` each."""
        start, end = window
        try:
            while (sent_at := time.perf_counter()) < end:
                await self.exchange()
                done_at = time.perf_counter()
                if start <= done_at <= end:
                    record(done_at, done_at - sent_at)
        except Exception as exc:  # a protocol error, a closed connection
            self.error = f"socket {self.index}: {type(exc).__name__}: {exc}"

    async def exchange(self) -> None:
        assert self.ws is not None
        self.sent += 1
        client_id = f"b{self.index}-{self.sent}"
        await self.ws.send(
            json.dumps(
                {
                    "type": "chat_message",
                    "message": f"Benchmark message {self.sent} from socket {self.index}",
                    "client_id": client_id,
                }
            )
        )
        message_id: str | None = None
        reply: dict[str, Any] | None = None
        while message_id is None or reply is None:
            raw = await self.ws.recv()
            if isinstance(raw, str) and raw.startswith(TYPING_PREFIX):
                continue
            event = json.loads(raw)
            kind = event.get("type")
            if kind == "error":
                raise ProtocolError(f"error frame {raw}")
            if kind != "chat_message":
                continue
            self.seqs.append(event["seq"])
            if event["role"] == "user" and event["client_id"] == client_id:
                message_id = event["message_id"]
                self.user_seen += 1
            elif event["role"] == "assistant":
                reply = event
                self.assistant_seen += 1
            else:
                raise ProtocolError(f"unexpected message {raw}")
        if reply["client_id"] != f"auto:{message_id}":
            raise ProtocolError(f"reply {reply['client_id']} is not for auto:{message_id}")


@dataclass
class Snapshot:
    at: float
    server_threads: dict[int, float]
    client_cpu: float
    machine_cpu: float

    @property
    def server_cpu(self) -> float:
        return sum(self.server_threads.values())


@dataclass
class PhaseRun:
    """What one phase measured, raw; :mod:`bench.report` turns it into numbers."""

    name: str
    sockets: int
    warmup: float
    seconds: float
    latencies: list[float] = field(default_factory=list)
    completions: list[float] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    window_start: Snapshot | None = None
    window_end: Snapshot | None = None
    errors: list[str] = field(default_factory=list)


async def run_phase(
    name: str,
    *,
    url: str,
    origin: str,
    sockets: int,
    warmup: float,
    seconds: float,
    identify: dict[str, Any] | None,
    server_cpu: Callable[[], dict[int, float]],
    machine_cpu: Callable[[], float],
    compression: bool = False,
    before_load: Callable[[], None] | None = None,
    after_load: Callable[[], None] | None = None,
) -> PhaseRun:
    """Connect ``sockets`` clients, load for ``warmup + seconds``, drain, close."""
    result = PhaseRun(name, sockets, warmup, seconds)
    result.clients = [Client(i, url, origin, compression) for i in range(sockets)]
    try:
        await asyncio.wait_for(
            asyncio.gather(*(c.open(identify) for c in result.clients)), CONNECT_TIMEOUT
        )
        if before_load is not None:
            before_load()
        now = time.perf_counter()
        window = (now + warmup, now + warmup + seconds)

        def record(done_at: float, latency: float) -> None:
            result.completions.append(done_at)
            result.latencies.append(latency)

        async def clock() -> None:
            await asyncio.sleep(max(0.0, window[0] - time.perf_counter()))
            result.window_start = _snapshot(server_cpu, machine_cpu)
            await asyncio.sleep(max(0.0, window[1] - time.perf_counter()))
            result.window_end = _snapshot(server_cpu, machine_cpu)

        await asyncio.wait_for(
            asyncio.gather(clock(), *(c.run(window, record) for c in result.clients)),
            warmup + seconds + DRAIN_TIMEOUT,
        )
        if after_load is not None:
            after_load()
    except asyncio.TimeoutError:
        result.errors.append(f"{name}: the phase did not finish within its time bound")
    finally:
        await asyncio.gather(*(c.close() for c in result.clients), return_exceptions=True)
    result.errors.extend(c.error for c in result.clients if c.error)
    return result


def _snapshot(
    server_cpu: Callable[[], dict[int, float]], machine_cpu: Callable[[], float]
) -> Snapshot:
    return Snapshot(time.perf_counter(), server_cpu(), time.process_time(), machine_cpu())
