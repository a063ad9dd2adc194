from __future__ import annotations

import sys
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.core import checks as django_checks
from django.core.checks import Error, Warning
from django.core.management import call_command
from django.test import modify_settings, override_settings

from django_livechat import checks
from django_livechat.checks import (
    VALUE_RULES,
    check_channel_layer,
    check_cors_headers,
    check_settings,
    check_sqlite_concurrency,
)
from django_livechat.conf import DEFAULTS


def ids(messages):
    return [message.id for message in messages]


def livechat_ids(messages):
    return [m.id for m in messages if m.id and m.id.startswith("django_livechat.")]


def test_the_test_settings_pass_every_check():
    assert livechat_ids(django_checks.run_checks()) == []
    call_command("check")


def test_the_checks_are_registered():
    with override_settings(LIVECHAT={"MAX_MESSAGE_LENGTH": 0}, CHANNEL_LAYERS={}, MIDDLEWARE=[]):
        found = livechat_ids(django_checks.run_checks())
    # One id from each check function.
    assert sorted(found) == [
        "django_livechat.E007",
        "django_livechat.E017",
        "django_livechat.E018",
        "django_livechat.W004",
    ]


# LIVECHAT as a whole --------------------------------------------------------


@override_settings(LIVECHAT={})
def test_an_empty_dict_passes():
    assert check_settings() == []


def test_no_livechat_setting_passes():
    with override_settings():
        del settings.LIVECHAT
        assert check_settings() == []


@pytest.mark.parametrize("value", [None, [], "SQLITE_WAL", [("SQLITE_WAL", True)]])
def test_e001_livechat_not_a_dict(value):
    with override_settings(LIVECHAT=value):
        messages = check_settings()
    assert ids(messages) == ["django_livechat.E001"]
    assert isinstance(messages[0], Error)


@override_settings(LIVECHAT={"SQLITE_WALL": True, "AUTO_RESPONSE": "Hi", "SQLITE_WAL": True})
def test_w001_unknown_keys():
    messages = check_settings()
    assert ids(messages) == ["django_livechat.W001", "django_livechat.W001"]
    assert all(isinstance(message, Warning) for message in messages)
    assert "'AUTO_RESPONSE'" in messages[0].msg
    assert "'SQLITE_WALL'" in messages[1].msg


# One value rule per setting --------------------------------------------------

BAD_VALUES = [
    ("AUTO_RESPONSE_ENABLED", "E002", ["yes", 1, None]),
    ("AUTO_RESPONSE_TEXT", "E003", ["", "   ", None, 42]),
    ("RESPONDER_TIMEOUT", "E005", [0, -1, "10", True, None]),
    ("RESPONDER_ERRORS_TO_VISITOR", "E006", ["no", 0]),
    ("MAX_MESSAGE_LENGTH", "E007", [0, -5, 10.5, "4000", True]),
    ("RATE_LIMIT_MESSAGES", "E008", [-1, 1.5, None, False]),
    ("RATE_LIMIT_PERIOD", "E009", [0, -60, "60"]),
    ("TYPING_TIMEOUT", "E010", [0, -2, "10"]),
    ("VISITOR_TOKEN_MAX_AGE", "E011", [0, -1, "3600", 1.5]),
    ("RECONNECT_MAX_RETRIES", "E012", [-1, 2.0, None]),
    ("RECONNECT_BASE_DELAY", "E013", [0, -0.5, "1"]),
    ("DEFAULT_WEBSITE_ID", "E014", ["not-a-uuid", 42, ""]),
    ("WS_PATH_PREFIX", "E015", ["/ws/livechat/", "ws/livechat", "", "ws//", "ws livechat/", None]),
    ("SQLITE_WAL", "E016", ["true", 1, None]),
    ("RESPONDER_CONCURRENCY", "E019", [0, -1, 2.5, "8", True, None]),
    ("HEARTBEAT_INTERVAL", "E020", [0, -5, "25", None, False]),
]

