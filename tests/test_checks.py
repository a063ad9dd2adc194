from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path
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
    check_rate_limit_cache,
    check_secret_key,
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
    with override_settings(
        LIVECHAT={"MAX_MESSAGE_LENGTH": 0},
        CHANNEL_LAYERS={},
        MIDDLEWARE=[],
        SECRET_KEY="changeme",
        DEBUG=False,
        CACHES={"default": {"BACKEND": DUMMY_CACHE}},
    ):
        found = livechat_ids(django_checks.run_checks())
    # One id from each check function.
    assert sorted(found) == [
        "django_livechat.E007",
        "django_livechat.E017",
        "django_livechat.E018",
        "django_livechat.E030",
        "django_livechat.W004",
        "django_livechat.W007",
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
    ("RATE_LIMIT_ADDRESS_MESSAGES", "E021", [-1, 1.5, None, True, "60"]),
    ("RATE_LIMIT_ADDRESS_CONVERSATIONS", "E022", [-1, 2.5, None, False, "20"]),
    ("RATE_LIMIT_CONVERSATIONS_PERIOD", "E023", [0, -600, "600", None, True]),
    ("RATE_LIMIT_SOCKET_HISTORY", "E024", [-1, 0.5, None, "30"]),
    ("RATE_LIMIT_SOCKET_TYPING", "E025", [-1, 0.5, None, "60"]),
    ("RATE_LIMIT_CACHE", "E026", ["", "no-such-cache", None, 0, ["default"]]),
    ("TRUSTED_PROXIES", "E027", [-1, 1.0, None, True, "1"]),
    ("ASSETS_FROM_STATIC", "E028", ["yes", 1, None]),
    (
        "WIDGET_COLOR",
        "E031",
        ["", "blurple", "#12", "#12345g", "red; background: url(x)", "rgb(1,2,3", None, 7],
    ),
    ("WIDGET_POSITION", "E032", ["top", "", None, "Left"]),
    ("WIDGET_THEME", "E033", ["green", "", None, "Dark"]),
    ("WIDGET_TITLE", "E034", ["", "  ", 42]),
    ("WIDGET_GREETING", "E035", ["", False]),
    ("WIDGET_AWAY_TEXT", "E036", ["", ["Away"]]),
    ("AUTO_RESPONSE_CLOSED_TEXT", "E038", ["", "  ", None, 42]),
    ("AUTO_RESPONSE_AWAY_TEXT", "E039", ["", " ", 42]),
    ("RESUME_TOKEN_MAX_AGE", "E040", [0, -1, None, "3600", 1.5, True]),
    ("EMAIL_FOLLOWUP_DELAY", "E041", [-1, "300", None, True]),
    ("EMAIL_FROM", "E042", ["", "  ", 42]),
    ("EMAIL_SEND_INTERVAL", "E043", [0, -1, "10", None]),
    ("EMAIL_MAX_ATTEMPTS", "E044", [0, 2.5, "5", True]),
    ("EMAIL_SENDER_ENABLED", "E045", ["yes", 1, None]),
    ("EMAIL_DIGEST_HOUR", "E046", [-1, 24, 8.5, "8", None]),
    ("EMAIL_BASE_URL", "E052", ["", "chat.example.com", "https://x.example/path", 42]),
    ("ATTACHMENT_STORAGE", "E047", ["nowhere", None, 1]),
    ("ATTACHMENT_MAX_SIZE", "E048", [0, -1, 1.5, "10", None, True]),
    ("ATTACHMENT_TYPES", "E049", ["image/png", ["png"], ["Image/PNG"], [None], None]),
    ("ATTACHMENT_URL_MAX_AGE", "E051", [0, -1, 1.5, "60", None]),
    ("ATTACHMENT_PENDING_MAX_AGE", "E054", [0, 59, -1, "3600", None, True]),
    ("RETENTION_DAYS", "E053", [0, -1, 1.5, "30", True]),
    ("RESPONDER_HISTORY", "E055", [0, -1, 2.5, "20", None, True]),
    ("HANDOFF_PHRASES", "E056", ["human", [""], ["ok", 3], None]),
    ("STREAM_DELTA_INTERVAL", "E057", [0, -1, "0.05", None, True]),
    ("STREAM_STALL_TIMEOUT", "E058", [0, -1, "10", None, True]),
    ("STREAM_CUT_TEXT", "E059", ["", "  ", None, 3]),
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
    ("RATE_LIMIT_ADDRESS_MESSAGES", [0, 60, 1000]),
    ("RATE_LIMIT_ADDRESS_CONVERSATIONS", [0, 20]),
    ("RATE_LIMIT_CONVERSATIONS_PERIOD", [600, 0.5, 3600]),
    ("RATE_LIMIT_SOCKET_HISTORY", [0, 30]),
    ("RATE_LIMIT_SOCKET_TYPING", [0, 60]),
    ("RATE_LIMIT_CACHE", ["default"]),
    ("TRUSTED_PROXIES", [0, 1, 2]),
    ("ASSETS_FROM_STATIC", [True, False]),
    (
        "WIDGET_COLOR",
        ["#0b6e4f", "#FFF", "#ff550080", "rgb(11, 110, 79)", "hsl(120 50% 40%)", "Teal"],
    ),
    ("WIDGET_POSITION", ["left", "right"]),
    ("WIDGET_THEME", ["light", "dark", "auto"]),
    ("WIDGET_TITLE", [None, "Talk to us"]),
    ("WIDGET_GREETING", [None, "Hello!"]),
    ("WIDGET_AWAY_TEXT", [None, "We are away."]),
    ("AUTO_RESPONSE_CLOSED_TEXT", ["We are closed."]),
    ("AUTO_RESPONSE_AWAY_TEXT", [None, "Nobody is here."]),
    ("RESUME_TOKEN_MAX_AGE", [1, 86400]),
    ("EMAIL_FOLLOWUP_DELAY", [0, 300, 0.5]),
    ("EMAIL_FROM", [None, "help@shop.example", "Shop <help@shop.example>"]),
    ("EMAIL_SEND_INTERVAL", [1, 0.5, 60]),
    ("EMAIL_MAX_ATTEMPTS", [1, 5]),
    ("EMAIL_SENDER_ENABLED", [True, False]),
    ("EMAIL_DIGEST_HOUR", [0, 8, 23]),
    ("EMAIL_BASE_URL", [None, "https://chat.example.com", "http://127.0.0.1:8000"]),
    ("ATTACHMENT_STORAGE", ["default", "staticfiles"]),
    ("ATTACHMENT_MAX_SIZE", [1, 10 * 1024 * 1024]),
    ("ATTACHMENT_TYPES", [[], ["image/png"], ("application/pdf", "image/svg+xml")]),
    ("ATTACHMENT_URL_MAX_AGE", [1, 86400]),
    ("ATTACHMENT_PENDING_MAX_AGE", [60, 90.5, 3600]),
    ("RETENTION_DAYS", [None, 1, 365]),
    ("RESPONDER_HISTORY", [1, 20]),
    ("HANDOFF_PHRASES", [[], ["operator"], ("a human",)]),
    ("STREAM_DELTA_INTERVAL", [0.05, 1]),
    ("STREAM_STALL_TIMEOUT", [0.5, 10]),
    ("STREAM_CUT_TEXT", ["Cut short."]),
]


