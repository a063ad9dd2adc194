"""``bench/run.py``: the phases asked for (``--phases``), one report, one JSON file.

See ``docs/benchmark.rst`` for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench import experiments, idle, phases, report, search, storm, streaming, throughput
from bench.phases import Context, PhaseResult
from bench.server import ROOT, raise_open_files
from bench.services import Services

RESULTS = ROOT / "bench" / "results"
RUNNERS: dict[str, phases.Runner] = {
    "pipeline": throughput.run,
    "dashboard": throughput.run,
    "processes": throughput.run,
    "storm": storm.run,
    "idle": idle.run,
    "search": search.run,
    "streaming": streaming.run,
}
# The phases whose ratio the project holds to the target (throughput.TARGET_RATIO).
TARGETED = ("pipeline", "dashboard")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="The message pipeline against bare Channels round trips, on uvicorn "
        "processes on 127.0.0.1, with every message accounted for.",
    )
    parser.add_argument(
        "--phases",
        default=phases.DEFAULT,
        help=f"comma-separated KIND[@embedded|@redis] of {', '.join(phases.KINDS)} "
        f"('redis' = pipeline@redis); default: {phases.DEFAULT}",
    )
    parser.add_argument("--sockets", type=int, default=50, help="closed-loop sockets (50)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds (10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds (2)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate the two halves of pipeline/dashboard/processes this many times (1)",
    )
    parser.add_argument("--storm-sockets", type=int, default=5000, help="storm sockets (5000)")
    parser.add_argument(
        "--storm-inflight",
        type=int,
        default=1000,
        help="storm sockets with a message in flight when the server is killed (1000)",
    )
    parser.add_argument("--idle-sockets", type=int, default=10000, help="idle sockets (10000)")
    parser.add_argument(
        "--idle-hold", type=float, default=5.0, help="seconds the idle sockets stay open (5)"
    )
    parser.add_argument(
        "--search-messages",
        type=int,
        default=search.MESSAGES,
        help=f"messages the search phase loads ({search.MESSAGES})",
    )
    parser.add_argument(
        "--stream-sockets",
        type=int,
        default=streaming.SOCKETS,
        help=f"streaming phase: closed-loop sockets ({streaming.SOCKETS}, the responder pool)",
    )
    parser.add_argument(
        "--stream-chunks",
        type=int,
        default=streaming.CHUNKS,
        help=f"streaming phase: chunks per reply ({streaming.CHUNKS})",
    )
    parser.add_argument(
        "--stream-delay",
        type=float,
        default=streaming.DELAY,
        help=f"streaming phase: seconds between two chunks ({streaming.DELAY})",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("LIVECHAT_BENCH_REDIS_URL"),
        help="Redis for @redis phases (default: start a throwaway redis-server)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("LIVECHAT_BENCH_DATABASE_URL"),
        help="PostgreSQL for @redis phases, migrated and added to (default: start a "
        "throwaway cluster)",
    )
    parser.add_argument(
        "--conn-max-age",
        default="none",
        help="CONN_MAX_AGE: 'none' (persistent, the default) or seconds (0: reconnect per call)",
    )
    parser.add_argument(
        "--src-commit",
        metavar="REV",
        help="measure src/ as committed in REV (git archive into the temporary directory) "
        "instead of the working tree",
    )
    parser.add_argument(
        "--baseline",
        choices=["two-events", "one-event"],
        default="two-events",
        help="the echo baseline sends a message and its reply as two group events (the "
        "historical baseline, the default) or as one, as the v2 pipeline does",
    )
    parser.add_argument("--ws", default="websockets-sansio", help="uvicorn --ws")
    parser.add_argument("--loop", default="auto", help="uvicorn --loop (auto picks uvloop)")
    parser.add_argument("--backlog", type=int, default=2048, help="uvicorn --backlog (2048)")
    parser.add_argument(
        "--compression", action="store_true", help="negotiate permessage-deflate (off)"
    )
    parser.add_argument(
        "--instrument",
        action="store_true",
        help="count SQL statements, connections, writer batches and layer calls per phase",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the server in the pipeline phase"
    )
    parser.add_argument(
        "--py-spy",
        nargs="?",
        const="",
        default=None,
        metavar="PATH",
        help="sample the server with py-spy in the pipeline phase (PATH or on PATH)",
    )
    parser.add_argument(
        "--experiment",
        action="append",
        default=[],
        choices=experiments.NAMES,
        help="replace a piece of the shipped code in the servers to measure a proposal "
        "(repeatable; see bench/experiments.py)",
    )
    parser.add_argument(
        "--drop-events",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="fault injection: the servers' channel layer loses this fraction of the "
        "pipeline's group events, to see the clients repair them (0)",
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
    if not 0 <= args.drop_events < 1:
        parser.error("--drop-events takes a fraction from 0 to 1")
    if args.storm_sockets < 1 or args.idle_sockets < 1 or args.idle_hold < 0:
        parser.error("--storm-sockets and --idle-sockets must be >= 1, --idle-hold >= 0")
    if args.search_messages < 1000:
        parser.error("--search-messages must be >= 1000")
    if args.stream_sockets < 1 or args.stream_chunks < 1 or args.stream_delay < 0:
        parser.error("--stream-sockets and --stream-chunks must be >= 1, --stream-delay >= 0")
    if args.storm_inflight < 0:
        parser.error("--storm-inflight must be >= 0")
    if args.output is None:
        name = "-".join(["experiment", *sorted(args.experiment)]) if args.experiment else "latest"
        name = f"faults-{name}" if args.drop_events else name
        args.output = RESULTS / f"{name}.json"
    try:
        args.phases = phases.parse(args.phases)
    except ValueError as exc:
        parser.error(f"--phases: {exc}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM (``timeout``, a CI runner) cleans up like Ctrl-C: servers, Redis, PostgreSQL.
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="livechat-bench-"))
    results: dict[str, Any] = {"phases": {}}
    failures: list[str] = []
    services: Services | None = None
    ctx: Context | None = None
    try:
        src, source = measured_source(args, workdir)
        services = Services(
            server_environment(args, workdir, src),
            workdir,
            redis_url=args.redis_url,
            database_url=args.database_url,
        )
        ctx = Context(args, services, workdir)
        results["setup"] = describe(args, source)
        soft, hard = raise_open_files()
        results["setup"]["open_files"] = {"soft": soft, "hard": hard}
        print_setup(results["setup"])
        for spec in args.phases:
            result = run_phase(ctx, spec)
            backend = services.backends.get(spec.backend)
            description = backend.description if backend else {}
            print()
            print(report.phase_text(result, description), flush=True)
            if spec.kind == "search":
                print(search.report_table(result), flush=True)
            if spec.kind == "streaming":
                print(streaming.report_table(result), flush=True)
            results["phases"][spec.key] = result.as_dict() | {"setup": description}
            if not result.ok:
                failures.append(f"{spec.key}: errors or a failed loss check (see above)")
    except KeyboardInterrupt:
        failures.append("interrupted")
    except Exception as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
        traceback.print_exc()
    finally:
        if ctx is not None:
            for server in ctx.servers:
                server.stop()
        if services is not None:
            services.close()
        if args.keep:
            print(f"temporary files kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results["wall_s"] = round(time.monotonic() - started, 1)
    results["ok"] = not failures
    results["failures"] = failures
    finish(results, args)
    for failure in failures:
        print(f"ERROR: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_phase(ctx: Context, spec: phases.PhaseSpec) -> PhaseResult:
    """One phase; an exception becomes its error, so the other phases still run."""
    try:
        return RUNNERS[spec.kind](ctx, spec)
    except Exception as exc:
        traceback.print_exc()
        result = PhaseResult(spec.key, spec.kind, spec.backend)
        result.errors.append(f"{type(exc).__name__}: {exc}")
        return result


def server_environment(args: argparse.Namespace, workdir: Path, src: Path) -> dict[str, str]:
    """What every server and database helper of the run gets; backends add theirs."""
    env = dict(os.environ)
    # The measured src/ first: the code beside bench/ (or --src-commit's), whatever is
    # installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), str(ROOT), env.get("PYTHONPATH")]))
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["LIVECHAT_BENCH_DIR"] = str(workdir)
    env["LIVECHAT_BENCH_CONN_MAX_AGE"] = str(args.conn_max_age)
    for key in ("LIVECHAT_BENCH_DATABASE_URL", "LIVECHAT_BENCH_REDIS_URL"):
        env.pop(key, None)
    env["LIVECHAT_BENCH_INSTRUMENT"] = "1" if args.instrument else ""
    env["LIVECHAT_BENCH_PROFILE"] = ""
    env["LIVECHAT_BENCH_EXPERIMENTS"] = ",".join(args.experiment)
    env["LIVECHAT_BENCH_DROP_EVENTS"] = str(args.drop_events or "")
    return env


def measured_source(args: argparse.Namespace, workdir: Path) -> tuple[Path, dict[str, Any]]:
    """The src/ directory the servers import, and which code it is (read-only git)."""
    if not args.src_commit:
        commit = git("rev-parse", "--short", "HEAD")
        changes = git("status", "--porcelain", "--", "src")
        modified = bool(changes) if changes is not None else None
        return ROOT / "src", {"commit": commit, "src_modified": modified, "src": "working tree"}
    commit = git("rev-parse", "--short", args.src_commit)
    if commit is None:
        raise SystemExit(f"--src-commit: git does not know {args.src_commit!r}")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    target = workdir / f"src-{commit}"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / "src", {"commit": commit, "src_modified": False, "src": f"git archive {commit}"}


def git(*command: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *command], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def describe(args: argparse.Namespace, source: dict[str, Any]) -> dict[str, Any]:
    import channels
    import django
    import uvicorn
    import websockets

    try:
        import channels_redis

        redis_version = channels_redis.__version__
    except ImportError:
        redis_version = None
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "versions": {
            "django": django.get_version(),
            "channels": channels.__version__,
            "channels_redis": redis_version,
            "uvicorn": uvicorn.__version__,
            "websockets": websockets.__version__,
        },
        "server": {"ws": args.ws, "loop": args.loop, "backlog": args.backlog},
        "client": "one asyncio process (uvloop when installed), sharing the machine's cores",
        "conn_max_age": args.conn_max_age,
        "source": source,
        "phases": [spec.key for spec in args.phases],
        "sockets": args.sockets,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "baseline": args.baseline,
        "storm_sockets": args.storm_sockets,
        "storm_inflight": args.storm_inflight,
        "idle_sockets": args.idle_sockets,
        "idle_hold": args.idle_hold,
        "search_messages": args.search_messages,
        "stream": {
            "sockets": args.stream_sockets,
            "chunks": args.stream_chunks,
            "delay_s": args.stream_delay,
        },
        "compression": args.compression,
        "instrument": args.instrument,
        "profile": args.profile,
        "experiments": args.experiment,
        "drop_events": args.drop_events,
    }


def print_setup(setup: dict[str, Any]) -> None:
    v = setup["versions"]
    print(
        f"servers: uvicorn on 127.0.0.1, --ws {setup['server']['ws']}, --loop "
        f"{setup['server']['loop']}, --backlog {setup['server']['backlog']}; Django "
        f"{v['django']}, Channels {v['channels']}, channels-redis {v['channels_redis']}, "
        f"uvicorn {v['uvicorn']}, websockets {v['websockets']}, Python {setup['python']}"
    )
    source = setup["source"]
    if source["commit"]:
        dirty = " with uncommitted changes in src/" if source["src_modified"] else ""
        print(f"code: commit {source['commit']}{dirty} ({source['src']})")
    if setup["experiments"]:
        print(f"EXPERIMENT, not the shipped code: {', '.join(setup['experiments'])}")
    if setup["drop_events"]:
        print(
            f"FAULTS: the channel layer drops {setup['drop_events']:.1%} of the pipeline's "
            "group events; rates are not the app's"
        )
    print(f"phases: {', '.join(setup['phases'])}; baseline: {setup['baseline']}")
    print(
        f"machine: {setup['machine']}; the load generator is a separate process on the same "
        "cores, so client and servers compete for CPU"
    )


def finish(results: dict[str, Any], args: argparse.Namespace) -> None:
    """The verdicts and the summary of every phase's checks; write the JSON."""
    print()
    for key, phase in results["phases"].items():
        ratio = phase.get("ratio")
        if phase["kind"] in TARGETED and ratio and "target" in ratio:
            verdict = "met" if ratio["target_met"] else "NOT MET"
            print(f"{key}: ratio {ratio['value']:.3f}, target >= {ratio['target']}: {verdict}")
        elif phase["kind"] in TARGETED:
            print(f"{key}: no ratio (a half failed), target >= {throughput.TARGET_RATIO}: NOT MET")
    for key, phase in results["phases"].items():
        ledgers = phase["ledgers"]
        checks = "OK" if all(ledger["ok"] for ledger in ledgers) else "FAILED"
        print(
            f"{key}: errors {phase['error_count']}, loss checks {checks if ledgers else 'not run'}"
        )
    print(f"wall time {results['wall_s']:.0f} s")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results written to {_display(args.output)}")


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
