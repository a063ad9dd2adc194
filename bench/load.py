"""The closed loop: N visitor sockets in one asyncio process, each sending as it is answered.

Each visitor (:class:`bench.widget.Visitor`) owns one socket and, on the pipeline, one
conversation. It sends a ``chat_message`` and waits until both its own echo and the
automatic reply are held; with a dashboard in the phase, also until the dashboard holds
both. That is one message. Then it sends the next at once. Messages that *complete*
inside the measured window count; the window starts after the warm-up. Latency is from
send to completion, or, with a dashboard, from send to the visitor's message reaching the
dashboard. When the window closes every visitor finishes the message it has in flight
and the dashboard catches up (so the clients and the database can be compared), then all
close. Every loop is bounded: no message is sent after the window, and the whole phase is
cut off :data:`DRAIN_TIMEOUT` seconds after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.agent import Dashboard
from bench.widget import ACK_TIMEOUT, GRACE, Visitor

DRAIN_TIMEOUT = 30.0
JOIN_TIMEOUT = 60.0
SETTLE_TIMEOUT = 20.0

#: CPU seconds of every server thread, keyed "pid:tid".
CpuReader = Callable[[], dict[str, float]]


@dataclass
class Snapshot:
    at: float
    server_threads: dict[str, float]
    client_cpu: float
    machine_cpu: float
    service_cpu: float = 0.0  # Redis and PostgreSQL, when the run started them

    @property
    def server_cpu(self) -> float:
        return sum(self.server_threads.values())


def snapshot(
    server_cpu: CpuReader,
    machine_cpu: Callable[[], float],
    service_cpu: Callable[[], float] = lambda: 0.0,
) -> Snapshot:
    return Snapshot(
        time.perf_counter(), server_cpu(), time.process_time(), machine_cpu(), service_cpu()
    )


@dataclass
class PhaseRun:
    """What one closed-loop run measured, raw; :mod:`bench.report` turns it into numbers."""

    name: str
    sockets: int
    warmup: float
    seconds: float
    latencies: list[float] = field(default_factory=list)
    completions: list[float] = field(default_factory=list)
    visitors: list[Visitor] = field(default_factory=list)
    dashboard: Dashboard | None = None
    window_start: Snapshot | None = None
    window_end: Snapshot | None = None
    errors: list[str] = field(default_factory=list)


async def closed_loop(
    run: PhaseRun,
    *,
    server_cpu: CpuReader,
    machine_cpu: Callable[[], float],
    service_cpu: Callable[[], float] = lambda: 0.0,
    before_load: Callable[[], None] | None = None,
    after_load: Callable[[], None] | None = None,
) -> PhaseRun:
    """Join the dashboard (if any) and the visitors, load for warm-up + window, drain, close."""
    dashboard = run.dashboard
    try:
        if dashboard is not None:
            await asyncio.wait_for(dashboard.join(), JOIN_TIMEOUT)
        await asyncio.wait_for(asyncio.gather(*(v.join() for v in run.visitors)), JOIN_TIMEOUT)
        if before_load is not None:
            before_load()
        now = time.perf_counter()
        window = (now + run.warmup, now + run.warmup + run.seconds)

        async def clock() -> None:
            await asyncio.sleep(max(0.0, window[0] - time.perf_counter()))
            run.window_start = snapshot(server_cpu, machine_cpu, service_cpu)
            await asyncio.sleep(max(0.0, window[1] - time.perf_counter()))
            run.window_end = snapshot(server_cpu, machine_cpu, service_cpu)

        loops = (_loop(run, visitor, window) for visitor in run.visitors)
        await asyncio.wait_for(
            asyncio.gather(clock(), *loops), run.warmup + run.seconds + DRAIN_TIMEOUT
        )
        if dashboard is not None:
            await settle(dashboard, run.visitors)
        if after_load is not None:
            after_load()
    except asyncio.TimeoutError:
        run.errors.append(f"{run.name}: the phase did not finish within its time bound")
    except Exception as exc:
        run.errors.append(f"{run.name}: {type(exc).__name__}: {exc}")
    finally:
        closing = [v.close() for v in run.visitors]
        if dashboard is not None:
            closing.append(dashboard.close())
        await asyncio.gather(*closing, return_exceptions=True)
    for visitor in run.visitors:
        run.errors.extend(visitor.counts.errors)
    if dashboard is not None:
        run.errors.extend(dashboard.counts.errors)
    return run


async def _loop(run: PhaseRun, visitor: Visitor, window: tuple[float, float]) -> None:
    """One visitor: send until the window ends; record each message completed inside it."""
    start, end = window
    dashboard = run.dashboard
    try:
        while (sent_at := time.perf_counter()) < end:
            exchange = await visitor.exchange()
            done_at = exchange.done.result()
            latency_end = done_at
            if dashboard is not None:
                assert exchange.message_id is not None
                conversation = visitor.conversation_id
                seen_at = await _seen(dashboard, conversation, exchange.client_id)
                replied_at = await _seen(dashboard, conversation, f"auto:{exchange.message_id}")
                done_at = max(done_at, seen_at, replied_at)
                latency_end = seen_at
            if start <= done_at <= end:
                run.completions.append(done_at)
                run.latencies.append(latency_end - sent_at)
    except Exception as exc:  # a refused message, a closed connection
        visitor.counts.errors.append(f"socket {visitor.index}: {type(exc).__name__}: {exc}")


async def _seen(dashboard: Dashboard, conversation_id: str, client_id: str) -> float:
    """When the dashboard got a message; if it never comes live, it asks (as its heartbeat
    would reveal the conversation moved on)."""
    arrival = dashboard.seen(conversation_id, client_id)
    while True:
        try:
            return await asyncio.wait_for(asyncio.shield(arrival), ACK_TIMEOUT)
        except asyncio.TimeoutError:
            await dashboard.catch_up(conversation_id)


async def settle(dashboard: Dashboard, visitors: list[Visitor]) -> None:
    """Let the dashboard reach every message the visitors hold: live, or else by asking
    for each conversation's tail (bounded)."""
    expected = {v.conversation_id: v.top for v in visitors if v.conversation_id}
    deadline = time.perf_counter() + GRACE + 1.0
    while dashboard.missing(expected) and (left := deadline - time.perf_counter()) > 0:
        dashboard.progress.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(dashboard.progress.wait(), left)
    missing = dashboard.missing(expected)
    if missing and dashboard.repairable:
        await asyncio.wait_for(
            asyncio.gather(*(dashboard.catch_up(c) for c in missing)), SETTLE_TIMEOUT
        )