GOOD_VALUES = [
    ("AUTO_RESPONSE_ENABLED", [True, False]),
    ("AUTO_RESPONSE_TEXT", ["Hi!", DEFAULTS["AUTO_RESPONSE_TEXT"]]),
    ("RESPONDER_TIMEOUT", [0.5, 3]),
    ("RESPONDER_ERRORS_TO_VISITOR", [True, False]),
    ("MAX_MESSAGE_LENGTH", [1, 4000]),
    ("RATE_LIMIT_MESSAGES", [0, 20]),
    ("RATE_LIMIT_PERIOD", [0.5, 60]),
    ("TYPING_TIMEOUT", [1, 2.5]),
    ("VISITOR_TOKEN_MAX_AGE", [None, 1, 86400]),
    ("RECONNECT_MAX_RETRIES", [0, 8]),
    ("RECONNECT_BASE_DELAY", [0.1, 2]),
    (
        "DEFAULT_WEBSITE_ID",
        [None, "2f1e6a52-6f53-4d1e-9a40-0d2b1f3c4e5a", uuid.UUID(int=1)],
    ),
    ("WS_PATH_PREFIX", ["ws/livechat/", "ws/", "support/chat.v2/"]),
    ("SQLITE_WAL", [True, False]),
    ("RESPONDER_CONCURRENCY", [1, 8, 64]),
    ("HEARTBEAT_INTERVAL", [1, 25, 0.5]),
]


def test_every_value_rule_is_tested():
    assert {name: rule[0] for name, rule in VALUE_RULES.items()} == {
        name: check_id for name, check_id, _ in BAD_VALUES
    }
    assert [name for name, _ in GOOD_VALUES] == [name for name, _, _ in BAD_VALUES]
    # RESPONDER has its own check (E004); every other setting has a value rule.
    assert set(VALUE_RULES) | {"RESPONDER"} == set(DEFAULTS)


@pytest.mark.parametrize(
    ("name", "check_id", "value"),
    [(name, check_id, value) for name, check_id, values in BAD_VALUES for value in values],
)
def test_bad_value(name, check_id, value):
    with override_settings(LIVECHAT={name: value}):
        messages = check_settings()
    assert ids(messages) == [f"django_livechat.{check_id}"]
    assert isinstance(messages[0], Error)
    assert f"LIVECHAT[{name!r}]" in messages[0].msg
    assert repr(value) in messages[0].msg


@pytest.mark.parametrize(
    ("name", "value"),
    [(name, value) for name, values in GOOD_VALUES for value in values],
)
def test_good_value(name, value):
    with override_settings(LIVECHAT={name: value}):
        assert check_settings() == []


def test_several_problems_are_all_reported():
    with override_settings(
        LIVECHAT={"MAX_MESSAGE_LENGTH": 0, "SQLITE_WAL": "yes", "TYPO": 1, "RESPONDER": 42}
    ):
        found = ids(check_settings())
    assert sorted(found) == [
        "django_livechat.E004",
        "django_livechat.E007",
        "django_livechat.E016",
        "django_livechat.W001",
    ]


# E004: RESPONDER ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "django_livechat.responders.acknowledge",
        "tests.test_checks.async_responder",
        "tests.test_checks.CallableResponder",
    ],
)
def test_e004_good_responder(path):
    with override_settings(LIVECHAT={"RESPONDER": path}):
        assert check_settings() == []


async def async_responder(conversation, message):
    return None


class CallableResponder:
    def __call__(self, conversation, message):
        return None


NOT_CALLABLE = "not callable"


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        (None, "must be a dotted path string"),
        (42, "must be a dotted path string"),
        ("", "must be a dotted path string"),
        (["django_livechat.responders.acknowledge"], "must be a dotted path string"),
        ("acknowledge", "cannot be imported"),
        ("no_such_package.responders.answer", "cannot be imported"),
        ("django_livechat.responders.no_such_function", "cannot be imported"),
        ("tests.test_checks.NOT_CALLABLE", "is not callable"),
    ],
)
def test_e004_bad_responder(path, problem):
    with override_settings(LIVECHAT={"RESPONDER": path}):
        messages = check_settings()
    assert ids(messages) == ["django_livechat.E004"]
    assert isinstance(messages[0], Error)
    assert problem in messages[0].msg
    assert repr(path) in messages[0].msg


# E017, W002, W003: the channel layer ------------------------------------------


def test_e017_no_channel_layers_setting():
    with override_settings():
        del settings.CHANNEL_LAYERS
        messages = check_channel_layer()
    assert ids(messages) == ["django_livechat.E017"]
    assert isinstance(messages[0], Error)


@pytest.mark.parametrize(
    "layers",
    [{}, {"other": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}, None, ["default"]],
)
def test_e017_no_default_layer(layers):
    with override_settings(CHANNEL_LAYERS=layers):
        assert ids(check_channel_layer()) == ["django_livechat.E017"]


IN_MEMORY = "channels.layers.InMemoryChannelLayer"


