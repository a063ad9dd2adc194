"""Real services for the test suite: Redis, PostgreSQL and Chromium.

A test that needs a service it cannot have is skipped, unless the service is listed in
``LIVECHAT_REQUIRE_SERVICES`` (a comma-separated list, as CI sets it): then it fails, so that
a broken CI machine cannot pass by skipping everything that matters.

The pure decisions live here so that they can be unit-tested; ``tests/conftest.py`` wires
them into fixtures and collection hooks.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

KNOWN_SERVICES = ("redis", "postgres", "chromium")
REQUIRE_ENV = "LIVECHAT_REQUIRE_SERVICES"
REDIS_URL_ENV = "LIVECHAT_TEST_REDIS_URL"
POSTGRES_URL_ENV = "LIVECHAT_TEST_POSTGRES_URL"
CHROMIUM_ENV = "LIVECHAT_TEST_CHROMIUM"

SERVICE_TITLES = {"redis": "Redis", "postgres": "PostgreSQL", "chromium": "Chromium"}

# Where a browser may live when it is not on PATH (macOS app bundles).
# Headless, and quiet: without the background-networking flags Chromium keeps trying to
# reach hosts that this closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_APP_PATHS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)


def required_services(env: Mapping[str, str] | None = None) -> frozenset[str]:
    """The services named in ``LIVECHAT_REQUIRE_SERVICES``; unknown names raise ValueError."""
    raw = (os.environ if env is None else env).get(REQUIRE_ENV, "")
    names = {name.strip().lower() for name in raw.split(",") if name.strip()}
    unknown = names - set(KNOWN_SERVICES)
    if unknown:
        raise ValueError(
            f"{REQUIRE_ENV} names unknown services {sorted(unknown)}; "
            f"known: {', '.join(KNOWN_SERVICES)}"
        )
    return frozenset(names)


@dataclass(frozen=True)
class Unavailable:
    """What to do with a test whose service is missing: ``action`` is "skip" or "fail"."""

    action: str
    message: str


def decide_unavailable(service: str, reason: str, required: frozenset[str]) -> Unavailable:
    """Skip a test whose service is missing, or fail it when the service is required."""
    title = SERVICE_TITLES[service]
    if service in required:
        return Unavailable(
            "fail", f"{title} is required ({REQUIRE_ENV}) but not available: {reason}"
        )
    return Unavailable("skip", f"{title} not available: {reason}")


def service_unavailable(service: str, reason: str) -> NoReturn:
    """Skip the current test, or fail it if ``service`` is required."""
    outcome = decide_unavailable(service, reason, required_services())
    if outcome.action == "fail":
        pytest.fail(outcome.message, pytrace=False)
    pytest.skip(outcome.message)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (the caller retries if it is taken since)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def redis_ping(host: str, port: int, timeout: float = 1.0) -> bool:
    """True if a Redis server answers PING at host:port (plain RESP, no client library)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class ServiceStartError(RuntimeError):
    """A server process did not come up."""


@contextlib.contextmanager
def run_redis_server(executable: str, workdir: Path, *, attempts: int = 3) -> Iterator[str]:
    """Run a throwaway ``redis-server`` on 127.0.0.1 and yield its URL.

    No persistence; the process is terminated (and killed if it must be) on exit.
    """
    last_error = "never started"
    for attempt in range(attempts):
        port = free_port()
        log_path = workdir / f"redis-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    executable,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(workdir),
                ],
                cwd=workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            if _wait_for_redis(process, port, timeout=10.0):
                yield f"redis://127.0.0.1:{port}/0"
                return
            last_error = log_path.read_text(errors="replace")[-2000:] or "no output"
        finally:
            stop_process(process)
        if attempt + 1 < attempts:
            time.sleep(0.2)  # most likely the port was taken in between: try another
    raise ServiceStartError(f"redis-server did not answer PING: {last_error}")


