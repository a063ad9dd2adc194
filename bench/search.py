"""The ``search`` phase: the agents' search on 100,000 messages, against a plain indexed
lookup measured in the same run on the same data.

``--phases search`` runs it on SQLite (``search``, the ``icontains`` fallback) and on
PostgreSQL (``search@redis``: full-text search through migration 0009's GIN index). The
work runs in a helper process (``python -m bench.search``, Django set up with the
backend's environment, like :mod:`bench.database`): it loads ``--search-messages``
messages (100,000 by default; ``bulk_create``) in conversations of 10 to 40 messages,
their words drawn from a Zipf distribution over a chat vocabulary and a long tail of
rarer words, then calls each query kind in a closed loop for ``--seconds``:

* ``baseline``: a conversation's last 50 messages, by the ``(conversation, seq)`` index
  (what opening a conversation reads);
* ``search rare``: a word in a handful of messages; ``search common``: a word in about
  one message in six; ``search two words``: a common and a less common word together;
  ``search visitor``: a visitor's surname (name, email and identifier, no message hit).

Each search is :func:`django_livechat.pipeline.search.find` as the socket and the HTTP
API call it (the agent's scope, one result per conversation, snippets), in one thread.
Reported: queries per second, latency percentiles, results per query, and each kind's
rate over the baseline's. The rare-word answers are checked: every conversation holding
the word (up to the limit) is found, and on PostgreSQL nothing else.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.phases import Context, PhaseResult, PhaseSpec
from bench.report import percentile, table
from bench.server import ROOT

MESSAGES = 100_000
SEED = 12
HELPER_TIMEOUT = 1800.0
#: Queries per kind at most (the loop also stops after --seconds).
MAX_QUERIES = 20_000
KINDS = ("baseline", "search rare", "search common", "search two words", "search visitor")

# The words of support chats, most frequent first (their rank sets their Zipf weight).
_CHAT_WORDS = """
    the i to you a is my it and for of on can in this be have with not we order your
    please what thanks hi hello at do there but how will me if from that no get help
    when just so are an was one would about up like our time could need know here
    account payment delivery shipping parcel refund return product price card email
    address problem issue working page login password website support thank great today
    tomorrow week days still again yet already sent received check update sorry yes ok
    okay sure right now soon later wait minute moment number code link phone size colour
    color small large medium box item items package tracking status cancel change
    changed invoice receipt discount coupon offer sale free cost total euro dollars
    charge charged twice bank transfer paypal app mobile browser error message screen
    button click open opened closed store shop buy bought new old broken damaged missing
    wrong late early fast slow quick best better good bad
"""
CHAT_WORDS = _CHAT_WORDS.split()
_SYLLABLES = """
    ka lo mi re su ta ve no pi ra de lu zo be fi ga ho ni po qu si tu wa xe yo
"""
SYLLABLES = _SYLLABLES.split()
_SURNAMES = """
    smith jones taylor brown williams wilson johnson davies robinson wright thompson
    evans walker white roberts green hall wood jackson clarke patel khan lewis james
    phillips turner hill moore cooper ward morris king watson harris lee martin young
"""
SURNAMES = _SURNAMES.split()
_FIRST_NAMES = """
    ada bob cat dan eve fay gus hal ivy jon kim lea max ned olga pia rex sam
