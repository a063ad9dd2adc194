"""Which phases a run has, and what every phase gets to run with.

A phase is ``KIND`` or ``KIND@BACKEND`` (``--phases pipeline,pipeline@redis,storm``):

============  =========================================================  ===================
kind          what                                                       backends (default)
============  =========================================================  ===================
pipeline      the visitor pipeline against a bare Channels round trip    *embedded*, redis
dashboard     visitors plus one agent dashboard against echo + watcher   *embedded*, redis
processes     the pipeline on 1 and on 2 server processes                *redis*
storm         5,000 sockets rejoin at once after the server is killed    embedded, *redis*
idle          server memory with 10,000 idle sockets, pipeline vs echo   embedded, *redis*
search        agents' search on 100,000 messages vs an indexed lookup    *embedded*, redis
streaming     a streamed automatic reply vs the same reply sent whole    *embedded*, redis
============  =========================================================  ===================

``redis`` alone means ``pipeline@redis``; ``search`` alone means both of its backends
(SQLite, and PostgreSQL: ``search@redis``). Thousands of sockets go to Redis by default:
Channels' in-memory layer scans every channel and group on each call, so joining
thousands of sockets to it takes minutes (``storm@embedded``, ``idle@embedded``).

Every phase starts its own servers and stops them, prepares its own website in the
backend's database and checks it afterwards.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import database
from bench.ledger import Ledger, Stored
from bench.server import ROOT, Server
from bench.services import EMBEDDED, REDIS, Backend, Services

KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # kind: (default backend, allowed backends)
    "pipeline": (EMBEDDED, (EMBEDDED, REDIS)),
    "dashboard": (EMBEDDED, (EMBEDDED, REDIS)),
    "processes": (REDIS, (REDIS,)),
    "storm": (REDIS, (EMBEDDED, REDIS)),
    "idle": (REDIS, (EMBEDDED, REDIS)),
    "search": (EMBEDDED, (EMBEDDED, REDIS)),
    "streaming": (EMBEDDED, (EMBEDDED, REDIS)),
}
ALIASES = {"redis": "pipeline@redis", "search": "search@embedded,search@redis"}
DEFAULT = "pipeline,pipeline@redis,dashboard,processes,storm,idle"


@dataclass(frozen=True)
class PhaseSpec:
    kind: str
    backend: str

    @property
    def key(self) -> str:
        default = KINDS[self.kind][0]
        return self.kind if self.backend == default else f"{self.kind}@{self.backend}"


def parse(text: str) -> list[PhaseSpec]:
    """``--phases``: comma-separated ``KIND[@BACKEND]``; ValueError says what is wrong."""
    specs: list[PhaseSpec] = []
    names = [n for raw in text.split(",") for n in ALIASES.get(raw.strip(), raw).split(",")]
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        kind, _, backend = name.partition("@")
        if kind not in KINDS:
            raise ValueError(f"unknown phase {kind!r}; known: {', '.join(KINDS)}")
        default, allowed = KINDS[kind]
        backend = backend or default
        if backend not in allowed:
            raise ValueError(f"{kind} runs on {' or '.join(allowed)}, not {backend!r}")
        spec = PhaseSpec(kind, backend)
        if spec not in specs:
            specs.append(spec)
    if not specs:
        raise ValueError("no phases given")
    return specs


@dataclass
class PhaseResult:
    """What a phase reports: its table rows, its ratio, its ledgers, its failures."""

    key: str
    kind: str
    backend: str
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    ratio: dict[str, Any] | None = None
    ledgers: list[Ledger] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and all(ledger.ok for ledger in self.ledgers)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "backend": self.backend,
            "ok": self.ok,
            "rows": self.rows,
            "ratio": self.ratio,
            "ledgers": [ledger.as_dict() for ledger in self.ledgers],
            "notes": self.notes,
            "error_count": len(self.errors),
            "errors": self.errors[:20],
            **self.extra,
        }


@dataclass
class Context:
    """What a phase runs with: the options, the backends, a place for files."""

    args: argparse.Namespace
    services: Services
    workdir: Path
    servers: list[Server] = field(default_factory=list)

    def backend(self, spec: PhaseSpec) -> Backend:
        return self.services.backend(spec.backend)

    def server(
        self, backend: Backend, label: str, extra_env: dict[str, str] | None = None
    ) -> Server:
        """A server of ``backend`` (not started); stopped at the end of the run if the
        phase has not stopped it."""
        server = Server(
            {**backend.env, **(extra_env or {})},
            self.workdir / f"server-{label.replace('@', '-')}.log",
            ws=self.args.ws,
            loop=self.args.loop,
            backlog=self.args.backlog,
        )
        self.servers.append(server)
        return server

    def prepare(self, backend: Backend, name: str, *, agent: bool = False) -> dict[str, Any]:
        return database.prepare(backend.env, ROOT, name, agent=agent)

    def stored(self, backend: Backend, website_id: str) -> Stored:
        out = self.workdir / f"export-{website_id}.json"
        return Stored.from_export(database.export(backend.env, ROOT, website_id, out))


Runner = Callable[[Context, PhaseSpec], PhaseResult]
