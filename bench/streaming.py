"""The ``streaming`` phase: a streamed automatic reply against the same reply sent whole.

One server; two websites whose ``responder`` field names one of the two responders
below; ``--stream-sockets`` visitors in a closed loop on each in turn (``--rounds``):

* ``whole reply`` (the baseline): :func:`whole_reply` waits as long as the stream takes
  (``--stream-chunks`` x ``--stream-delay``) and returns the text at once;
* ``streaming``: :func:`streamed_reply`, an async generator yielding the same text in
  ``--stream-chunks`` chunks ``--stream-delay`` seconds apart, as a model would.

Reported for each: replies per second and their latency (send to the stored reply), the
*first text* latency (send to the first ``reply_delta``; for the whole reply, to the
reply itself), ``reply_delta`` frames and chunks per second reaching the widgets, and
the server's CPU. The ratio is streaming over whole replies per second: what streaming
costs. Every delta is checked (it grows, it is the start of the final text) and every
stored reply must be the whole text.

Both responders hold one of the server's ``RESPONDER_CONCURRENCY`` slots (8) while they
run, so the default of 8 sockets keeps every reply running at once: more sockets queue
for a slot, and the latencies measure the queue.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bench import database, ledger, report
from bench.load import PhaseRun, closed_loop
from bench.phases import Context, PhaseResult, PhaseSpec
from bench.server import ROOT, ServerError, cpu_of, machine_cpu_seconds
from bench.widget import Visitor

CHUNKS = 40
DELAY = 0.01
SOCKETS = 8
CHUNKS_ENV = "LIVECHAT_BENCH_STREAM_CHUNKS"
DELAY_ENV = "LIVECHAT_BENCH_STREAM_DELAY"
WIDGET = "ws/livechat/widget/"
WHOLE, STREAMING = "whole reply", "streaming"
RESPONDERS = {WHOLE: "bench.streaming.whole_reply", STREAMING: "bench.streaming.streamed_reply"}
HELPER_TIMEOUT = 120.0


# ---------------------------------------------------------------- the server's responders


def pieces() -> list[str]:
    """The reply's chunks, each :data:`CHUNK_WIDTH` characters, so a text's length says
    how many chunks it holds."""
    count = int(os.environ.get(CHUNKS_ENV, CHUNKS))
    return [f"w{i:04d} " for i in range(count)]


CHUNK_WIDTH = len("w0000 ")


def delay() -> float:
    return float(os.environ.get(DELAY_ENV, DELAY))


async def streamed_reply(conversation: Any, message: Any) -> AsyncIterator[str]:
    """The reply as a model streams it: a chunk every :func:`delay` seconds."""
    for number, piece in enumerate(pieces()):
        if number:
            await asyncio.sleep(delay())
        yield piece


async def whole_reply(conversation: Any, message: Any) -> str:
    """The same reply, after the same time, in one piece."""
    text = pieces()
    await asyncio.sleep(delay() * (len(text) - 1))
    return "".join(text)


# ---------------------------------------------------------------- the widget's side


@dataclass
class Stream:
    """What one visitor saw of one reply's deltas."""

    first_at: float
    deltas: int = 1
    chunks: int = 0


class StreamingVisitor(Visitor):
    """A widget's socket that also follows ``reply_delta`` frames."""

    def __init__(self, *args: Any, expected: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected
        self.streams: dict[str, Stream] = {}
        self.texts: dict[str, str] = {}

    def _frame(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "reply_delta":
            self._delta(event)
            return
        if kind == "chat_message" and event.get("role") == "assistant":
            client_id = event.get("client_id") or ""
            # Stored as a visitor's text is: without the trailing space.
            if event.get("message") != self.expected.strip():
                self.counts.errors.append(
                    f"socket {self.index}: reply {client_id} is not the whole text: "
                    f"{str(event.get('message'))[:60]!r}"
                )
        super()._frame(event)

    def _delta(self, event: dict[str, Any]) -> None:
        now = time.perf_counter()
        reply_to, text = event["reply_to"], event["text"]
        before = self.texts.get(reply_to, "")
        if not self.expected.startswith(text) or len(text) < len(before):
            self.counts.errors.append(
                f"socket {self.index}: a delta of {reply_to} that does not grow the text: "
                f"{text[:60]!r} after {len(before)} characters"
            )
        self.texts[reply_to] = text
        stream = self.streams.get(reply_to)
        if stream is None:
            stream = self.streams[reply_to] = Stream(now)
        else:
            stream.deltas += 1
        stream.chunks = len(text) // CHUNK_WIDTH


def run(ctx: Context, spec: PhaseSpec) -> PhaseResult:
    result = PhaseResult(spec.key, spec.kind, spec.backend)
    args = ctx.args
    backend = ctx.backend(spec)
    env = {CHUNKS_ENV: str(args.stream_chunks), DELAY_ENV: str(args.stream_delay)}
    server = ctx.server(backend, spec.key, env)
    websites: dict[str, str] = {}
    rounds: dict[str, list[report.Round]] = {WHOLE: [], STREAMING: []}
    try:
        for half, responder in RESPONDERS.items():
            ids = ctx.prepare(backend, f"Benchmark {spec.key} {half}")
            set_responder({**backend.env, **env}, ids["website_id"], responder)
            websites[half] = ids["website_id"]
        server.start()
        for _ in range(args.rounds):
            for half in RESPONDERS:
                one = asyncio.run(_round(ctx, spec, half, server, websites[half]))
                rounds[half].append(one)
                result.errors.extend(one.run.errors)
                if not server.alive():
                    raise ServerError(f"the server died during {half}\n{server.log()}")
        for half, its_rounds in rounds.items():
            result.rows[half] = report.summarize(its_rounds) | streamed(its_rounds)
        stored_ledgers(ctx, backend, websites, rounds, result)
    except Exception as exc:
        result.errors.append(f"{type(exc).__name__}: {exc}")
        result.errors.append(f"server log (tail):\n{server.log(2000)}")
    finally:
        server.stop()
    whole, streaming = result.rows.get(WHOLE), result.rows.get(STREAMING)
    if whole and streaming:
        result.ratio = report.ratio(whole, streaming, f"{STREAMING} / {WHOLE}", None)
        result.extra["first_text_ratio"] = round(
            streaming["first_text_ms"]["p50"] / whole["first_text_ms"]["p50"], 3
        )
    result.extra["stream"] = {"chunks": args.stream_chunks, "delay_s": args.stream_delay}
    return result


async def _round(
    ctx: Context, spec: PhaseSpec, half: str, server: Any, website_id: str
) -> report.Round:
    args = ctx.args
    memory: dict[str, Any] = {"peak_reset": server.reset_peak_rss()}
    memory["before_connect"] = report.memory_of([server])
    run = PhaseRun(half, args.stream_sockets, args.warmup, args.seconds)
    expected = "".join(f"w{i:04d} " for i in range(args.stream_chunks))
    run.visitors = [
        StreamingVisitor(
            i,
            f"ws://127.0.0.1:{server.port}/{WIDGET}",
            origin=database.ORIGIN,
            website_id=website_id,
            compression=args.compression,
            expected=expected,
        )
        for i in range(args.stream_sockets)
    ]
    print(
        f"running {spec.key}: {half}, {args.stream_sockets} sockets, {args.stream_chunks} "
        f"chunks {args.stream_delay:g} s apart, {args.warmup:g} s warm-up + {args.seconds:g} s",
        flush=True,
    )
    await closed_loop(
        run,
        server_cpu=lambda: cpu_of([server]),
        machine_cpu=machine_cpu_seconds,
        service_cpu=ctx.services.cpu_seconds,
        after_load=lambda: memory.update(report.memory_of([server])),
    )
    return report.Round(run, memory)


def streamed(rounds: list[report.Round]) -> dict[str, Any]:
    """First-text latency, and the deltas and chunks that reached the widgets, over the
    replies sent and answered inside the measured windows."""
    first: list[float] = []
    deltas = chunks = 0
    seconds = 0.0
    for one in rounds:
        run = one.run
        if run.window_start is None or run.window_end is None:
            continue
        start, end = run.window_start.at, run.window_end.at
        seconds += end - start
        for visitor in run.visitors:
            assert isinstance(visitor, StreamingVisitor)
            for exchange in visitor.exchanges.values():
                reply_at = exchange.reply_at
                if exchange.message_id is None or reply_at is None:
                    continue
                if not (start <= exchange.sent_at and reply_at <= end):
                    continue
                stream = visitor.streams.get(exchange.message_id)
                first.append((stream.first_at if stream else reply_at) - exchange.sent_at)
                if stream is not None:
                    deltas += stream.deltas
                    chunks += stream.chunks
    first.sort()
    replies = len(first) or 1
    return {
        "first_text_ms": {
            name: round(report.percentile(first, q) * 1000, 2)
            for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
        },
        "deltas_per_s": round(deltas / seconds, 1) if seconds else 0.0,
        "chunks_per_s": round(chunks / seconds, 1) if seconds else 0.0,
        "deltas_per_reply": round(deltas / replies, 2),
    }


def stored_ledgers(
    ctx: Context,
    backend: Any,
    websites: dict[str, str],
    rounds: dict[str, list[report.Round]],
    result: PhaseResult,
) -> None:
    """Each half's visitors against what the database holds: one reply per message."""
    for half, website_id in websites.items():
        visitors = [v for r in rounds[half] for v in r.run.visitors]
        found = ledger.visitors_vs_database(visitors, ctx.stored(backend, website_id))
        found.who = f"{half} (visitors)"
        result.ledgers.append(found)


def report_table(result: PhaseResult) -> str:
    """The phase's own lines (printed after the common report)."""
    header = ("", "replies/s", "first text p50 ms", "p99 ms", "whole p50 ms", "p99 ms")
    lines: list[tuple[str, ...]] = [(*header, "deltas/s", "chunks/s", "deltas/reply", "CPU server")]
    for name, row in result.rows.items():
        first, whole = row["first_text_ms"], row["latency_ms"]
        lines.append(
            (
                name,
                f"{row['msg_per_s']:.1f}",
                f"{first['p50']:.1f}",
                f"{first['p99']:.1f}",
                f"{whole['p50']:.1f}",
                f"{whole['p99']:.1f}",
                f"{row['deltas_per_s']:.0f}",
                f"{row['chunks_per_s']:.0f}",
                f"{row['deltas_per_reply']:.1f}",
                f"{row.get('server_cpu_percent', 0):.0f}%",
            )
        )
    if len(lines) == 1:
        return ""
    text = report.table(lines)
    if "first_text_ratio" in result.extra:
        text += (
            f"\nfirst text streaming / whole reply (p50): {result.extra['first_text_ratio']:.3f}"
        )
    return text


# ---------------------------------------------------------------- the helper process


def set_responder(env: dict[str, str], website_id: str, responder: str) -> None:
    """Name ``responder`` in the website's ``responder`` field (in a helper process with
    the backend's environment, as :mod:`bench.database` does)."""
    command = [sys.executable, "-m", "bench.streaming", website_id, responder]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=HELPER_TIMEOUT
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.streaming failed:\n{done.stderr[-3000:]}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.streaming")
    parser.add_argument("website")
    parser.add_argument("responder")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django_livechat.models import Website

    website = Website.objects.get(pk=args.website)
    website.responder = args.responder
    website.full_clean()
    website.save(update_fields=["responder"])
    print(json.dumps({"website_id": str(website.pk), "responder": website.responder}))


if __name__ == "__main__":
    main()