"""
FIRST_NAMES = _FIRST_NAMES.split()


def run(ctx: Context, spec: PhaseSpec) -> PhaseResult:
    result = PhaseResult(spec.key, spec.kind, spec.backend)
    try:
        backend = ctx.backend(spec)
        ids = ctx.prepare(backend, f"Benchmark {spec.key}", agent=True)
        out = ctx.workdir / f"search-{spec.backend}.json"
        print(
            f"running {spec.key}: loading {ctx.args.search_messages} messages, then "
            f"{len(KINDS)} query kinds for {ctx.args.seconds:g} s each",
            flush=True,
        )
        command = [
            sys.executable,
            "-m",
            "bench.search",
            "--website",
            ids["website_id"],
            "--agent",
            str(ids["agent_id"]),
            "--messages",
            str(ctx.args.search_messages),
            "--seconds",
            str(ctx.args.seconds),
            "--out",
            str(out),
        ]
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=backend.env,
            capture_output=True,
            text=True,
            timeout=HELPER_TIMEOUT,
        )
        if done.returncode != 0:
            raise RuntimeError(f"bench.search failed:\n{done.stderr[-3000:]}")
        measured = json.loads(out.read_text())
    except Exception as exc:
        result.errors.append(f"{type(exc).__name__}: {exc}")
        return result
    result.extra["search"] = measured
    result.errors.extend(measured["problems"])
    queries = measured["queries"]
    baseline = queries["baseline"]["qps"]
    ratios = {kind: round(row["qps"] / baseline, 4) for kind, row in queries.items() if baseline}
    result.extra["ratios"] = ratios
    if "search rare" in ratios:
        result.ratio = {
            "label": "search rare / baseline (queries per second)",
            "value": ratios["search rare"],
        }
    return result


def report_table(result: PhaseResult) -> str:
    """The phase's own table (printed after the common report lines)."""
    measured = result.extra.get("search")
    if not measured:
        return ""
    lines: list[tuple[str, ...]] = [
        ("", "queries/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "results", "/ baseline")
    ]
    for kind, row in measured["queries"].items():
        latency = row["latency_ms"]
        lines.append(
            (
                kind,
                f"{row['qps']:.0f}",
                f"{latency['p50']:.2f}",
                f"{latency['p95']:.2f}",
                f"{latency['p99']:.2f}",
                f"{latency['max']:.2f}",
                f"{row['results_mean']:.1f}",
                f"{result.extra['ratios'].get(kind, 0):.4f}",
            )
        )
    data = measured["data"]
    return "\n".join(
        [
            f"data: {data['messages']} messages in {data['conversations']} conversations, "
            f"loaded in {data['load_s']:.1f} s; a rare word is in {data['rare_frequency']} "
            f"messages, a common one in {data['common_frequency']} (means)",
            table(lines),
        ]
    )


# ---------------------------------------------------------------- the helper's side


class Corpus:
    """Messages of seeded random words: a Zipf distribution over :data:`CHAT_WORDS` and a
    tail of made-up words, so that some words are common and most are rare."""

    def __init__(self, rng: random.Random, tail: int = 20_000) -> None:
        self.rng = rng
        made_up: set[str] = set()
        while len(made_up) < tail:
            # All of one length: none is a part of another, which SQLite's icontains
            # would find too.
            made_up.add("".join(rng.choice(SYLLABLES) for _ in range(4)))
        self.words = CHAT_WORDS + sorted(made_up - set(CHAT_WORDS))
        weights = [1 / (rank**1.05) for rank in range(1, len(self.words) + 1)]
        self.cumulative: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)

    def message(self) -> str:
        count = self.rng.randint(4, 30)
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=count)
        text = " ".join(words)
        return text[0].upper() + text[1:] + self.rng.choice((".", "?", "!", ""))


def _load(website_id: str, messages: int, rng: random.Random) -> dict[str, Any]:
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from django_livechat.models import Conversation, Message

    corpus = Corpus(rng)
    began = time.perf_counter()
    conversations: list[Any] = []
    batch: list[Any] = []
    holding: dict[str, set[int]] = {}  # word: the conversations holding it
    counts: dict[str, int] = {}  # word: the messages holding it
    stored = 0
    with transaction.atomic():
        while stored < messages:
            length = min(rng.randint(10, 40), messages - stored)
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            number = len(conversations)
            conversation = Conversation(
                website_id=website_id,
                visitor_name=f"{first.title()} {last.title()}",
                visitor_email=f"{first}.{last}{number}@example.com",
                visitor_identifier=f"user-{number}",
                last_seq=length,
            )
            conversations.append(conversation)
            for seq in range(1, length + 1):
                text = corpus.message()
                for word in set(text.lower().strip(".?!").split()):
                    holding.setdefault(word, set()).add(number)
                    counts[word] = counts.get(word, 0) + 1
                batch.append(
                    Message(
                        conversation=conversation,
                        seq=seq,
                        role="user" if seq % 2 else "agent",
                        content=text,
                    )
                )
            stored += length
        Conversation.objects.bulk_create(conversations, batch_size=2000)
        for i in range(0, len(batch), 5000):
            Message.objects.bulk_create(batch[i : i + 5000])
        _spread_times(conversations, timezone.now() - timedelta(days=90))
    if connection.vendor == "postgresql":
        # What autovacuum soon does after a load: statistics for the planner, and the GIN
        # index's pending list (fastupdate) merged, which a search would otherwise scan.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(Message._meta.db_table)}")
            cursor.execute("ANALYZE")
    return {
        "conversations": conversations,
        "holding": holding,
        "counts": counts,
        "load_s": time.perf_counter() - began,
    }


