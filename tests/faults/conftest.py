"""Real processes for the fault tests, which kill, stop and restart them (issue 8).

Each test module gets its own (module scope):

* ``redis_server``: a :class:`tests.services.RedisServer` that a test may kill and start
  again on the same port;
* ``postgres_server``: a private PostgreSQL cluster (:class:`tests.services.PostgresServer`,
  ``initdb`` in a second), which a test may stop and start;
* ``chat_server``: the example project (:class:`tests.live_server.LiveServer`) on both, its
  database migrated and the demo website and agent created; a module tunes ``LIVECHAT``
  by overriding the ``livechat_overrides`` fixture (handed over in
  ``LIVECHAT_SETTINGS_JSON``, over :data:`tests.live_server.ONE_MACHINE`).

``new_visitor(name, **options)`` makes a :class:`tests.faults.client.Visitor` of the demo
website; ``report_counts`` prints a test's counts line, records it as the ``counts`` property
(``--junitxml``) and repeats every line in the terminal summary, captured output or not.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests import services
from tests.faults.audit import Counts
from tests.faults.client import Visitor
from tests.live_server import WEBSITE_NAME, LiveServer

COUNT_LINES = pytest.StashKey[list[str]]()


@pytest.fixture(scope="module")
def livechat_overrides() -> dict[str, Any]:
    """``LIVECHAT`` settings merged over the example project's; none by default."""
    return {}


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[services.RedisServer]:
    executable = shutil.which("redis-server")
    if executable is None:
        services.service_unavailable("redis", "redis-server is not on PATH")
    server = services.RedisServer(executable, tmp_path_factory.mktemp("redis"))
    try:
        server.start()
    except services.ServiceStartError as exc:
        services.service_unavailable("redis", str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def postgres_server(postgres_bindir: Path) -> Iterator[services.PostgresServer]:
    server = services.PostgresServer(postgres_bindir)
    try:
        try:
            server.initdb()
        except services.ServiceStartError as exc:
            services.service_unavailable("postgres", str(exc))
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def chat_server(
    tmp_path_factory: pytest.TempPathFactory,
    redis_server: services.RedisServer,
    postgres_server: services.PostgresServer,
    livechat_overrides: dict[str, Any],
) -> Iterator[LiveServer]:
    server = LiveServer(
        tmp_path_factory.mktemp("chat"),
        redis_server.url,
        database_url=postgres_server.url,
        livechat=livechat_overrides,
    )
    server.manage("migrate", "--verbosity", "0")
    server.manage("demo_setup", "--port", str(server.port))
    with psycopg.connect(postgres_server.url, connect_timeout=10) as connection:
        row = connection.execute(
            "SELECT id::text, identity_secret FROM django_livechat_website WHERE name = %s",
            [WEBSITE_NAME],
        ).fetchone()
    assert row is not None, "demo_setup made no website"
    server.website_id, server.identity_secret = row
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def new_visitor(chat_server: LiveServer) -> Callable[..., Visitor]:
    """``new_visitor(name, **options)``: a :class:`Visitor` of the demo website, on a page
    of the server's own origin (not started)."""

    def make(name: str, **options: Any) -> Visitor:
        return Visitor(
            chat_server.url, chat_server.website_id, name=name, origin=chat_server.origin, **options
        )

    return make


@pytest.fixture
def report_counts(
    request: pytest.FixtureRequest, record_property: Callable[[str, object], None]
) -> Callable[[Counts], str]:
    """Print, record and remember a test's counts line; returns it."""

    def report(counts: Counts) -> str:
        line = counts.line()
        print(f"counts: {line}")
        record_property("counts", line)
        request.config.stash.setdefault(COUNT_LINES, []).append(f"{request.node.nodeid}: {line}")
        return line

    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    lines = config.stash.get(COUNT_LINES, [])
    if lines:
        terminalreporter.section("fault test counts")
        for line in lines:
            terminalreporter.write_line(line)
