"""``bench/run.py``: one server, two phases (baseline, pipeline), one report.

See ``docs/benchmark.rst`` for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench import database, experiments, load, profiles, report
from bench.server import ROOT, Server, ServerError, machine_cpu_seconds

RESULTS = ROOT / "bench" / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="Throughput of the visitor message pipeline against a bare Channels "
        "round trip, both served by one uvicorn process on 127.0.0.1.",
    )
    parser.add_argument("--sockets", type=int, default=50, help="concurrent sockets (50)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds (10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds (2)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LIVECHAT_BENCH_DATABASE_URL"),
        help="PostgreSQL URL for --db postgres (or LIVECHAT_BENCH_DATABASE_URL); the run "
        "migrates it and adds one website and its conversations",
    )
    parser.add_argument(
        "--conn-max-age",
        default="none",
        help="CONN_MAX_AGE: 'none' (persistent, the default) or seconds (0: reconnect per call)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate baseline and pipeline this many times (1); on a shared machine 3 "
        "evens out other processes' load",
    )
    parser.add_argument("--phases", default="baseline,pipeline", help="which phases to run")
    parser.add_argument("--ws", default="websockets-sansio", help="uvicorn --ws")
    parser.add_argument("--loop", default="auto", help="uvicorn --loop (auto picks uvloop)")
    parser.add_argument(
        "--compression", action="store_true", help="negotiate permessage-deflate (off)"
    )
    parser.add_argument(
        "--instrument",
        action="store_true",
        help="count SQL statements, connections, writer batches and layer calls per phase",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the server during the pipeline phase"
    )
    parser.add_argument(
        "--py-spy",
        nargs="?",
        const="",
        default=None,
        metavar="PATH",
        help="sample the server with py-spy during the pipeline phase (PATH or on PATH)",
    )
    parser.add_argument(
        "--experiment",
        action="append",
        default=[],
        choices=experiments.NAMES,
        help="replace a piece of the shipped code in the server to measure a proposal "
        "(repeatable; see bench/experiments.py)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="JSON file (bench/results/latest.json; experiment-NAMES.json for experiments)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.sockets < 1 or args.seconds <= 0 or args.warmup < 0 or args.rounds < 1:
        parser.error("--sockets and --rounds must be >= 1, --seconds > 0 and --warmup >= 0")
    if args.db == "postgres" and not args.database_url:
        parser.error("--db postgres needs --database-url (or LIVECHAT_BENCH_DATABASE_URL)")
    if args.output is None:
        name = "-".join(["experiment", *sorted(args.experiment)]) if args.experiment else "latest"
        args.output = RESULTS / f"{name}.json"
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if not set(args.phases) <= {"baseline", "pipeline"} or not args.phases:
        parser.error("--phases takes baseline and/or pipeline")
    return args


def server_environment(args: argparse.Namespace, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # This checkout's src/ first: measure the code beside bench/, whatever is installed.
    paths = [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["LIVECHAT_BENCH_DIR"] = str(workdir)
    env["LIVECHAT_BENCH_CONN_MAX_AGE"] = str(args.conn_max_age)
    env.pop("LIVECHAT_BENCH_DATABASE_URL", None)
    if args.db == "postgres":
        env["LIVECHAT_BENCH_DATABASE_URL"] = args.database_url
    env["LIVECHAT_BENCH_INSTRUMENT"] = "1" if args.instrument else ""
    env["LIVECHAT_BENCH_PROFILE"] = str(workdir / "profile") if args.profile else ""
    env["LIVECHAT_BENCH_EXPERIMENTS"] = ",".join(args.experiment)
    return env


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="livechat-bench-"))
    env = server_environment(args, workdir)
    # This process (the load generator) prepares and checks the same database.
    os.environ.update({k: v for k, v in env.items() if k.startswith(("LIVECHAT_", "DJANGO_"))})
    server = Server(env, workdir / "server.log", ws=args.ws, loop=args.loop)
    results: dict[str, Any] = {"phases": {}}
    failures: list[str] = []
    rounds: dict[str, list[report.Round]] = {name: [] for name in args.phases}
    try:
        database.setup_django()
        website_id = database.prepare()
        server.start()
        results["setup"] = describe(args, server)
        print_setup(results["setup"])
        _use_uvloop()
        for number in range(1, args.rounds + 1):
            for name in args.phases:
                first = number == 1
                one = asyncio.run(run_round(name, args, server, website_id, workdir, first))
                rounds[name].append(one)
                failures.extend(one.run.errors)
                if not server.alive():
                    raise ServerError(f"the server died during the {name} phase\n{server.log()}")
        for name, phase_rounds in rounds.items():
            if phase_rounds:
                results["phases"][name] = report.summarize(phase_rounds)
        results["phases"].get("pipeline", {}).update(profile_paths)
        if rounds.get("pipeline"):
            results["verification"] = check(website_id, rounds["pipeline"])
            if not results["verification"]["ok"]:
                failures.append("the stored conversations do not match what the clients saw")
    except KeyboardInterrupt:
        failures.append("interrupted")
    except Exception as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
        traceback.print_exc()
        print(f"server log (tail):\n{server.log()}", file=sys.stderr)
    finally:
        server.stop()
        if args.keep:
            print(f"temporary files kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    finish(results, args)
    for failure in failures:
        print(f"ERROR: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _use_uvloop() -> None:
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


# Where --profile and --py-spy put their summaries (filled during the first pipeline round).
profile_paths: dict[str, Any] = {}


async def run_round(
    name: str,
    args: argparse.Namespace,
    server: Server,
    website_id: str,
    workdir: Path,
    first: bool,
) -> report.Round:
    """One phase, once: reset the server's peak RSS and counters, load, read them back."""
    memory: dict[str, Any] = {}
    counters: dict[str, Any] = {}
    thread_names: dict[str, str] = {}
    spy: list[subprocess.Popen[bytes]] = []
    profiling = name == "pipeline" and first
    spy_exe = profiles.find_py_spy(args.py_spy) if args.py_spy is not None else None
    if args.py_spy is not None and profiling and not spy_exe:
        profile_paths["py_spy"] = "py-spy not found"
    spy_raw = workdir / "pipeline.pyspy.raw"

    memory["peak_reset"] = server.reset_peak_rss()
    memory["before_connect"] = server.memory_kib()

    def before_load() -> None:
        if args.instrument:
            server.request("POST", "/bench/stats")  # reset
        if profiling and args.profile:
            server.request("POST", "/bench/profile/start")
        if profiling and spy_exe:
            seconds = args.warmup + args.seconds
            spy.append(profiles.start_py_spy(spy_exe, server.pid, seconds, spy_raw))

    def after_load() -> None:
        memory.update(server.memory_kib())
        thread_names.update(server.request("GET", "/bench/threads"))
        if args.instrument:
            counters.update(server.request("GET", "/bench/stats"))
        if profiling and args.profile:
            written = server.request("POST", "/bench/profile/stop")
            profile_paths["cprofile"] = save_cprofile(written)
        if spy:
            profile_paths["py_spy"] = save_py_spy(spy[0], spy_raw)

    identify = {"type": "identify", "website_id": website_id} if name == "pipeline" else None
    path = "ws/livechat/widget/" if name == "pipeline" else "ws/bench/echo/"
    print(f"running {name}: {args.sockets} sockets, {args.warmup:g} s warm-up + {args.seconds:g} s")
    run = await load.run_phase(
        name,
        url=f"ws://127.0.0.1:{server.port}/{path}",
        origin=database.ORIGIN,
        sockets=args.sockets,
        warmup=args.warmup,
        seconds=args.seconds,
        identify=identify,
        server_cpu=server.thread_cpu_seconds,
        machine_cpu=machine_cpu_seconds,
        compression=args.compression,
        before_load=before_load,
        after_load=after_load,
    )
    run.errors.extend(
        f"{name}: socket {c.index} received seqs that are not 1..{len(c.seqs)}"
        for c in run.clients
        if sorted(c.seqs) != list(range(1, len(c.seqs) + 1))
    )
    return report.Round(run, memory, thread_names, counters)