def test_every_value_rule_is_tested():
    assert {name: rule[0] for name, rule in VALUE_RULES.items()} == {
        name: check_id for name, check_id, _ in BAD_VALUES
    }
    assert [name for name, _ in GOOD_VALUES] == [name for name, _, _ in BAD_VALUES]
    # RESPONDER (E004), AGENT_DISPLAY_NAME (E037) and ATTACHMENT_SCANNER (E050) have their
    # own checks; every other setting has a value rule.
    own_checks = {"RESPONDER", "AGENT_DISPLAY_NAME", "ATTACHMENT_SCANNER"}
    assert set(VALUE_RULES) | own_checks == set(DEFAULTS)


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


# E037: AGENT_DISPLAY_NAME -------------------------------------------------------


def agent_first_name(user):
    return user.first_name


@pytest.mark.parametrize("path", [None, "tests.test_checks.agent_first_name"])
def test_e037_good_agent_display_name(path):
    with override_settings(LIVECHAT={"AGENT_DISPLAY_NAME": path}):
        assert check_settings() == []


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        (42, "must be a dotted path string"),
        ("", "must be a dotted path string"),
        ("no_such_package.names.agent", "cannot be imported"),
        ("tests.test_checks.NOT_CALLABLE", "is not callable"),
    ],
)
def test_e037_bad_agent_display_name(path, problem):
    with override_settings(LIVECHAT={"AGENT_DISPLAY_NAME": path}):
        messages = check_settings()
    assert ids(messages) == ["django_livechat.E037"]
    assert isinstance(messages[0], Error)
    assert problem in messages[0].msg
    assert repr(path) in messages[0].msg


