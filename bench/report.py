"""Numbers from raw phase runs (throughput, latency percentiles, CPU, memory) and the
printed report: a table per phase, its ratio, its ledger lines."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.load import PhaseRun
from bench.phases import PhaseResult
from bench.server import Server

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


def memory_of(servers: list[Server]) -> dict[str, int]:
    """Peak (VmHWM) and current (VmRSS) RSS in KiB, summed over the servers."""
    total = {"VmHWM": 0, "VmRSS": 0}
    for server in servers:
        if server.alive():
            for key, value in server.memory_kib().items():
                total[key] += value
    return total


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
    counters = sum_counters([r.counters for r in rounds if r.counters])
    if counters:
        sent = sum(v.sent for run in runs for v in run.visitors) or 1
        summary["counters"] = counters
        summary["per_message"] = {k: round(v / sent, 2) for k, v in counters["counts"].items()}
        summary["per_message"]["writer_batch_mean"] = round(
            counters["writer_batch_items"] / max(1, counters["writer_batches"]), 1
        )
    return summary


def _cpu(rounds: list[Round]) -> dict[str, Any]:
    wall = server = client = machine = services = 0.0
    by_kind: dict[str, float] = {}
    for r in rounds:
        start, end = r.run.window_start, r.run.window_end
        if start is None or end is None:
            continue
        wall += end.at - start.at
        server += end.server_cpu - start.server_cpu
        client += end.client_cpu - start.client_cpu
        machine += end.machine_cpu - start.machine_cpu
        services += end.service_cpu - start.service_cpu
        for key, cpu in end.server_threads.items():
            kind = thread_kind(r.thread_names.get(key, ""))
            by_kind[kind] = by_kind.get(kind, 0.0) + cpu - start.server_threads.get(key, 0.0)
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
        "services_cpu_percent": round(100 * services / wall, 1),
        # The machine's busy time less the benchmark's processes (a little of it is the
        # kernel working for them); 100 means one core's worth.
        "other_cpu_percent": round(
            max(0.0, 100 * (machine - server - client - services) / wall), 1
        ),
    }


def sum_counters(all_counters: list[dict[str, Any]]) -> dict[str, Any]:
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


def ratio(
    reference: dict[str, Any], measured: dict[str, Any], label: str, target: float | None
) -> dict[str, Any]:
    """measured / reference msg/s, pooled and by round; against ``target`` when given."""
    by_round = [
        round(m / r, 3) if r else 0.0
        for r, m in zip(
            reference["msg_per_s_by_round"], measured["msg_per_s_by_round"], strict=True
        )
    ]
    value = measured["msg_per_s"] / reference["msg_per_s"] if reference["msg_per_s"] else 0.0
    result: dict[str, Any] = {
        "label": label,
        "value": round(value, 3),
        "by_round": by_round,
        "median_of_rounds": round(statistics.median(by_round), 3),
    }
    if target is not None:
        result.update(target=target, target_met=value >= target)
    return result


def table(rows: Sequence[tuple[str, ...]]) -> str:
    """Aligned columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def closed_loop_table(rows: dict[str, dict[str, Any]], latency: str = "") -> str:
    header = ("", "msg/s", f"p50 ms{latency}", "p95 ms", "p99 ms", "peak RSS MiB")
    services = any(phase.get("services_cpu_percent") for phase in rows.values())
    lines = [(*header, "CPU server", "client", *(("redis+pg",) if services else ()), "others")]
    for name, phase in rows.items():
        lat = phase["latency_ms"]
        lines.append(
            (
                name,
                f"{phase['msg_per_s']:.0f}",
                f"{lat['p50']:.1f}",
                f"{lat['p95']:.1f}",
                f"{lat['p99']:.1f}",
                f"{phase['memory_kib']['peak_rss'] / 1024:.1f}",
                f"{phase.get('server_cpu_percent', 0):.0f}%",
                f"{phase.get('client_cpu_percent', 0):.0f}%",
                *((f"{phase.get('services_cpu_percent', 0):.0f}%",) if services else ()),
                f"{phase.get('other_cpu_percent', 0):.0f}%",
            )
        )
    return table(lines)


# ---------------------------------------------------------------- the printed report


def phase_text(result: PhaseResult, backend: dict[str, Any]) -> str:
    """One phase: its table, its ratio, CPU by thread, its ledgers and its problems."""
    lines = [f"== {result.key}: {backend.get('database', '')}; {backend.get('channel_layer', '')}"]
    if result.rows:
        if result.kind == "storm":
            lines.append(storm_table(result.rows))
            lines.extend(_storm_details(result.rows))
        elif result.kind == "idle":
            lines.append(idle_table(result.rows))
        else:
            dashboard = result.kind == "dashboard"
            lines.append(closed_loop_table(result.rows, " (to dashboard)" if dashboard else ""))
            lines.extend(_closed_loop_details(result))
    if result.ratio:
        lines.append(ratio_line(result.ratio))
    for ledger in result.ledgers:
        lines.append(ledger.line() + ("" if ledger.ok else "  <-- FAILED"))
        lines.extend(f"    {problem}" for problem in ledger.problems[:5])
        lines.extend(f"    note: {note}" for note in ledger.notes)
    lines.extend(f"ERROR: {error}" for error in result.errors[:5])
    if len(result.errors) > 5:
        lines.append(f"ERROR: ... and {len(result.errors) - 5} more (see the JSON)")
    return "\n".join(lines)