def save_cprofile(written: dict[str, str]) -> dict[str, str]:
    RESULTS.mkdir(parents=True, exist_ok=True)
    saved = {}
    for kind, path in written.items():
        target = RESULTS / Path(path).name
        shutil.copyfile(path, target)
        text_path = target.with_suffix(".txt")
        text_path.write_text(profiles.pstats_top(target))
        saved[kind] = str(text_path.relative_to(ROOT))
    return saved


def save_py_spy(process: subprocess.Popen[bytes], raw: Path) -> str:
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


def check(website_id: str, rounds: list[report.Round]) -> dict[str, Any]:
    """The database against what every pipeline client of every round received."""
    seen = {
        c.conversation_id: (c.user_seen, c.assistant_seen) for r in rounds for c in r.run.clients
    }
    return database.verify(website_id, seen).as_dict()


def describe(args: argparse.Namespace, server: Server) -> dict[str, Any]:
    import channels
    import django
    import uvicorn
    import websockets
    from django.conf import settings

    db = settings.DATABASES["default"]
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "versions": {
            "django": django.get_version(),
            "channels": channels.__version__,
            "uvicorn": uvicorn.__version__,
            "websockets": websockets.__version__,
        },
        "server": {
            "pid": server.pid,
            "port": server.port,
            "ws": args.ws,
            "loop": args.loop,
            "processes": 1,
        },
        "client": "one asyncio process (uvloop when installed), sharing the machine's cores",
        "database": {
            "engine": db["ENGINE"].rsplit(".", 1)[-1],
            "conn_max_age": db.get("CONN_MAX_AGE"),
            "options": db.get("OPTIONS", {}),
            "sqlite_wal": settings.LIVECHAT.get("SQLITE_WAL"),
        },
        "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
        "source": source_version(),
        "sockets": args.sockets,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "compression": args.compression,
        "instrument": args.instrument,
        "profile": args.profile,
        "experiments": args.experiment,
    }


