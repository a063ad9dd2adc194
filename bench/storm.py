"""The reconnect storm: the server is killed under N identified widget sockets and
restarted, and all of them rejoin at once.

1. One server; N visitors join (a conversation each) and send one or two messages
   (alternately), each waiting for its echo and reply.
2. ``--storm-inflight`` of them send one more message without waiting, and the server is
   killed (SIGKILL, by its PID) a moment later, with those messages in flight; then it is
   started again on the same port.
3. All N rejoin at once as the widget does: identify with ``conversation_id``,
   ``visitor_token`` and ``last_seq``, take the ``history`` that follows, and send again
   (same ``client_id``) what was never echoed. A failed attempt is an error, and is
   retried with the widget's backoff (1 s doubling, jittered).
4. The messages in flight must all end up stored once, echoed and answered; every tenth
   socket sends one more message (the conversations are live again); then the database
   check: every conversation's messages against what its socket holds.

Reported: the time from the reconnects' start until the last socket has its ``history``
(and from the kill), the rejoins per second and each socket's rejoin time (p50/p95/p99),
errors (must be 0), lost and doubled messages (0), repairs, and the server's peak RSS
before the kill and in the storm.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench import database, ledger, report
from bench.load import Snapshot, snapshot
from bench.phases import Context, PhaseResult, PhaseSpec
from bench.server import (
    OPEN_FILES_MARGIN,
    Server,
    cpu_of,
    ensure_open_files,
    machine_cpu_seconds,
)
from bench.services import redis_clients
from bench.throughput import WIDGET, use_uvloop
from bench.widget import Exchange, Visitor

CONCURRENCY = 200  # joins and messages in flight while setting up (not in the storm)
ACK_TIMEOUT = 30.0  # a message of thousands at once may take a while: no early resends
ATTEMPTS = 8  # the widget's RECONNECT_MAX_RETRIES
BACKOFF_BASE = 1.0
STEP_TIMEOUT = 300.0
KILL_DELAY = 0.05  # seconds between sending the in-flight messages and the kill
CHECK_EVERY = 10  # after the storm, every 10th socket sends a message: the path is live


def run(ctx: Context, spec: PhaseSpec) -> PhaseResult:
    result = PhaseResult(spec.key, spec.kind, spec.backend)
    sockets = ctx.args.storm_sockets
    server: Server | None = None
    try:
        limit = ensure_open_files(sockets + OPEN_FILES_MARGIN)
        backend = ctx.backend(spec)
        server = ctx.server(backend, spec.key)
        ids = ctx.prepare(backend, f"Benchmark {spec.key}")
        server.start()
        server.require_open_files(sockets + OPEN_FILES_MARGIN)
        result.extra["open_files_limit"] = limit
        use_uvloop()
        storm = Storm(ctx, server, ids["website_id"], result)
        storm.redis_url = backend.env.get("LIVECHAT_BENCH_REDIS_URL")
        asyncio.run(storm.run())
        stored = ctx.stored(backend, ids["website_id"])
        visitor_ledger = ledger.visitors_vs_database(storm.visitors, stored)
        visitor_ledger.who = f"{spec.key} (visitors)"
        result.ledgers.append(visitor_ledger)
    except Exception as exc:
        result.errors.append(f"{type(exc).__name__}: {exc}")
        if server is not None:
            result.errors.append(f"server log (tail):\n{server.log(2000)}")
    finally:
        if server is not None:
            server.stop()
    return result


class Storm:
    """The phase's steps, each bounded by :data:`STEP_TIMEOUT`."""

    def __init__(self, ctx: Context, server: Server, website_id: str, result: PhaseResult):
        self.server = server
        self.result = result
        self.inflight_count = min(ctx.args.storm_inflight, ctx.args.storm_sockets)
        url = f"ws://127.0.0.1:{server.port}/{WIDGET}"
        self.visitors = [
            Visitor(i, url, origin=database.ORIGIN, website_id=website_id, ack_timeout=ACK_TIMEOUT)
            for i in range(ctx.args.storm_sockets)
        ]
        self.row: dict[str, Any] = {"sockets": len(self.visitors)}
        self.inflight: list[asyncio.Task[Exchange]] = []
        self.redis_url: str | None = None

    def say(self, text: str) -> None:
        print(f"running {self.result.key}: {text}", flush=True)

    async def run(self) -> None:
        try:
            await self.set_up()
            killed_at = await self.crash()
            await self.rejoin_all(killed_at)
            await self.check_live()
        except asyncio.TimeoutError:
            self.result.errors.append(f"a step did not finish within {STEP_TIMEOUT:g} s")
        finally:
            for task in self.inflight:
                task.cancel()
            await asyncio.gather(*self.inflight, return_exceptions=True)
            await asyncio.gather(*(v.close() for v in self.visitors), return_exceptions=True)
        for visitor in self.visitors:
            self.result.errors.extend(visitor.counts.errors)
        self.row["errors"] = len(self.result.errors)
        self.result.rows[self.result.key] = self.row

    async def set_up(self) -> None:
        self.say(f"{len(self.visitors)} sockets join and send 1-2 messages each")
        began = time.perf_counter()
        await _bounded([_retrying(v, v.join, began, self.result) for v in self.visitors])
        self.row["join_s"] = round(time.perf_counter() - began, 1)
        began = time.perf_counter()
        await _bounded([_messages(v, 1 + v.index % 2) for v in self.visitors])
        sent = sum(v.sent for v in self.visitors)
        self.row["send_s"] = round(time.perf_counter() - began, 1)
        self.row["send_msg_per_s"] = round(sent / max(self.row["send_s"], 1e-3), 1)
        self.say(
            f"joined in {self.row['join_s']:g} s; {sent} messages in {self.row['send_s']:g} s "
            f"({self.row['send_msg_per_s']:g} msg/s, {CONCURRENCY} at a time)"
        )
        self.row["peak_rss_before_kill_kib"] = self.server.memory_kib().get("VmHWM", 0)

    async def crash(self) -> float:
        """Messages in flight, then SIGKILL; returns when every socket saw it go."""
        loop = asyncio.get_running_loop()
        senders = self.visitors[:: max(1, len(self.visitors) // max(1, self.inflight_count))]
        self.inflight = [loop.create_task(v.exchange()) for v in senders[: self.inflight_count]]
        await asyncio.sleep(KILL_DELAY)
        self.say(f"{len(self.inflight)} messages in flight, kill -9 {self.server.pid}")
        killed_at = time.perf_counter()
        self.server.kill()
        closed = (v.closed.wait() for v in self.visitors)
        await asyncio.wait_for(asyncio.gather(*closed), STEP_TIMEOUT)
        self.row["inflight"] = len(self.inflight)
        self.row["inflight_done_before_kill"] = sum(1 for t in self.inflight if t.done())
        return killed_at

    async def rejoin_all(self, killed_at: float) -> None:
        self.server.start()
        restarted_at = time.perf_counter()
        self.row["restart_s"] = round(restarted_at - killed_at, 2)
        self.row["server_pid_after"] = self.server.pid
        self.say(f"restarted as pid {self.server.pid}; {len(self.visitors)} sockets rejoin")
        start = self.snapshot()
        sampler = asyncio.get_running_loop().create_task(self.sample_redis())
        rejoins = (_retrying(v, v.rejoin, restarted_at, self.result) for v in self.visitors)
        try:
            times = await asyncio.wait_for(asyncio.gather(*rejoins), STEP_TIMEOUT)
        finally:
            sampler.cancel()
        end = self.snapshot()
        self.row.update(_storm_numbers(times, start, end, killed_at, restarted_at))
        self.row["peak_rss_kib"] = self.server.memory_kib().get("VmHWM", 0)

    async def check_live(self) -> None:
        """The messages in flight complete; a sample of sockets sends one more."""
        await asyncio.wait_for(asyncio.gather(*self.inflight), STEP_TIMEOUT)
        sample = self.visitors[::CHECK_EVERY]
        self.say(
            f"all {self.row['rejoined']} rejoined in {self.row['rejoin_s']:g} s; the "
            f"{len(self.inflight)} messages in flight completed; {len(sample)} sockets send "
            "one more"
        )
        await _bounded([_messages(v, 1) for v in sample])

    async def sample_redis(self) -> None:
        """The most Redis clients seen during the rejoin (the servers' pool connections)."""
        if not self.redis_url:
            return
        while True:
            clients = await redis_clients(self.redis_url)
            if clients is not None:
                peak = self.row.get("redis_clients_peak", 0)
                self.row["redis_clients_peak"] = max(peak, clients)
            await asyncio.sleep(0.2)

    def snapshot(self) -> Snapshot:
        return snapshot(lambda: cpu_of([self.server]), machine_cpu_seconds)


async def _bounded(steps: list[Any]) -> None:
    """Run coroutines at most :data:`CONCURRENCY` at a time."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(step: Any) -> None:
        async with gate:
            await step

    await asyncio.wait_for(asyncio.gather(*(one(s) for s in steps)), STEP_TIMEOUT)


async def _messages(visitor: Visitor, count: int) -> None:
    for _ in range(count):
        await visitor.exchange()


async def _retrying(
    visitor: Visitor, join: Callable[[], Awaitable[None]], started: float, result: PhaseResult
) -> float | None:
    """Join or rejoin, retried with the widget's backoff (each failed attempt is an error);
    seconds from ``started`` until it succeeded."""
    for attempt in range(ATTEMPTS + 1):
        try:
            await join()
            return time.perf_counter() - started
        except Exception as exc:
            result.errors.append(
                f"socket {visitor.index}: {join.__name__} attempt {attempt + 1}: "
                f"{type(exc).__name__}: {exc}"
            )
            await visitor.close()
            ceiling = min(30.0, BACKOFF_BASE * 2**attempt)
            await asyncio.sleep(ceiling / 2 + random.random() * ceiling / 2)
    return None


def _storm_numbers(
    times: list[float | None],
    start: Snapshot,
    end: Snapshot,
    killed_at: float,
    restarted_at: float,
) -> dict[str, Any]:
    done = sorted(t for t in times if t is not None)
    last = done[-1] if done else 0.0
    wall = max(end.at - start.at, 1e-9)
    return {
        "rejoined": len(done),
        "not_rejoined": len(times) - len(done),
        "rejoin_s": round(last, 2),
        "outage_s": round(restarted_at - killed_at + last, 2),
        "rejoins_per_s": round(len(done) / last, 1) if last else 0.0,
        "rejoin_ms": {
            name: round(report.percentile(done, q) * 1000, 1)
            for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
        },
        "server_cpu_percent": round(100 * (end.server_cpu - start.server_cpu) / wall, 1),
        "client_cpu_percent": round(100 * (end.client_cpu - start.client_cpu) / wall, 1),
    }