def ratio_line(ratio: dict[str, Any]) -> str:
    text = f"ratio {ratio['label']}: {ratio['value']:.3f}"
    if len(ratio.get("by_round", [])) > 1:
        text += f" (by round {ratio['by_round']})"
    if ratio.get("per_socket") is not None:
        text += f", per socket {ratio['per_socket']:.3f}"
    if "target" in ratio:
        verdict = "met" if ratio["target_met"] else "NOT MET"
        text += f"  (target >= {ratio['target']}: {verdict})"
    return text


def _closed_loop_details(result: PhaseResult) -> list[str]:
    lines = []
    for name, row in result.rows.items():
        if row["rounds"] > 1:
            lines.append(f"{name} msg/s by round: {row['msg_per_s_by_round']}")
        threads = row.get("server_cpu_percent_by_thread")
        if threads:
            shares = ", ".join(f"{kind} {percent:.0f}%" for kind, percent in threads.items())
            lines.append(f"{name} server CPU by thread: {shares}")
        if "per_message" in row:
            lines.append(f"{name} counters per message: {row['per_message']}")
        if row.get("other_cpu_percent", 0) > NOISE_PERCENT:
            lines.append(
                f"NOTE: other processes used {row['other_cpu_percent']:.0f}% of a core during "
                f"{name}: the numbers are noisier than on an idle machine"
            )
    for key in ("cprofile", "py_spy"):
        if key in result.extra:
            lines.append(f"{key}: {result.extra[key]}")
    return lines


def _storm_details(rows: dict[str, dict[str, Any]]) -> list[str]:
    lines = []
    for name, row in rows.items():
        if "send_msg_per_s" in row:
            lines.append(
                f"{name}: {row['sockets']} sockets joined in {row['join_s']:g} s; with them "
                f"open the pipeline did {row['send_msg_per_s']:g} msg/s (200 in flight)"
            )
        if "inflight" in row:
            lines.append(
                f"{name}: {row['inflight']} messages in flight at the kill "
                f"({row['inflight_done_before_kill']} had completed); restart took "
                f"{row.get('restart_s', 0):g} s"
            )
        if "redis_clients_peak" in row:
            lines.append(
                f"{name}: Redis clients during the rejoin, peak {row['redis_clients_peak']}"
            )
    return lines


def storm_table(rows: dict[str, dict[str, Any]]) -> str:
    header = ("", "sockets", "rejoin s", "outage s", "rejoins/s", "p50 ms", "p95 ms", "p99 ms")
    lines: list[tuple[str, ...]] = [
        (*header, "peak RSS MiB before/storm", "CPU server", "client", "errors")
    ]
    for name, row in rows.items():
        if "rejoin_ms" not in row:
            lines.append((name, str(row["sockets"]), *["-"] * 9, str(row.get("errors", "-"))))
            continue
        lat = row["rejoin_ms"]
        lines.append(
            (
                name,
                str(row["sockets"]),
                f"{row['rejoin_s']:.2f}",
                f"{row['outage_s']:.2f}",
                f"{row['rejoins_per_s']:.0f}",
                f"{lat['p50']:.0f}",
                f"{lat['p95']:.0f}",
                f"{lat['p99']:.0f}",
                f"{row['peak_rss_before_kill_kib'] / 1024:.1f} / {row['peak_rss_kib'] / 1024:.1f}",
                f"{row['server_cpu_percent']:.0f}%",
                f"{row['client_cpu_percent']:.0f}%",
                str(row["errors"]),
            )
        )
    return table(lines)


def idle_table(rows: dict[str, dict[str, Any]]) -> str:
    header = ("", "sockets", "join s", "RSS MiB", "before", "KiB/socket", "peak RSS MiB")
    lines: list[tuple[str, ...]] = [(*header, "CPU server (idle)")]
    for name, row in rows.items():
        if "rss_kib" not in row:
            lines.append((name, str(row["sockets"]), *["-"] * 6))
            continue
        lines.append(
            (
                name,
                str(row["joined"]),
                f"{row['join_s']:.1f}",
                f"{row['rss_kib'] / 1024:.1f}",
                f"{row['rss_before_kib'] / 1024:.1f}",
                f"{row['kib_per_socket']:.1f}",
                f"{row['peak_rss_kib'] / 1024:.1f}",
                f"{row['server_cpu_percent']:.1f}%",
            )
        )
    return table(lines)