def _wait_for_redis(process: subprocess.Popen[bytes], port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if redis_ping("127.0.0.1", port, timeout=0.5):
            return True
        time.sleep(0.05)
    return False


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Terminate one process we started, and kill it if it does not go."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def find_chromium(env: Mapping[str, str] | None = None) -> str | None:
    """The Chromium (or Chrome) executable: ``LIVECHAT_TEST_CHROMIUM``, PATH, or macOS apps."""
    configured = (os.environ if env is None else env).get(CHROMIUM_ENV)
    if configured:
        return configured if Path(configured).is_file() else shutil.which(configured)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    for candidate in CHROMIUM_APP_PATHS:
        if Path(candidate).is_file():
            return candidate
    return None


def postgres_reachable(settings_dict: Mapping[str, object], timeout: int = 3) -> str | None:
    """None if the PostgreSQL server of a DATABASES entry accepts a connection, else why not.

    Like Django's test runner, it tries the configured database, then ``postgres``: the
    test database does not exist yet, and the configured one need not either.
    """
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'dj-livechat[postgres]')"
    options = {
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
    }
    options = {key: value for key, value in options.items() if value is not None}
    problem = "no database to connect to"
    for dbname in dict.fromkeys([settings_dict.get("NAME") or "postgres", "postgres"]):
        try:
            connection = psycopg.connect(dbname=dbname, connect_timeout=timeout, **options)
        except psycopg.Error as exc:
            text = str(exc).strip()
            problem = text.splitlines()[0] if text else type(exc).__name__
            continue
        connection.close()
        return None
    return f"cannot connect to {POSTGRES_URL_ENV}: {problem}"


# ---------------------------------------------------------------- restartable servers
#
# The fault tests and the benchmark stop and restart Redis and PostgreSQL under a running
# chat server, so these keep their port and data across stop()/start().


@dataclass
class RedisServer:
    """A throwaway ``redis-server`` on 127.0.0.1 that can be stopped and started again on
    the same port (no persistence: a restart empties it, as a crash of a cache would)."""

    executable: str
    workdir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        if self.port == 0:
            self.port = free_port()
        log = (self.workdir / f"redis-{self.port}.log").open("ab")
        with log:
            self.process = subprocess.Popen(
                [
                    self.executable,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.workdir),
                ],
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if not _wait_for_redis(self.process, self.port, timeout):
            self.stop()
            raise ServiceStartError(f"redis-server did not answer PING on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None

    def kill(self) -> None:
        """SIGKILL, as a crash: clients see their connections reset."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def find_postgres_bindir() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl`` (Debian keeps them off PATH)."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    found = None
    for pattern in ("/usr/lib/postgresql/*/bin", "/opt/homebrew/opt/postgresql*/bin"):
        for candidate in sorted(Path("/").glob(pattern.lstrip("/"))):
            if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
                found = candidate
    return found


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1, with one database; ``stop()`` and
    ``start()`` keep port and data, ``kill()`` is an immediate stop, ``remove()`` deletes it.

    As root the server runs as the ``postgres`` user (PostgreSQL refuses root), as
    ``scripts/test`` does; so the cluster lives in a directory of its own under the system's
    temporary directory, which that user can reach (a pytest ``tmp_path`` is private to
    root). Durability is off (fsync): the cluster is deleted afterwards.
    """

    bindir: Path
    database: str = "livechat"
    port: int = 0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="livechat-pg-")))

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(
            command, cwd=self.workdir, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise ServiceStartError(f"{args[0]} failed: {result.stdout}{result.stderr}"[-3000:])

    def initdb(self) -> None:
        if self.port == 0:
            self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres")
        self.workdir.chmod(0o700)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()
        import psycopg

        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        ) as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.workdir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.workdir / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends the sessions and shuts down cleanly; ``immediate`` is a crash."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def kill(self) -> None:
        self.stop("immediate")

    def remove(self) -> None:
        with contextlib.suppress(ServiceStartError):
            self.stop("immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)
