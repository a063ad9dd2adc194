"""Service plumbing shared by the whole suite.

* ``redis_url`` (session): ``LIVECHAT_TEST_REDIS_URL``, or a throwaway ``redis-server`` on a
  free 127.0.0.1 port; ``redis_flush`` gives the same URL with its database emptied.
* ``@pytest.mark.postgres``: the test runs against the ``"postgres"`` alias that
  ``tests/settings.py`` adds when ``LIVECHAT_TEST_POSTGRES_URL`` is set; ask for it with
  ``@pytest.mark.django_db(databases=["default", "postgres"])`` and the ``postgres_alias``
  fixture. ``scripts/test`` starts a throwaway PostgreSQL when it can.
* ``@pytest.mark.browser`` / ``chromium_path``: a Chromium executable.
* ``@pytest.mark.redis`` runs the test only where ``redis_url`` can be had.
* ``@pytest.mark.postgres_cluster`` / ``postgres_bindir``: ``initdb`` and ``pg_ctl``, for tests
  that run (and stop, and start) PostgreSQL clusters of their own (``tests/faults/``).

A missing service skips its tests, or fails them when it is named in
``LIVECHAT_REQUIRE_SERVICES`` (see :mod:`tests.services`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import services

MISSING_SERVICE = pytest.StashKey[str]()
POSTGRES_ALIAS = "postgres"


def pytest_configure(config: pytest.Config) -> None:
    try:
        services.required_services()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.addinivalue_line(
        "markers", "slow: takes tens of seconds (builds, installs, fault tests)"
    )
    _create_sqlite_directories()


def pytest_unconfigure(config: pytest.Config) -> None:
    # This run's own directory under tests/.artifacts/ (not a LIVECHAT_TEST_TMPDIR).
    run_dir = Path(__file__).parent / ".artifacts" / f"run-{os.getpid()}"
    if not os.environ.get("LIVECHAT_TEST_TMPDIR") and run_dir.is_dir():
        shutil.rmtree(run_dir, ignore_errors=True)


def _create_sqlite_directories() -> None:
    # tests/settings.py points SQLite at tests/.artifacts/ (or LIVECHAT_TEST_TMPDIR); SQLite
    # creates the file but not its directory.
    from django.conf import settings

    if not settings.configured:
        return
    for database in settings.DATABASES.values():
        if not str(database.get("ENGINE", "")).endswith("sqlite3"):
            continue
        for name in (database.get("NAME"), (database.get("TEST") or {}).get("NAME")):
            if name and str(name) != ":memory:" and not str(name).startswith("file:"):
                Path(name).parent.mkdir(parents=True, exist_ok=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    postgres_items = [item for item in items if item.get_closest_marker("postgres")]
    if not postgres_items:
        return
    reason = _postgres_unavailable_reason()
    if reason is None:
        return
    outcome = services.decide_unavailable("postgres", reason, services.required_services())
    for item in postgres_items:
        if outcome.action == "fail":
            item.stash[MISSING_SERVICE] = outcome.message
        else:
            item.add_marker(pytest.mark.skip(reason=outcome.message))


def _postgres_unavailable_reason() -> str | None:
    from django.conf import settings

    if POSTGRES_ALIAS not in settings.DATABASES:
        return f"{services.POSTGRES_URL_ENV} is unset (scripts/test sets it where initdb is found)"
    return services.postgres_reachable(settings.DATABASES[POSTGRES_ALIAS])


def pytest_runtest_setup(item: pytest.Item) -> None:
    message = item.stash.get(MISSING_SERVICE, None)
    if message is not None:
        pytest.fail(message, pytrace=False)


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> Iterator[None]:
    """Every test starts with the visitor rate limiter's per-process counts empty."""
    from django_livechat.ratelimit import visitor_limiter

    visitor_limiter.reset()
    yield
    visitor_limiter.reset()


@pytest.fixture(autouse=True)
def _services_for_markers(request: pytest.FixtureRequest) -> None:
    """Give ``redis``, ``postgres_cluster`` and ``browser`` tests their service, or
    skip/fail them without it."""
    if request.node.get_closest_marker("redis"):
        request.getfixturevalue("redis_url")
    if request.node.get_closest_marker("postgres_cluster"):
        request.getfixturevalue("postgres_bindir")
    if request.node.get_closest_marker("browser"):
        request.getfixturevalue("chromium_path")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server for the whole session: ``redis://127.0.0.1:PORT/0``."""
    configured = os.environ.get(services.REDIS_URL_ENV)
    if configured:
        problem = _redis_url_problem(configured)
        if problem:
            services.service_unavailable(
                "redis", f"{services.REDIS_URL_ENV}={configured}: {problem}"
            )
        yield configured
        return
    executable = shutil.which("redis-server")
    if executable is None:
        services.service_unavailable(
            "redis", f"redis-server not on PATH and {services.REDIS_URL_ENV} unset"
        )
    try:
        with services.run_redis_server(executable, tmp_path_factory.mktemp("redis")) as url:
            yield url
    except services.ServiceStartError as exc:
        services.service_unavailable("redis", str(exc))


def _redis_url_problem(url: str) -> str | None:
    try:
        import redis
    except ImportError:
        return "redis-py is not installed"
    client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"PING failed ({exc})"
    finally:
        client.close()
    return None


@pytest.fixture
def redis_flush(redis_url: str) -> str:
    """``redis_url`` with its database emptied, so the test starts from nothing."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()
    return redis_url


@pytest.fixture
def postgres_alias() -> str:
    """The PostgreSQL database alias; only ``@pytest.mark.postgres`` tests get past collection."""
    from django.conf import settings

    if POSTGRES_ALIAS not in settings.DATABASES:
        services.service_unavailable("postgres", f"{services.POSTGRES_URL_ENV} is unset")
    return POSTGRES_ALIAS


@pytest.fixture(scope="session")
def postgres_bindir() -> Path:
    """The directory of ``initdb`` and ``pg_ctl``, for clusters a test runs itself."""
    bindir = services.find_postgres_bindir()
    if bindir is None:
        services.service_unavailable(
            "postgres", "initdb and pg_ctl not found (apt-get install postgresql)"
        )
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        services.service_unavailable("postgres", "running as root without runuser")
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            services.service_unavailable(
                "postgres", "running as root and there is no 'postgres' user to run the server"
            )
    return bindir


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium (or Chrome) executable for browser tests."""
    found = services.find_chromium()
    if found is None:
        services.service_unavailable(
            "chromium",
            "no chromium/chromium-browser on PATH and "
            f"{services.CHROMIUM_ENV} unset (apt-get install chromium)",
        )
    return found
