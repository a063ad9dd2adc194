"""The two backends a phase runs on, and the services behind them.

* ``embedded``: SQLite (a fresh file in the run's temporary directory, WAL) and the
  in-memory channel layer; one server process only.
* ``redis``: PostgreSQL and channels-redis; any number of server processes. Unless URLs
  are given (``--database-url``, ``--redis-url``), the run starts a throwaway
  ``redis-server`` and PostgreSQL cluster on 127.0.0.1 on first use
  (:class:`tests.services.RedisServer`, :class:`tests.services.PostgresServer`) and
  removes them at the end.

A :class:`Backend` is the environment its servers and the database helper
(``python -m bench.database``) get.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.server import tree_cpu_seconds

EMBEDDED, REDIS = "embedded", "redis"
BACKENDS = (EMBEDDED, REDIS)


class ServiceError(RuntimeError):
    """Redis or PostgreSQL could not be had."""


@dataclass
class Backend:
    name: str
    env: dict[str, str]
    description: dict[str, Any] = field(default_factory=dict)


class Services:
    """The backends of one run; the services it started are stopped by :meth:`close`."""

    def __init__(
        self,
        base_env: dict[str, str],
        workdir: Path,
        *,
        redis_url: str | None,
        database_url: str | None,
    ) -> None:
        self.base_env = base_env
        self.workdir = workdir
        self.redis_url = redis_url
        self.database_url = database_url
        self.redis: Any = None  # tests.services.RedisServer, when started here
        self.postgres: Any = None  # tests.services.PostgresServer, when started here
        self.backends: dict[str, Backend] = {}

    def backend(self, name: str) -> Backend:
        if name not in self.backends:
            self.backends[name] = self._embedded() if name == EMBEDDED else self._redis()
        return self.backends[name]

    def _embedded(self) -> Backend:
        env = dict(self.base_env)
        for key in ("LIVECHAT_BENCH_DATABASE_URL", "LIVECHAT_BENCH_REDIS_URL"):
            env.pop(key, None)
        import sqlite3

        return Backend(
            EMBEDDED,
            env,
            {
                "database": f"SQLite {sqlite3.sqlite_version} (WAL)",
                "channel_layer": "InMemoryChannelLayer (capacity 10000)",
            },
        )

    def _redis(self) -> Backend:
        redis_url = self.redis_url or self._start_redis()
        database_url = self.database_url or self._start_postgres()
        env = dict(self.base_env)
        env["LIVECHAT_BENCH_REDIS_URL"] = redis_url
        # One prefix per run: a shared Redis may hold other runs' keys.
        env["LIVECHAT_BENCH_REDIS_PREFIX"] = f"livechat-bench-{os.getpid()}"
        env["LIVECHAT_BENCH_DATABASE_URL"] = database_url
        return Backend(
            REDIS,
            env,
            {
                "database": f"PostgreSQL {self._postgres_version()} at {_safe(database_url)}"
                + ("" if self.database_url else " (started by the run, fsync off)"),
                "channel_layer": f"RedisChannelLayer (capacity 10000) on Redis "
                f"{self._redis_version()} at {_safe(redis_url)}"
                + ("" if self.redis_url else " (started by the run)"),
            },
        )

    def _start_redis(self) -> str:
        from tests.services import RedisServer, ServiceStartError

        executable = shutil.which("redis-server")
        if executable is None:
            raise ServiceError("redis-server is not on PATH: install it or pass --redis-url")
        directory = self.workdir / "redis"
        directory.mkdir(exist_ok=True)
        self.redis = RedisServer(executable, directory)
        try:
            self.redis.start()
        except ServiceStartError as exc:
            raise ServiceError(str(exc)) from exc
        return str(self.redis.url)

    def _start_postgres(self) -> str:
        from tests.services import PostgresServer, ServiceStartError, find_postgres_bindir

        bindir = find_postgres_bindir()
        if bindir is None:
            raise ServiceError("PostgreSQL (initdb, pg_ctl) not found: pass --database-url")
        self.postgres = PostgresServer(bindir)
        try:
            self.postgres.initdb()
        except ServiceStartError as exc:
            self.postgres.remove()
            raise ServiceError(str(exc)) from exc
        return str(self.postgres.url)

    def _redis_version(self) -> str:
        return _version(["redis-server", "--version"], "v=")

    def _postgres_version(self) -> str:
        if self.postgres is not None:
            return _version([str(self.postgres.bindir / "postgres"), "--version"], ") ")
        return "(given)"

    def cpu_seconds(self) -> float:
        """CPU time of the Redis and PostgreSQL processes this run started (0 for given
        URLs: their CPU shows as other processes')."""
        pids = []
        if self.redis is not None and self.redis.process is not None:
            pids.append(self.redis.process.pid)
        if self.postgres is not None:
            with contextlib.suppress(OSError, ValueError, IndexError):
                pids.append(int((self.postgres.data / "postmaster.pid").read_text().split()[0]))
        return tree_cpu_seconds(pids) if pids else 0.0

    def close(self) -> None:
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.remove()


async def redis_clients(url: str) -> int | None:
    """How many clients the Redis at ``url`` has connected (``INFO clients``), or None."""
    parts = urlsplit(url)
    try:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 6379)
    except OSError:
        return None
    try:
        if parts.password:
            writer.write(f"AUTH {parts.password}\r\n".encode())
            await reader.readline()
        writer.write(b"INFO clients\r\n")
        header = await reader.readline()
        if not header.startswith(b"$"):
            return None
        body = await reader.readexactly(int(header[1:]) + 2)
    except (OSError, ValueError, asyncio.IncompleteReadError):
        return None
    finally:
        writer.close()
    for line in body.decode().splitlines():
        if line.startswith("connected_clients:"):
            return int(line.split(":", 1)[1])
    return None


def _version(command: list[str], marker: str) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.split(marker, 1)[-1].split()[0] if marker in out else out.strip()


def _safe(url: str) -> str:
    """A URL without its password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
