"""Idle sockets: the server's memory with N identified visitor sockets doing nothing,
against N idle sockets of the echo baseline, each on a fresh server process.

Sockets join :data:`CONCURRENCY` at a time (the pipeline's start a conversation each),
then all stay open for ``--idle-hold`` seconds. Reported per side: the time to join, the
server's RSS before the sockets and at the end of the hold, its growth per socket, its
peak RSS, and its CPU during the hold (uvicorn pings every socket every 20 s); then the
RSS ratio pipeline / baseline. The pipeline side's conversations are checked against
the database (one per socket, no messages).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import database, ledger
from bench.load import snapshot
from bench.phases import Context, PhaseResult, PhaseSpec
from bench.server import (
    OPEN_FILES_MARGIN,
    Server,
    cpu_of,
    ensure_open_files,
    machine_cpu_seconds,
)
from bench.throughput import ECHO, WIDGET, use_uvloop
from bench.widget import Visitor

CONCURRENCY = 500
JOIN_TIMEOUT = 600.0


def run(ctx: Context, spec: PhaseSpec) -> PhaseResult:
    result = PhaseResult(spec.key, spec.kind, spec.backend)
    sockets = ctx.args.idle_sockets
    suffix = "" if spec.key == spec.kind else f"@{spec.backend}"
    try:
        result.extra["open_files_limit"] = ensure_open_files(sockets + OPEN_FILES_MARGIN)
        backend = ctx.backend(spec)
        ids = ctx.prepare(backend, f"Benchmark {spec.key}")
        use_uvloop()
        for name, website_id in ((f"idle-baseline{suffix}", None), (spec.key, ids["website_id"])):
            server = ctx.server(backend, name)
            try:
                server.start()
                server.require_open_files(sockets + OPEN_FILES_MARGIN)
                row, visitors = asyncio.run(_hold(ctx, server, name, website_id, result))
            finally:
                server.stop()
            result.rows[name] = row
            if website_id is not None:
                stored = ctx.stored(backend, website_id)
                visitor_ledger = ledger.visitors_vs_database(visitors, stored)
                visitor_ledger.who = f"{name} (visitors)"
                result.ledgers.append(visitor_ledger)
    except Exception as exc:
        result.errors.append(f"{type(exc).__name__}: {exc}")
    baseline, measured = (result.rows.get(n) for n in (f"idle-baseline{suffix}", spec.key))
    if baseline and measured and baseline["rss_kib"]:
        result.ratio = {
            "label": f"RSS {spec.key} / idle-baseline{suffix}",
            "value": round(measured["rss_kib"] / baseline["rss_kib"], 3),
            "per_socket": round(measured["kib_per_socket"] / baseline["kib_per_socket"], 3)
            if baseline["kib_per_socket"]
            else None,
        }
    return result


async def _hold(
    ctx: Context, server: Server, name: str, website_id: str | None, result: PhaseResult
) -> tuple[dict[str, Any], list[Visitor]]:
    sockets, hold = ctx.args.idle_sockets, ctx.args.idle_hold
    path = WIDGET if website_id else ECHO
    url = f"ws://127.0.0.1:{server.port}/{path}"
    visitors = [
        Visitor(i, url, origin=database.ORIGIN, website_id=website_id) for i in range(sockets)
    ]
    before = server.memory_kib()
    row: dict[str, Any] = {"sockets": sockets, "rss_before_kib": before.get("VmRSS", 0)}
    print(f"running {result.key}: {name}, {sockets} sockets join, then hold {hold:g} s", flush=True)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def join(visitor: Visitor) -> None:
        async with gate:
            await visitor.join()

    try:
        began = time.perf_counter()
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(join(v) for v in visitors), return_exceptions=True), JOIN_TIMEOUT
        )
        row["join_s"] = round(time.perf_counter() - began, 1)
        failed = [o for o in outcomes if isinstance(o, BaseException)]
        row["joined"] = sockets - len(failed)
        result.errors.extend(f"{name}: join failed: {o!r}" for o in failed[:10])
        start = snapshot(lambda: cpu_of([server]), machine_cpu_seconds)
        await asyncio.sleep(hold)
        end = snapshot(lambda: cpu_of([server]), machine_cpu_seconds)
        memory = server.memory_kib()
        row["rss_kib"] = memory.get("VmRSS", 0)
        row["peak_rss_kib"] = memory.get("VmHWM", 0)
        row["kib_per_socket"] = round((row["rss_kib"] - row["rss_before_kib"]) / sockets, 2)
        row["server_cpu_percent"] = round(
            100 * (end.server_cpu - start.server_cpu) / max(end.at - start.at, 1e-9), 1
        )
        row["closed_during_hold"] = sum(1 for v in visitors if v.closed.is_set())
        if row["closed_during_hold"]:
            result.errors.append(f"{name}: {row['closed_during_hold']} sockets closed while idle")
    except asyncio.TimeoutError:
        result.errors.append(f"{name}: the sockets did not join within {JOIN_TIMEOUT:g} s")
    finally:
        await asyncio.gather(*(v.close() for v in visitors), return_exceptions=True)
    for visitor in visitors:
        result.errors.extend(visitor.counts.errors)
    return row, visitors
