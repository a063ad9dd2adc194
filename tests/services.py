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
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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