# E050: ATTACHMENT_SCANNER -------------------------------------------------------


def clean_scanner(file, content_type):
    return True


@pytest.mark.parametrize("path", [None, "tests.test_checks.clean_scanner"])
def test_e050_good_attachment_scanner(path):
    with override_settings(LIVECHAT={"ATTACHMENT_SCANNER": path}):
        assert check_settings() == []


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        (42, "must be a dotted path string"),
        ("", "must be a dotted path string"),
        ("no_such_package.scanners.clamd", "cannot be imported"),
        ("tests.test_checks.NOT_CALLABLE", "is not callable"),
    ],
)
def test_e050_bad_attachment_scanner(path, problem):
    with override_settings(LIVECHAT={"ATTACHMENT_SCANNER": path}):
        messages = check_settings()
    assert ids(messages) == ["django_livechat.E050"]
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


# E030: a publicly known SECRET_KEY with DEBUG off ------------------------------------

EXAMPLE_PROJECT = Path(__file__).resolve().parent.parent / "example_project"
PUBLIC_KEYS = [
    "django-insecure-example-project-only-never-use-in-production",
    "django-insecure-k#3x!q9$w@v7m^p2z&r5t*y8u(i)o0a_s-d+f=g1h4j6l",  # from startproject
    "DJANGO-INSECURE-upper-case-too",
    "changeme",
    " Secret ",
    "your-secret-key",
    b"secret",
]


@pytest.mark.parametrize("key", PUBLIC_KEYS)
def test_e030_a_public_secret_key_with_debug_off(key):
    with override_settings(SECRET_KEY=key, DEBUG=False):
        messages = check_secret_key()
    assert ids(messages) == ["django_livechat.E030"]
    assert isinstance(messages[0], Error)
    assert messages[0].msg.startswith("SECRET_KEY ")
    assert "DEBUG is off" in messages[0].msg
    assert str(key).strip() not in messages[0].msg  # the message never repeats a key


@pytest.mark.parametrize("key", ["", "   "])
def test_e030_an_empty_secret_key(key):
    with override_settings(SECRET_KEY=key, DEBUG=False):
        messages = check_secret_key()
    assert ids(messages) == ["django_livechat.E030"]
    assert "is empty" in messages[0].msg


@pytest.mark.parametrize("key", [*PUBLIC_KEYS, ""])
def test_e030_any_key_passes_with_debug_on(key):
    with override_settings(SECRET_KEY=key, DEBUG=True):
        assert check_secret_key() == []


@pytest.mark.parametrize(
    "key", [secrets.token_urlsafe(50), settings.SECRET_KEY, "not-a-django-insecure-prefix"]
)
def test_e030_a_private_key_passes(key):
    with override_settings(SECRET_KEY=key, DEBUG=False):
        assert check_secret_key() == []