@override_settings(
    CHANNEL_LAYERS={"default": {"BACKEND": IN_MEMORY, "CONFIG": {"capacity": 10_000}}}
)
def test_in_memory_layer_passes():
    with mock.patch.object(checks, "_redis_py_major", return_value=8):
        assert check_channel_layer() == []


# W005: a layer capacity that drops under a burst ----------------------------


@pytest.mark.parametrize("backend", [IN_MEMORY, "channels_redis.core.RedisChannelLayer"])
@pytest.mark.parametrize(
    "config", [None, {}, {"capacity": 100}, {"capacity": 999}, {"capacity": "5000"}]
)
def test_w005_a_small_or_default_capacity(backend, config):
    layer = {"BACKEND": backend}
    if config is not None:
        layer["CONFIG"] = {**config, "hosts": [TUNED_HOST]} if "redis" in backend else config
    with (
        override_settings(CHANNEL_LAYERS={"default": layer}),
        mock.patch.object(checks, "_redis_py_major", return_value=8),
    ):
        messages = check_channel_layer()
    assert "django_livechat.W005" in ids(messages)
    (warning,) = [m for m in messages if m.id == "django_livechat.W005"]
    assert isinstance(warning, Warning) and "10000" in warning.hint


@pytest.mark.parametrize("capacity", [1000, 10_000, 100_000])
def test_w005_a_capacity_sized_for_chat_passes(capacity):
    layer = {"BACKEND": IN_MEMORY, "CONFIG": {"capacity": capacity}}
    with override_settings(CHANNEL_LAYERS={"default": layer}):
        assert check_channel_layer() == []


def test_w005_other_backends_are_not_judged():
    layer = {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [TUNED_HOST]},
    }
    with override_settings(CHANNEL_LAYERS={"default": layer}):
        assert "django_livechat.W005" not in ids(check_channel_layer())


REDIS_BACKEND = "channels_redis.core.RedisChannelLayer"
TUNED_HOST = {
    "address": "redis://127.0.0.1:6379/0",
    "socket_timeout": None,
    "max_connections": 10000,
}


def redis_layer(*hosts, backend=REDIS_BACKEND):
    """A channels-redis layer whose capacity is sized (W005 has tests of its own)."""
    layer = {"BACKEND": backend, "CONFIG": {"capacity": 10_000}}
    if hosts:
        layer["CONFIG"]["hosts"] = list(hosts)
    return {"default": layer}


def channel_layer_ids(layers, redis_major=8):
    with (
        override_settings(CHANNEL_LAYERS=layers),
        mock.patch.object(checks, "_redis_py_major", return_value=redis_major),
    ):
        messages = check_channel_layer()
    assert all(isinstance(message, Warning) for message in messages)
    return ids(messages)


BOTH = ["django_livechat.W002", "django_livechat.W003"]


@pytest.mark.parametrize(
    "layers",
    [
        redis_layer("redis://127.0.0.1:6379/0"),
        redis_layer(("127.0.0.1", 6379)),
        redis_layer(),  # channels-redis' default host
        {"default": {"BACKEND": REDIS_BACKEND, "CONFIG": {"capacity": 10_000}}},
        redis_layer({"address": "redis://127.0.0.1:6379/0"}),
        redis_layer(
            "redis://127.0.0.1:6379/0", backend="channels_redis.pubsub.RedisPubSubChannelLayer"
        ),
    ],
)
def test_w002_w003_untuned_redis_8(layers):
    assert channel_layer_ids(layers) == BOTH


def test_tuned_redis_8_passes():
    assert channel_layer_ids(redis_layer(TUNED_HOST)) == []
    assert channel_layer_ids(redis_layer(TUNED_HOST, dict(TUNED_HOST, max_connections=1000))) == []


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ({**TUNED_HOST, "socket_timeout": 5}, ["django_livechat.W002"]),
        ({k: v for k, v in TUNED_HOST.items() if k != "socket_timeout"}, ["django_livechat.W002"]),
        ({**TUNED_HOST, "max_connections": 999}, ["django_livechat.W003"]),
        ({**TUNED_HOST, "max_connections": "10000"}, ["django_livechat.W003"]),
        ({k: v for k, v in TUNED_HOST.items() if k != "max_connections"}, ["django_livechat.W003"]),
    ],
)
def test_w002_w003_separately(host, expected):
    assert channel_layer_ids(redis_layer(host)) == expected