def _spread_times(conversations: list[Any], start: Any) -> None:
    """Conversations (and their messages) over 90 days, one after the other, as a real
    inbox has them (``bulk_create`` stamped them all with the same moment)."""
    from datetime import timedelta

    from django_livechat.models import Conversation, Message

    step = timedelta(days=90) / len(conversations)
    for index, conversation in enumerate(conversations):
        conversation.last_message_at = start + step * (index + 1)
        Message.objects.filter(conversation=conversation).update(created_at=start + step * index)
    Conversation.objects.bulk_update(conversations, ["last_message_at"], batch_size=2000)


def _measure(call: Callable[[int], int], seconds: float) -> dict[str, Any]:
    """Call ``call(i)`` (it returns the number of results) in a loop for ``seconds``."""
    for i in range(5):  # warm the caches and the connection
        call(i)
    latencies: list[float] = []
    results = 0
    began = time.perf_counter()
    while len(latencies) < MAX_QUERIES and time.perf_counter() - began < seconds:
        t0 = time.perf_counter()
        results += call(len(latencies))
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "queries": len(latencies),
        "seconds": round(elapsed, 2),
        "qps": round(len(latencies) / elapsed, 1),
        "latency_ms": {
            name: round(percentile(latencies, q) * 1000, 3)
            for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
        },
        "results_mean": round(results / max(1, len(latencies)), 2),
    }


def _pick(counts: dict[str, int], low: int, high: int, n: int, rng: random.Random) -> list[str]:
    fitting = sorted(w for w, c in counts.items() if low <= c <= high and len(w) > 2)
    return rng.sample(fitting, min(n, len(fitting)))


def _helper(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from django_livechat.models import Message
    from django_livechat.pipeline.search import SEARCH_LIMIT, find

    rng = random.Random(SEED)
    data = _load(args.website, args.messages, rng)
    conversations, counts = data["conversations"], data["counts"]
    total = len(conversations)
    user = get_user_model().objects.get(pk=args.agent)
    # Words by the number of messages holding them.
    n = args.messages
    rare = _pick(counts, 3, 10, 50, rng)
    common = _pick(counts, n // 10, n // 4, 10, rng)
    middling = _pick(counts, n // 200, n // 50, 10, rng)
    surnames = SURNAMES
    problems: list[str] = []
    if not rare or not common or not middling:
        problems.append(f"no words fit: rare {len(rare)}, common {len(common)}, {len(middling)}")
        return {"problems": problems}

    def baseline(i: int) -> int:
        conversation = conversations[(i * 7919) % total]
        return len(list(Message.objects.filter(conversation=conversation).order_by("-seq")[:50]))

    def searching(words: list[str]) -> Callable[[int], int]:
        return lambda i: len(find(user, words[i % len(words)]))

    two_words = [f"{common[i % len(common)]} {middling[i]}" for i in range(len(middling))]
    queries = {
        "baseline": _measure(baseline, args.seconds),
        "search rare": _measure(searching(rare), args.seconds),
        "search common": _measure(searching(common), args.seconds),
        "search two words": _measure(searching(two_words), args.seconds),
        "search visitor": _measure(searching(surnames), args.seconds),
    }
    exact = connection.vendor == "postgresql"  # SQLite's icontains also finds longer words
    for word in rare:
        expected = {str(conversations[c].id) for c in data["holding"][word]}
        found = {r["conversation_id"] for r in find(user, word)}
        if (len(expected) <= SEARCH_LIMIT and not expected <= found) or (
            exact and found != expected
        ):
            problems.append(
                f"search {word!r}: {len(expected)} conversations hold it, {len(found)} found, "
                f"{len(expected - found)} of them missing"
            )
    messages = Message.objects.filter(conversation__website_id=args.website).count()
    if messages != args.messages:
        problems.append(f"{messages} messages stored, {args.messages} loaded")
    frequency = {kind: words for kind, words in (("rare", rare), ("common", common))}
    return {
        "data": {
            "messages": messages,
            "conversations": total,
            "vocabulary": len(counts),
            "load_s": round(data["load_s"], 1),
            "rare_frequency": _mean_frequency(frequency["rare"], counts),
            "common_frequency": _mean_frequency(frequency["common"], counts),
            "database": connection.vendor,
        },
        "words": {"rare": rare[:10], "common": common, "two_words": two_words},
        "queries": queries,
        "problems": problems,
    }


def _mean_frequency(words: list[str], counts: dict[str, int]) -> int:
    return round(sum(counts[w] for w in words) / len(words))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search")
    parser.add_argument("--website", required=True)
    parser.add_argument("--agent", required=True)
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    args.out.write_text(json.dumps(_helper(args)))


if __name__ == "__main__":
    main()
