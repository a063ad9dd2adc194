"""Numbers from raw phase runs: throughput, latency percentiles, CPU, memory; the table."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

from bench.load import PhaseRun

TARGET_RATIO = 0.5
# Above this share of one core used by processes other than the server and the load
# generator during a measured window, the report says the machine was shared.
NOISE_PERCENT = 15.0


@dataclass
class Round:
    """One phase's run in one round, with what the server told about it."""

    run: PhaseRun
    memory: dict[str, Any] = field(default_factory=dict)
    thread_names: dict[str, str] = field(default_factory=dict)
    counters: dict[str, Any] = field(default_factory=dict)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize(rounds: list[Round]) -> dict[str, Any]:
    """One phase over all its rounds: messages per second over the summed windows, latency
    percentiles over every measured message, CPU over the summed windows, the peak RSS."""
    runs = [r.run for r in rounds]
    latencies = sorted(x for run in runs for x in run.latencies)
    seconds = sum(run.seconds for run in runs)
    summary: dict[str, Any] = {
        "sockets": runs[0].sockets,
        "warmup_s": runs[0].warmup,
        "seconds": seconds,
        "rounds": len(rounds),
        "messages": len(latencies),
        "msg_per_s": len(latencies) / seconds,
        "msg_per_s_by_round": [round(len(run.latencies) / run.seconds, 1) for run in runs],
        "latency_ms": {
            name: round(percentile(latencies, q) * 1000, 2)
            for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
        },
        "memory_kib": {
            "peak_rss": max(r.memory.get("VmHWM", 0) for r in rounds),
            "rss_before_connect": rounds[0].memory.get("before_connect", {}).get("VmRSS", 0),
            "rss_after_load": rounds[-1].memory.get("VmRSS", 0),
            "peak_was_reset": all(r.memory.get("peak_reset") for r in rounds),
        },
        "errors": [e for run in runs for e in run.errors][:20],
        "per_second_by_round": [_per_second(run) for run in runs],
    }
    summary.update(_cpu(rounds))
    counters = _sum_counters([r.counters for r in rounds if r.counters])
    if counters:
        sent = sum(c.sent for run in runs for c in run.clients) or 1
        summary["counters"] = counters
        summary["per_message"] = {k: round(v / sent, 2) for k, v in counters["counts"].items()}
        summary["per_message"]["writer_batch_mean"] = round(
            counters["writer_batch_items"] / max(1, counters["writer_batches"]), 1
        )
    return summary


def _cpu(rounds: list[Round]) -> dict[str, Any]:
    wall = server = client = machine = 0.0
    by_kind: dict[str, float] = {}
    for r in rounds:
        start, end = r.run.window_start, r.run.window_end
        if start is None or end is None:
            continue
        wall += end.at - start.at
        server += end.server_cpu - start.server_cpu
        client += end.client_cpu - start.client_cpu
        machine += end.machine_cpu - start.machine_cpu
        for tid, cpu in end.server_threads.items():
            kind = thread_kind(r.thread_names.get(str(tid), ""))
            by_kind[kind] = by_kind.get(kind, 0.0) + cpu - start.server_threads.get(tid, 0.0)
    if not wall:
        return {}
    return {
        "server_cpu_percent": round(100 * server / wall, 1),
        "server_cpu_percent_by_thread": {
            kind: round(100 * cpu / wall, 1)
            for kind, cpu in sorted(by_kind.items())
            if 100 * cpu / wall >= 0.5
        },
        "client_cpu_percent": round(100 * client / wall, 1),
        # The machine's busy time less the two processes of the benchmark (a little of
        # it is the kernel working for them); 100 means one core's worth.
        "other_cpu_percent": round(max(0.0, 100 * (machine - server - client) / wall), 1),
    }


def _sum_counters(all_counters: list[dict[str, Any]]) -> dict[str, Any]:
    if not all_counters:
        return {}
    counts: dict[str, int] = {}
    for counters in all_counters:
        for key, value in counters["counts"].items():
            counts[key] = counts.get(key, 0) + value
    return {
        "counts": counts,
        "writer_batches": sum(c["writer_batches"] for c in all_counters),
        "writer_batch_items": sum(c["writer_batch_items"] for c in all_counters),
        "writer_batch_max": max(c["writer_batch_max"] for c in all_counters),
    }


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


def ratios(phases: dict[str, Any]) -> dict[str, Any]:
    baseline, pipeline = phases.get("baseline"), phases.get("pipeline")
    if not baseline or not pipeline or not baseline["msg_per_s"]:
        return {}
    by_round = [
        round(p / b, 3) if b else 0.0
        for b, p in zip(baseline["msg_per_s_by_round"], pipeline["msg_per_s_by_round"], strict=True)
    ]
    ratio = pipeline["msg_per_s"] / baseline["msg_per_s"]
    return {
        "ratio": round(ratio, 3),
        "ratio_by_round": by_round,
        "ratio_median_of_rounds": round(statistics.median(by_round), 3),
        "target_ratio": TARGET_RATIO,
        "target_met": ratio >= TARGET_RATIO,
    }


def table(phases: dict[str, Any]) -> str:
    header = ("", "msg/s", "p50 ms", "p95 ms", "p99 ms", "peak RSS MiB", "CPU server")
    rows = [(*header, "client", "others")]
    for name in ("baseline", "pipeline"):
        phase = phases.get(name)
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
                f"{phase['memory_kib']['peak_rss'] / 1024:.1f}",
                f"{phase.get('server_cpu_percent', 0):.0f}%",
                f"{phase.get('client_cpu_percent', 0):.0f}%",
                f"{phase.get('other_cpu_percent', 0):.0f}%",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )
