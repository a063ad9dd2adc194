"""The closed-loop phases: ``pipeline``, ``dashboard`` and ``processes``.

Each runs two halves in alternation (``--rounds``), a fresh set of sockets per round, on
servers started for the phase, and reports the second half's rate over the first's:

* ``pipeline``: the echo baseline (``ws/bench/echo/``), then the visitor pipeline
  (``ws/livechat/widget/``), on one server; target >= 0.5.
* ``dashboard``: the echo baseline with one watcher socket receiving a copy of every
  frame, then the pipeline with one agent's dashboard (``ws/livechat/dashboard/``)
  seeing every conversation; target >= 0.5.
* ``processes``: the pipeline with every socket on one server, then split across two
  server processes on the same Redis and PostgreSQL: how the rate grows.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import database, ledger, profiles, report
from bench.agent import Dashboard
from bench.load import PhaseRun, closed_loop
from bench.phases import Context, PhaseResult, PhaseSpec
from bench.server import ROOT, Server, ServerError, cpu_of, machine_cpu_seconds
from bench.widget import Visitor

RESULTS = ROOT / "bench" / "results"
TARGET_RATIO = 0.5
ECHO, WATCHED_ECHO, WATCH = "ws/bench/echo/", "ws/bench/echo/watched/", "ws/bench/watch/"
WIDGET, DASHBOARD = "ws/livechat/widget/", "ws/livechat/dashboard/"


@dataclass(frozen=True)
class Half:
    """One side of a phase: its name in the report and how its clients connect."""

    name: str
    pipeline: bool  # the app's sockets (else the echo baseline's)
    spread: bool = False  # the sockets split across every server of the phase


def halves_of(spec: PhaseSpec) -> tuple[Half, Half]:
    """The reference side, then the measured side."""
    suffix = "" if spec.key == spec.kind else f"@{spec.backend}"
    if spec.kind == "processes":
        return Half("1 process", True), Half("2 processes", True, spread=True)
    if spec.kind == "dashboard":
        return Half(f"dashboard-baseline{suffix}", False), Half(f"dashboard{suffix}", True)
    return Half(f"baseline{suffix}", False), Half(f"pipeline{suffix}", True)


def run(ctx: Context, spec: PhaseSpec) -> PhaseResult:
    result = PhaseResult(spec.key, spec.kind, spec.backend)
    halves = halves_of(spec)
    backend = ctx.backend(spec)
    ids = ctx.prepare(backend, f"Benchmark {spec.key}", agent=spec.kind == "dashboard")
    extra_env = _profile_env(ctx.args, ctx.workdir) if spec.kind == "pipeline" else {}
    count = 2 if spec.kind == "processes" else 1
    servers = [ctx.server(backend, f"{spec.key}-{n}", extra_env) for n in range(count)]
    rounds: dict[Half, list[report.Round]] = {half: [] for half in halves}
    use_uvloop()
    try:
        for server in servers:
            server.start()
        result.extra["servers"] = [{"pid": s.pid, "port": s.port} for s in servers]
        for number in range(ctx.args.rounds):
            for half in halves:
                first = number == 0
                one = asyncio.run(_round(ctx, spec, half, servers, ids, first, result))
                rounds[half].append(one)
                result.errors.extend(one.run.errors)
                for server in servers:
                    if not server.alive():
                        raise ServerError(f"a server died during {half.name}\n{server.log()}")
        for half, its_rounds in rounds.items():
            result.rows[half.name] = report.summarize(its_rounds)
        result.ledgers = _ledgers(ctx, spec, backend, ids, rounds, halves)
    except Exception as exc:
        result.errors.append(f"{type(exc).__name__}: {exc}")
        for server in servers:
            result.errors.append(f"server log (tail):\n{server.log(2000)}")
    finally:
        for server in servers:
            server.stop()
    reference, measured = (result.rows.get(h.name) for h in halves)
    if reference and measured:
        target = None if spec.kind == "processes" else TARGET_RATIO
        label = f"{halves[1].name} / {halves[0].name}"
        result.ratio = report.ratio(reference, measured, label, target)
    return result


async def _round(
    ctx: Context,
    spec: PhaseSpec,
    half: Half,
    servers: list[Server],
    ids: dict[str, Any],
    first: bool,
    result: PhaseResult,
) -> report.Round:
    """One half, once: reset the servers' peak RSS (and counters), load, read them back."""
    args = ctx.args
    active = servers if half.spread else servers[:1]
    memory: dict[str, Any] = {"peak_reset": all(s.reset_peak_rss() for s in active)}
    memory["before_connect"] = report.memory_of(active)
    counters: dict[str, Any] = {}
    thread_names: dict[str, str] = {}
    profiling = spec.kind == "pipeline" and half.pipeline and first
    spy: list[subprocess.Popen[bytes]] = []
    spy_raw = ctx.workdir / "pipeline.pyspy.raw"
    spy_exe = profiles.find_py_spy(args.py_spy) if args.py_spy is not None and profiling else None
    if args.py_spy is not None and profiling and not spy_exe:
        result.extra["py_spy"] = "py-spy not found"

    def before_load() -> None:
        if args.instrument:
            for server in active:
                server.request("POST", "/bench/stats")  # reset
        if profiling and args.profile:
            servers[0].request("POST", "/bench/profile/start")
        if spy_exe:
            seconds = args.warmup + args.seconds
            spy.append(profiles.start_py_spy(spy_exe, servers[0].pid, seconds, spy_raw))

    def after_load() -> None:
        memory.update(report.memory_of(active))
        for server in active:
            thread_names.update(server.thread_names())
        if args.instrument:
            counters.update(report.sum_counters([s.request("GET", "/bench/stats") for s in active]))
        if profiling and args.profile:
            written = servers[0].request("POST", "/bench/profile/stop")
            result.extra["cprofile"] = _save_cprofile(written)
        if spy:
            result.extra["py_spy"] = _save_py_spy(spy[0], spy_raw)

    run = PhaseRun(half.name, args.sockets, args.warmup, args.seconds)
    website_id = ids["website_id"] if half.pipeline else None
    path = WIDGET if website_id else WATCHED_ECHO if spec.kind == "dashboard" else ECHO
    if not website_id and args.baseline == "one-event":
        path += "?events=1"
    run.visitors = [
        Visitor(
            i,
            f"ws://127.0.0.1:{active[i % len(active)].port}/{path}",
            origin=database.ORIGIN,
            website_id=website_id,
            compression=args.compression,
        )
        for i in range(args.sockets)
    ]
    if spec.kind == "dashboard":
        port = servers[0].port
        run.dashboard = Dashboard(
            f"ws://127.0.0.1:{port}/{DASHBOARD if half.pipeline else WATCH}",
            agent=half.pipeline,
            cookie=f"sessionid={ids['session_key']}" if half.pipeline else None,
            origin=f"http://127.0.0.1:{port}",
        )
    print(
        f"running {spec.key}: {half.name}, {args.sockets} sockets"
        + (f" on {len(active)} processes" if len(active) > 1 else "")
        + (" and a dashboard" if run.dashboard else "")
        + f", {args.warmup:g} s warm-up + {args.seconds:g} s",
        flush=True,
    )
    await closed_loop(
        run,
        server_cpu=lambda: cpu_of(active),
        machine_cpu=machine_cpu_seconds,
        service_cpu=ctx.services.cpu_seconds,
        before_load=before_load,
        after_load=after_load,
    )
    return report.Round(run, memory, thread_names, counters)


def _ledgers(
    ctx: Context,
    spec: PhaseSpec,
    backend: Any,
    ids: dict[str, Any],
    rounds: dict[Half, list[report.Round]],
    halves: tuple[Half, Half],
) -> list[ledger.Ledger]:
    """Each half's clients against the database (or, for a baseline, against each other)."""
    stored = ctx.stored(backend, ids["website_id"])
    found: list[ledger.Ledger] = []
    for half in halves:
        runs = [r.run for r in rounds[half]]
        visitors = [v for run in runs for v in run.visitors]
        if half.pipeline:
            # Both halves of ``processes`` share the website; elsewhere every conversation
            # of it is the pipeline side's (and one no client holds is worth a look).
            mine = stored.only(v.conversation_id for v in visitors)
            visitor_ledger = ledger.visitors_vs_database(
                visitors, mine if spec.kind == "processes" else stored
            )
        else:
            visitor_ledger = ledger.visitors_alone(visitors)
        visitor_ledger.who = f"{half.name} (visitors)"
        found.append(visitor_ledger)
        dashboards = [(run.dashboard, run.visitors) for run in runs if run.dashboard]
        if dashboards:
            totals = []
            for dashboard, its_visitors in dashboards:
                if half.pipeline:
                    part = stored.only(v.conversation_id for v in its_visitors)
                    totals.append(ledger.dashboard_vs_database(dashboard, part))
                else:
                    totals.append(ledger.watcher_vs_visitors(dashboard, its_visitors))
            total = sum(totals[1:], totals[0])
            total.who = f"{half.name} ({'agent' if half.pipeline else 'watcher'} socket)"
            found.append(total)
    return found


# ---------------------------------------------------------------- profiling (pipeline only)


def _profile_env(args: argparse.Namespace, workdir: Path) -> dict[str, str]:
    return {"LIVECHAT_BENCH_PROFILE": str(workdir / "profile") if args.profile else ""}


def use_uvloop() -> None:
    """The load generator's loop: uvloop when installed (as the server's ``--loop auto``)."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _save_cprofile(written: dict[str, str]) -> dict[str, str]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    saved = {}
    for kind, path in written.items():
        target = RESULTS / Path(path).name
        shutil.copyfile(path, target)
        text_path = target.with_suffix(".txt")
        text_path.write_text(profiles.pstats_top(target))
        saved[kind] = str(text_path.relative_to(ROOT))
    return saved


def _save_py_spy(process: subprocess.Popen[bytes], raw: Path) -> str:
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return "py-spy did not finish"
    if not raw.exists():
        return f"py-spy wrote nothing: {stderr.decode(errors='replace')[-500:]}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(raw, RESULTS / raw.name)
    text_path = RESULTS / "pipeline-pyspy.txt"
    text_path.write_text(profiles.py_spy_top(raw))
    return str(text_path.relative_to(ROOT))