def source_version() -> dict[str, Any]:
    """The commit measured, and whether src/ had uncommitted changes (read-only git)."""

    def git(*command: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *command], cwd=ROOT, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--short", "HEAD")
    changes = git("status", "--porcelain", "--", "src")
    return {"commit": commit, "src_modified": bool(changes) if changes is not None else None}


def print_setup(setup: dict[str, Any]) -> None:
    v = setup["versions"]
    print(
        f"server: 1 uvicorn process (pid {setup['server']['pid']}) on "
        f"127.0.0.1:{setup['server']['port']}, --ws {setup['server']['ws']}, "
        f"--loop {setup['server']['loop']}; Django {v['django']}, Channels {v['channels']}, "
        f"uvicorn {v['uvicorn']}, websockets {v['websockets']}, Python {setup['python']}"
    )
    source = setup["source"]
    if source["commit"]:
        dirty = " with uncommitted changes in src/" if source["src_modified"] else ""
        print(f"code: commit {source['commit']}{dirty}")
    db = setup["database"]
    print(
        f"database: {db['engine']} {db['options'] or ''}"
        + (f" WAL={db['sqlite_wal']}" if db["engine"] == "sqlite3" else "")
        + f" CONN_MAX_AGE={db['conn_max_age']}; "
        f"layer: {setup['channel_layer'].rsplit('.', 1)[-1]}"
    )
    if setup["experiments"]:
        print(f"EXPERIMENT, not the shipped code: {', '.join(setup['experiments'])}")
    print(
        f"machine: {setup['machine']}; the load generator is a separate process on the same "
        "cores, so client and server compete for CPU"
    )


def finish(results: dict[str, Any], args: argparse.Namespace) -> None:
    """Print the table and the verdicts; write the JSON."""
    phases = results["phases"]
    results.update(report.ratios(phases))
    if phases:
        print()
        print(report.table(phases))
    for name, phase in phases.items():
        if phase["rounds"] > 1:
            print(f"{name} msg/s by round: {phase['msg_per_s_by_round']}")
    if "ratio" in results:
        verdict = "MET" if results["target_met"] else "NOT MET"
        by_round = f", by round {results['ratio_by_round']}" if args.rounds > 1 else ""
        print(
            f"ratio pipeline/baseline: {results['ratio']:.3f}{by_round}  "
            f"(project target >= {report.TARGET_RATIO}: {verdict})"
        )
    verification = results.get("verification")
    if verification and verification["ok"]:
        print(
            f"database check OK: {verification['conversations']} conversations, "
            f"{verification['messages']} messages; every conversation's seq is 1..n without "
            "gaps or duplicates, and its user/assistant rows equal what its client received"
        )
    elif verification:
        print("database check FAILED: " + "; ".join(verification["problems"][:5]))
    for name, phase in phases.items():
        threads = phase.get("server_cpu_percent_by_thread")
        if threads:
            shares = ", ".join(f"{kind} {percent:.0f}%" for kind, percent in threads.items())
            print(f"{name} server CPU by thread: {shares}")
        if "per_message" in phase:
            print(f"{name} counters per message: {json.dumps(phase['per_message'])}")
        for key in ("cprofile", "py_spy"):
            if key in phase:
                print(f"{name} {key}: {phase[key]}")
    noisy = [
        f"{name} {phase['other_cpu_percent']:.0f}%"
        for name, phase in phases.items()
        if phase.get("other_cpu_percent", 0) > report.NOISE_PERCENT
    ]
    if noisy:
        print(
            "NOTE: other processes used CPU during the measured windows ("
            + ", ".join(noisy)
            + " of one core): the numbers are noisier than on an idle machine; "
            "--rounds 3 alternates the phases to share the noise out"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results written to {_display(args.output)}")


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