def test_e030_a_public_fallback_key():
    with override_settings(
        SECRET_KEY=secrets.token_urlsafe(50),
        SECRET_KEY_FALLBACKS=[secrets.token_urlsafe(50), "django-insecure-old"],
        DEBUG=False,
    ):
        messages = check_secret_key()
    assert ids(messages) == ["django_livechat.E030"]
    assert messages[0].msg.startswith("SECRET_KEY_FALLBACKS[1] starts with 'django-insecure-'")


def example_project_check(**env):
    """``manage.py check`` of the example project with ``env``: (return code, output)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "LIVECHAT_")) and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=EXAMPLE_PROJECT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr


def test_e030_the_example_project_runs_its_demo_but_not_with_debug_off_and_its_key():
    code, output = example_project_check()  # the demo: DEBUG on by default
    assert (code, "E030" in output) == (0, False)
    code, output = example_project_check(DJANGO_DEBUG="0")
    assert code != 0
    assert "django_livechat.E030" in output
    code, output = example_project_check(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50)
    )
    assert (code, "E030" in output) == (0, False)


# W006, W007: the rate limits' cache ------------------------------------------------

LOCMEM_CACHE = "django.core.cache.backends.locmem.LocMemCache"
DUMMY_CACHE = "django.core.cache.backends.dummy.DummyCache"
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
REDIS_LAYERS = {"default": {"BACKEND": REDIS_BACKEND, "CONFIG": {"hosts": [TUNED_HOST]}}}
IN_MEMORY_LAYERS = {"default": {"BACKEND": IN_MEMORY}}


def rate_limit_cache_ids(backend, layers, livechat=None, alias="default"):
    caches = {"default": {"BACKEND": LOCMEM_CACHE}, alias: {"BACKEND": backend}}
    with override_settings(CACHES=caches, CHANNEL_LAYERS=layers, LIVECHAT=livechat or {}):
        messages = check_rate_limit_cache()
    assert all(isinstance(message, Warning) for message in messages)
    return ids(messages)


def test_w006_a_process_local_cache_with_several_processes():
    assert rate_limit_cache_ids(LOCMEM_CACHE, REDIS_LAYERS) == ["django_livechat.W006"]
    # The alias that LIVECHAT names is the one judged.
    found = rate_limit_cache_ids(
        LOCMEM_CACHE, REDIS_LAYERS, {"RATE_LIMIT_CACHE": "limits"}, "limits"
    )
    assert found == ["django_livechat.W006"]


@pytest.mark.parametrize(
    ("backend", "layers"),
    [
        (LOCMEM_CACHE, IN_MEMORY_LAYERS),  # one process: its own memory is everyone's
        (REDIS_CACHE, REDIS_LAYERS),
        ("django.core.cache.backends.db.DatabaseCache", REDIS_LAYERS),
        ("django.core.cache.backends.memcached.PyMemcacheCache", REDIS_LAYERS),
    ],
)
def test_w006_a_cache_every_process_shares_or_one_process_passes(backend, layers):
    assert rate_limit_cache_ids(backend, layers) == []


@pytest.mark.parametrize("layers", [REDIS_LAYERS, IN_MEMORY_LAYERS])
def test_w007_a_dummy_cache_turns_the_limits_off(layers):
    assert rate_limit_cache_ids(DUMMY_CACHE, layers) == ["django_livechat.W007"]


@pytest.mark.parametrize(
    "livechat", [{"RATE_LIMIT_CACHE": "missing"}, {"RATE_LIMIT_CACHE": 5}, ["not", "a", "dict"]]
)
def test_a_bad_rate_limit_cache_setting_is_left_to_its_error(livechat):
    # E026 (or E001) reports it; this check does not guess.
    assert rate_limit_cache_ids(LOCMEM_CACHE, REDIS_LAYERS, livechat) == []