def test_one_untuned_host_among_several_warns():
    assert channel_layer_ids(redis_layer(TUNED_HOST, "redis://10.0.0.2:6379/0")) == BOTH


def test_redis_py_7_needs_no_tuning():
    assert channel_layer_ids(redis_layer("redis://127.0.0.1:6379/0"), redis_major=7) == []
    assert channel_layer_ids(redis_layer(), redis_major=0) == []


def test_the_installed_redis_py_is_detected():
    import redis

    assert checks._redis_py_major() == int(redis.__version__.split(".")[0])
    with override_settings(CHANNEL_LAYERS=redis_layer("redis://127.0.0.1:6379/0")):
        found = ids(check_channel_layer())
    assert found == (BOTH if checks._redis_py_major() >= 8 else [])


def test_redis_py_missing_or_odd_version():
    with mock.patch.dict(sys.modules, {"redis": None}):
        assert checks._redis_py_major() == 0
    with mock.patch("redis.__version__", "unknown"):
        assert checks._redis_py_major() == 0
    with mock.patch("redis.__version__", "8.0.0b1"):
        assert checks._redis_py_major() == 8


# W004: SQLite without WAL ----------------------------------------------------

SQLITE = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
POSTGRES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "app"}}


@pytest.fixture
def databases_setting(monkeypatch):
    # Only the setting the check reads is swapped; override_settings(DATABASES=...) would
    # warn that connections are not rebuilt, which this check does not need.
    def use(databases):
        monkeypatch.setattr(settings, "DATABASES", databases)

    return use


@pytest.mark.parametrize("livechat", [{}, {"SQLITE_WAL": False}, {"SQLITE_WAL": "yes"}, None])
def test_w004_sqlite_without_wal(databases_setting, livechat):
    databases_setting(SQLITE)
    with override_settings(LIVECHAT=livechat):
        messages = check_sqlite_concurrency()
    assert ids(messages) == ["django_livechat.W004"]
    assert isinstance(messages[0], Warning)


def test_w004_sqlite_and_no_livechat_setting(databases_setting):
    databases_setting(SQLITE)
    with override_settings():
        del settings.LIVECHAT
        assert ids(check_sqlite_concurrency()) == ["django_livechat.W004"]


def test_sqlite_with_wal_passes(databases_setting):
    databases_setting(SQLITE)
    with override_settings(LIVECHAT={"SQLITE_WAL": True}):
        assert check_sqlite_concurrency() == []


@pytest.mark.parametrize("livechat", [{}, {"SQLITE_WAL": False}])
def test_postgresql_passes(databases_setting, livechat):
    databases_setting(POSTGRES)
    with override_settings(LIVECHAT=livechat):
        assert check_sqlite_concurrency() == []


def test_the_default_alias_is_the_one_checked(databases_setting):
    databases_setting({**POSTGRES, "cache": SQLITE["default"]})
    with override_settings(LIVECHAT={}):
        assert check_sqlite_concurrency() == []
    databases_setting({**SQLITE, "other": POSTGRES["default"]})
    with override_settings(LIVECHAT={}):
        assert ids(check_sqlite_concurrency()) == ["django_livechat.W004"]


# E018: django-cors-headers ---------------------------------------------------

CORS = "corsheaders.middleware.CorsMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"
SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"


@pytest.mark.parametrize(
    "middleware",
    [[CORS, SESSIONS, COMMON], [SESSIONS, CORS, COMMON], [SESSIONS, CORS]],
)
def test_cors_headers_installed_and_first_passes(middleware):
    with override_settings(MIDDLEWARE=middleware):
        assert check_cors_headers() == []


@modify_settings(INSTALLED_APPS={"remove": "corsheaders"})
def test_e018_corsheaders_not_installed():
    messages = check_cors_headers()
    assert ids(messages) == ["django_livechat.E018"]
    assert "INSTALLED_APPS" in messages[0].msg


@pytest.mark.parametrize(
    ("middleware", "problem"),
    [
        ([SESSIONS, COMMON], "is not in MIDDLEWARE"),
        ([], "is not in MIDDLEWARE"),
        ([SESSIONS, COMMON, CORS], f"comes after {COMMON}"),
    ],
)
def test_e018_cors_middleware_missing_or_late(middleware, problem):
    with override_settings(MIDDLEWARE=middleware):
        messages = check_cors_headers()
    assert ids(messages) == ["django_livechat.E018"]
    assert isinstance(messages[0], Error)
    assert problem in messages[0].msg
