from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import redis

from tests import services

NONE_REQUIRED: frozenset[str] = frozenset()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", set()),
        ("redis", {"redis"}),
        (" Redis , postgres,,chromium ", {"redis", "postgres", "chromium"}),
    ],
)
def test_required_services_parses_the_comma_list(raw, expected):
    assert services.required_services({services.REQUIRE_ENV: raw}) == expected


def test_required_services_defaults_to_none():
    assert services.required_services({}) == NONE_REQUIRED


def test_required_services_rejects_unknown_names():
    with pytest.raises(ValueError, match="mysql"):
        services.required_services({services.REQUIRE_ENV: "redis,mysql"})


def test_a_missing_service_skips_when_not_required():
    outcome = services.decide_unavailable("redis", "redis-server not on PATH", NONE_REQUIRED)
    assert outcome.action == "skip"
    assert outcome.message == "Redis not available: redis-server not on PATH"


def test_a_missing_service_fails_when_required():
    outcome = services.decide_unavailable(
        "postgres", "LIVECHAT_TEST_POSTGRES_URL is unset", frozenset({"postgres", "redis"})
    )
    assert outcome.action == "fail"
    assert "PostgreSQL is required" in outcome.message
    assert "LIVECHAT_TEST_POSTGRES_URL is unset" in outcome.message


def test_requiring_one_service_does_not_require_another():
    outcome = services.decide_unavailable("chromium", "not found", frozenset({"redis"}))
    assert outcome.action == "skip"


def test_free_port_is_bindable_on_loopback():
    port = services.free_port()
    assert 0 < port < 65536


def test_redis_ping_is_false_where_nothing_listens():
    assert services.redis_ping("127.0.0.1", services.free_port(), timeout=0.5) is False


def test_find_chromium_honours_the_environment(tmp_path):
    fake = tmp_path / "my-chrome"
    fake.write_text("")
    assert services.find_chromium({services.CHROMIUM_ENV: str(fake)}) == str(fake)


def test_postgres_reachable_explains_a_refused_connection():
    port = services.free_port()
    problem = services.postgres_reachable(
        {"HOST": "127.0.0.1", "PORT": port, "USER": "nobody", "NAME": "nothing"}, timeout=2
    )
    assert problem is not None
    assert services.POSTGRES_URL_ENV in problem


@pytest.mark.redis
def test_redis_url_answers_ping(redis_url):
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
    finally:
        client.close()


def test_redis_flush_empties_the_database(redis_url, request):
    client = redis.Redis.from_url(redis_url)
    try:
        client.set("livechat-test-leftover", "1")
        assert request.getfixturevalue("redis_flush") == redis_url
        assert client.exists("livechat-test-leftover") == 0
    finally:
        client.close()


def test_run_redis_server_stops_its_process(tmp_path):
    executable = shutil.which("redis-server")
    if executable is None:
        services.service_unavailable("redis", "redis-server not on PATH")
    with services.run_redis_server(executable, tmp_path) as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        assert services.redis_ping("127.0.0.1", port)
    assert not services.redis_ping("127.0.0.1", port)


def test_sqlite_test_database_directory_exists():
    from django.conf import settings

    assert Path(settings.DATABASES["default"]["TEST"]["NAME"]).parent.is_dir()


@pytest.mark.postgres
@pytest.mark.django_db(databases=["default", "postgres"])
def test_postgres_alias_is_a_live_postgresql_database(postgres_alias):
    from django.db import connections

    connection = connections[postgres_alias]
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.browser
def test_chromium_path_is_executable(chromium_path):
    assert os.access(chromium_path, os.X_OK)


def _run_inner_pytest(tmp_path: Path, body: str, env: dict[str, str]) -> tuple[int, str]:
    """Run a small test file, outside the tree, with this suite's conftest as a plugin."""
    test_file = tmp_path / "test_inner_services.py"
    test_file.write_text(textwrap.dedent(body))
    root = Path(__file__).parent.parent
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(root / "pyproject.toml"),
            "--rootdir",
            str(root),
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "-rs",
            "-q",
            str(test_file),
        ],
        cwd=root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


INNER_POSTGRES_TEST = """
    from __future__ import annotations

    import pytest


    @pytest.mark.postgres
    def test_needs_postgres(postgres_alias):
        pass
"""


def test_postgres_tests_skip_without_the_url(tmp_path):
    env = {services.REQUIRE_ENV: "", services.POSTGRES_URL_ENV: ""}
    code, output = _run_inner_pytest(tmp_path, INNER_POSTGRES_TEST, env)
    assert code == 0, output
    assert "1 skipped" in output
    assert "PostgreSQL not available: LIVECHAT_TEST_POSTGRES_URL is unset" in output


def test_postgres_tests_fail_without_the_url_when_required(tmp_path):
    env = {services.REQUIRE_ENV: "postgres", services.POSTGRES_URL_ENV: ""}
    code, output = _run_inner_pytest(tmp_path, INNER_POSTGRES_TEST, env)
    # pytest counts a failure in setup as an error: the run fails either way.
    assert code == 1, output
    assert "PostgreSQL is required" in output
