"""Numbers from raw phase runs: throughput, latency percentiles, CPU, memory; the table."""

from __future__ import annotations

import math
from typing import Any

from bench.load import PhaseRun

TARGET_RATIO = 0.5


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize(
    run: PhaseRun, memory: dict[str, Any], thread_names: dict[str, str]
) -> dict[str, Any]:
    latencies = sorted(run.latencies)
    summary: dict[str, Any] = {
        "sockets": run.sockets,
        "warmup_s": run.warmup,
        "seconds": run.seconds,
        "messages": len(latencies),
        "msg_per_s": len(latencies) / run.seconds if run.seconds else 0.0,
        "latency_ms": {
            name: round(percentile(latencies, q) * 1000, 2)
            for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
        },
        "memory_kib": memory,
        "errors": run.errors[:20],
        "per_second": _per_second(run),
    }
    if run.window_start and run.window_end:
        wall = run.window_end.at - run.window_start.at
        summary["server_cpu_percent"] = round(
            100 * (run.window_end.server_cpu - run.window_start.server_cpu) / wall, 1
        )
        summary["client_cpu_percent"] = round(
            100 * (run.window_end.client_cpu - run.window_start.client_cpu) / wall, 1
        )
        summary["server_cpu_percent_by_thread"] = _cpu_by_thread(run, thread_names, wall)
    return summary


def thread_kind(name: str) -> str:
    """A thread's role in the server, from its name."""
    if name == "MainThread":
        return "event loop"
    if name.startswith("livechat-db"):
        return "livechat read pool"
    if name.startswith("livechat-writer"):
        return "livechat writer"
    if name.startswith("ThreadPoolExecutor"):
        # asgiref's sync_to_async executor: Channels' per-event aclose_old_connections().
        return "sync_to_async"
    return name or "ended threads"


def _cpu_by_thread(run: PhaseRun, thread_names: dict[str, str], wall: float) -> dict[str, float]:
    assert run.window_start is not None and run.window_end is not None
    before, after = run.window_start.server_threads, run.window_end.server_threads
    by_kind: dict[str, float] = {}
    for tid, seconds in after.items():
        kind = thread_kind(thread_names.get(str(tid), ""))
        by_kind[kind] = by_kind.get(kind, 0.0) + seconds - before.get(tid, 0.0)
    return {kind: round(100 * cpu / wall, 1) for kind, cpu in sorted(by_kind.items()) if cpu > 0}


def _per_second(run: PhaseRun) -> list[int]:
    """Messages completed in each second of the window (to see warm-up or stalls)."""
    if run.window_start is None or not run.completions:
        return []
    start = run.window_start.at
    buckets = [0] * max(1, math.ceil(run.seconds))
    for done_at in run.completions:
        index = min(len(buckets) - 1, max(0, int(done_at - start)))
        buckets[index] += 1
    return buckets


def table(results: dict[str, Any]) -> str:
    rows = [
        ("", "msg/s", "p50 ms", "p95 ms", "p99 ms", "peak RSS MiB", "server CPU", "client CPU"),
    ]
    for name in ("baseline", "pipeline"):
        phase = results["phases"].get(name)
        if phase is None:
            continue
        lat = phase["latency_ms"]
        rows.append(
            (
                name,
                f"{phase['msg_per_s']:.0f}",
                f"{lat['p50']:.1f}",
                f"{lat['p95']:.1f}",
                f"{lat['p99']:.1f}",
                f"{phase['memory_kib'].get('VmHWM', 0) / 1024:.1f}",
                f"{phase.get('server_cpu_percent', 0):.0f}%",
                f"{phase.get('client_cpu_percent', 0):.0f}%",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join(lines)
