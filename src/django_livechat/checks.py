"""System checks for the ``LIVECHAT`` settings and the services the app relies on.

Each check id is listed, with its fix, on the docs' settings page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from django_livechat.conf import DEFAULTS
from django_livechat.models import is_css_color
from django_livechat.origins import normalize_origin
from django_livechat.ratelimit import PROCESS_LOCAL_BACKENDS

# Raised by redis-py 8 to 5 s, equal to channels-redis' blocking pop: its receive loop then
# dies with TimeoutError and group messages are lost (channels_redis#422, redis-py#4091).
REDIS_MIN_MAX_CONNECTIONS = 1000
# Channels' layers drop events beyond their capacity, silently (100 by default, per channel;
# on channels-redis one list holds every socket of a process). Clients repair the gaps, but
# a capacity this small drops under an ordinary burst.
MIN_LAYER_CAPACITY = 1000
RECOMMENDED_LAYER_CAPACITY = 10_000
CAPACITY_BACKENDS = (
    "channels.layers.InMemoryChannelLayer",
    "channels_redis.core.RedisChannelLayer",
)
DUMMY_CACHE = "django.core.cache.backends.dummy.DummyCache"
WS_PREFIX_RE = re.compile(r"^(?:[A-Za-z0-9._~-]+/)+$")
CONTENT_TYPE_RE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_non_negative_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_optional_positive_int(value: Any) -> bool:
    return value is None or _is_positive_int(value)


def _is_optional_text(value: Any) -> bool:
    return value is None or _is_text(value)


def _is_optional_uuid(value: Any) -> bool:
    if value is None:
        return True
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _is_ws_prefix(value: Any) -> bool:
    return isinstance(value, str) and bool(WS_PREFIX_RE.match(value))


def _is_origin(value: Any) -> bool:
    try:
        normalize_origin(value)
    except ValueError:
        return False
    return True


def _is_cache_alias(value: Any) -> bool:
    return isinstance(value, str) and value in (getattr(settings, "CACHES", None) or {})


def _is_storage_alias(value: Any) -> bool:
    return isinstance(value, str) and value in (getattr(settings, "STORAGES", None) or {})


def _is_content_type_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(
        isinstance(item, str) and CONTENT_TYPE_RE.match(item) for item in value
    )


# name -> (check id, predicate, what a valid value is)
VALUE_RULES: dict[str, tuple[str, Callable[[Any], bool], str]] = {
    "AUTO_RESPONSE_ENABLED": ("E002", _is_bool, "a bool"),
    "AUTO_RESPONSE_TEXT": ("E003", _is_text, "a non-empty string"),
    "RESPONDER_TIMEOUT": ("E005", _is_positive_number, "a positive number of seconds"),
    "RESPONDER_ERRORS_TO_VISITOR": ("E006", _is_bool, "a bool"),
    "MAX_MESSAGE_LENGTH": ("E007", _is_positive_int, "a positive integer"),
    "RATE_LIMIT_MESSAGES": ("E008", _is_non_negative_int, "an integer >= 0 (0 turns it off)"),
    "RATE_LIMIT_PERIOD": ("E009", _is_positive_number, "a positive number of seconds"),
    "TYPING_TIMEOUT": ("E010", _is_positive_number, "a positive number of seconds"),
    "VISITOR_TOKEN_MAX_AGE": (
        "E011",
        _is_optional_positive_int,
        "None or a positive integer of seconds",
    ),
    "RECONNECT_MAX_RETRIES": ("E012", _is_non_negative_int, "an integer >= 0"),
    "RECONNECT_BASE_DELAY": ("E013", _is_positive_number, "a positive number of seconds"),
    "DEFAULT_WEBSITE_ID": ("E014", _is_optional_uuid, "None or a website's UUID"),
    "WS_PATH_PREFIX": (
        "E015",
        _is_ws_prefix,
        "a relative path ending in '/', such as 'ws/livechat/'",
    ),
    "SQLITE_WAL": ("E016", _is_bool, "a bool"),
    "ASSETS_FROM_STATIC": ("E028", _is_bool, "a bool"),
    "RESPONDER_CONCURRENCY": ("E019", _is_positive_int, "a positive integer"),
    "HEARTBEAT_INTERVAL": ("E020", _is_positive_number, "a positive number of seconds"),
    "RATE_LIMIT_ADDRESS_MESSAGES": (
        "E021",
        _is_non_negative_int,
        "an integer >= 0 (0 turns it off)",
    ),
    "RATE_LIMIT_ADDRESS_CONVERSATIONS": (
        "E022",
        _is_non_negative_int,
        "an integer >= 0 (0 turns it off)",
    ),
    "RATE_LIMIT_CONVERSATIONS_PERIOD": (
        "E023",
        _is_positive_number,
        "a positive number of seconds",
    ),
    "RATE_LIMIT_SOCKET_HISTORY": ("E024", _is_non_negative_int, "an integer >= 0 (0 turns it off)"),
    "RATE_LIMIT_SOCKET_TYPING": ("E025", _is_non_negative_int, "an integer >= 0 (0 turns it off)"),
    "RATE_LIMIT_CACHE": ("E026", _is_cache_alias, "the alias of a cache in CACHES"),
    "TRUSTED_PROXIES": ("E027", _is_non_negative_int, "an integer >= 0 (0 trusts no proxy)"),
    "WIDGET_COLOR": ("E031", is_css_color, "a CSS colour such as '#0b6e4f'"),
    "WIDGET_POSITION": ("E032", lambda v: v in ("left", "right"), "'left' or 'right'"),
    "WIDGET_THEME": ("E033", lambda v: v in ("light", "dark", "auto"), "'light', 'dark' or 'auto'"),
    "WIDGET_TITLE": ("E034", _is_optional_text, "None or a non-empty string"),
    "WIDGET_GREETING": ("E035", _is_optional_text, "None or a non-empty string"),
    "WIDGET_AWAY_TEXT": ("E036", _is_optional_text, "None or a non-empty string"),
    "AUTO_RESPONSE_CLOSED_TEXT": ("E038", _is_text, "a non-empty string"),
    "AUTO_RESPONSE_AWAY_TEXT": ("E039", _is_optional_text, "None or a non-empty string"),
    "RESUME_TOKEN_MAX_AGE": ("E040", _is_positive_int, "a positive integer of seconds"),
    "EMAIL_FOLLOWUP_DELAY": (
        "E041",
        lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0,
        "a number of seconds >= 0",
    ),
    "EMAIL_FROM": (
        "E042",
        _is_optional_text,
        "None or an address such as 'Shop <help@shop.example>'",
    ),
    "EMAIL_SEND_INTERVAL": ("E043", _is_positive_number, "a positive number of seconds"),
    "EMAIL_MAX_ATTEMPTS": ("E044", _is_positive_int, "a positive integer"),
    "EMAIL_SENDER_ENABLED": ("E045", _is_bool, "a bool"),
    "EMAIL_DIGEST_HOUR": (
        "E046",
        lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 23,
        "an hour from 0 to 23",
    ),
    "EMAIL_BASE_URL": (
        "E052",
        lambda v: v is None or _is_origin(v),
        "None or this site's scheme and host, such as 'https://shop.example.com'",
    ),
    "ATTACHMENT_STORAGE": ("E047", _is_storage_alias, "the alias of a storage in STORAGES"),
    "ATTACHMENT_MAX_SIZE": ("E048", _is_positive_int, "a positive integer of bytes"),
    "ATTACHMENT_TYPES": (
        "E049",
        _is_content_type_list,
        "a list of content types such as ['image/png', 'application/pdf']",
    ),
    "ATTACHMENT_URL_MAX_AGE": ("E051", _is_positive_int, "a positive integer of seconds"),
    # Shorter would delete uploads still on their way (their scan may take 30 seconds).
    "ATTACHMENT_PENDING_MAX_AGE": (
        "E054",
        lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 60,
        "a number of seconds >= 60",
    ),
    "RETENTION_DAYS": ("E053", _is_optional_positive_int, "None or a positive integer of days"),
    "RESPONDER_HISTORY": ("E055", _is_positive_int, "a positive integer"),
    "HANDOFF_PHRASES": (
        "E056",
        lambda v: isinstance(v, (list, tuple)) and all(_is_text(p) for p in v),
        "a list of non-empty strings (empty: visitors hand over by the handoff frame only)",
    ),
    "STREAM_DELTA_INTERVAL": ("E057", _is_positive_number, "a positive number of seconds"),
    "STREAM_STALL_TIMEOUT": ("E058", _is_positive_number, "a positive number of seconds"),
    "STREAM_CUT_TEXT": ("E059", _is_text, "a non-empty string"),
}


@register(Tags.compatibility)
def check_settings(**kwargs: Any) -> list[CheckMessage]:
    """Validate ``settings.LIVECHAT``."""
    user = getattr(settings, "LIVECHAT", {})
    if not isinstance(user, dict):
        return [
            Error(
                "LIVECHAT must be a dict.",
                hint="Set LIVECHAT = {...} in your settings, or leave it out for the defaults.",
                id="django_livechat.E001",
            )
        ]
    errors: list[CheckMessage] = []
    for name in sorted(set(user) - set(DEFAULTS)):
        errors.append(
            Warning(
                f"LIVECHAT[{name!r}] is not a django_livechat setting and is ignored.",
                hint="Check the spelling against the settings page of the docs.",
                id="django_livechat.W001",
            )
        )
    for name, (check_id, is_valid, expected) in VALUE_RULES.items():
        if name in user and not is_valid(user[name]):
            errors.append(
                Error(
                    f"LIVECHAT[{name!r}] must be {expected}; got {user[name]!r}.",
                    id=f"django_livechat.{check_id}",
                )
            )
    if "RESPONDER" in user:
        errors.extend(_check_responder(user["RESPONDER"]))
    if user.get("AGENT_DISPLAY_NAME") is not None:
        errors.extend(_check_agent_display_name(user["AGENT_DISPLAY_NAME"]))
    if user.get("ATTACHMENT_SCANNER") is not None:
        errors.extend(_check_attachment_scanner(user["ATTACHMENT_SCANNER"]))
    return errors


def _check_agent_display_name(path: Any) -> list[CheckMessage]:
    problem = _callable_problem(path)
    if problem is None:
        return []
    return [
        Error(
            f"LIVECHAT['AGENT_DISPLAY_NAME'] {problem}: {path!r}.",
            hint="Point it at a callable taking the agent's user and returning the name "
            "visitors see, or set it to None.",
            id="django_livechat.E037",
        )
    ]


def _check_attachment_scanner(path: Any) -> list[CheckMessage]:
    problem = _callable_problem(path)
    if problem is None:
        return []
    return [
        Error(
            f"LIVECHAT['ATTACHMENT_SCANNER'] {problem}: {path!r}.",
            hint="Point it at a callable taking (file, content_type) and returning True for a "
            "clean file, or set it to None.",
            id="django_livechat.E050",
        )
    ]


def _callable_problem(path: Any) -> str | None:
    """What is wrong with a dotted path to a callable (None: nothing)."""
    if not isinstance(path, str) or not path:
        return "must be a dotted path string"
    try:
        target = import_string(path)
    except ImportError as exc:
        return f"cannot be imported ({exc})"
    return None if callable(target) else "is not callable"


def _check_responder(path: Any) -> list[CheckMessage]:
    problem = _callable_problem(path)
    if problem is None:
        return []
    return [
        Error(
            f"LIVECHAT['RESPONDER'] {problem}: {path!r}.",
            hint=(
                "Point it at a callable taking (conversation, message) and returning text or None."
            ),
            id="django_livechat.E004",
        )
    ]


@register(Tags.compatibility)
def check_channel_layer(**kwargs: Any) -> list[CheckMessage]:
    """The app needs a channel layer; a channels-redis layer needs redis-py 8 tuned."""
    layers = getattr(settings, "CHANNEL_LAYERS", None)
    if not isinstance(layers, dict) or "default" not in layers:
        return [
            Error(
                "django_livechat needs a default channel layer.",
                hint=(
                    "Set CHANNEL_LAYERS = {'default': {...}}: channels_redis for production, "
                    "channels.layers.InMemoryChannelLayer for one process."
                ),
                id="django_livechat.E017",
            )
        ]
    layer = layers["default"]
    backend = str(layer.get("BACKEND", "")) if isinstance(layer, dict) else ""
    messages: list[CheckMessage] = _check_capacity(backend, layer)
    if not backend.startswith("channels_redis.") or _redis_py_major() < 8:
        return messages
    hosts = (layer.get("CONFIG") or {}).get("hosts") or [("localhost", 6379)]
    untuned_timeout = any(
        not isinstance(h, dict) or "socket_timeout" not in h or h["socket_timeout"] is not None
        for h in hosts
    )
    if untuned_timeout:
        messages.append(
            Warning(
                "The channels-redis layer leaves redis-py 8's 5 s socket_timeout in place; "
                "it equals the layer's blocking pop, so idle receive loops die with "
                "TimeoutError and group messages are lost.",
                hint=(
                    "Give each host as a dict with 'socket_timeout': None, e.g. "
                    "{'address': 'redis://127.0.0.1:6379/0', 'socket_timeout': None, "
                    "'max_connections': 10000}."
                ),
                id="django_livechat.W002",
            )
        )
    small_pool = any(
        not isinstance(h, dict)
        or not isinstance(h.get("max_connections"), int)
        or h["max_connections"] < REDIS_MIN_MAX_CONNECTIONS
        for h in hosts
    )
    if small_pool:
        messages.append(
            Warning(
                "The channels-redis layer keeps redis-py 8's 100-connection pool cap; many "
                "consumers at once fail with MaxConnectionsError.",
                hint=(
                    f"Set 'max_connections' to at least {REDIS_MIN_MAX_CONNECTIONS} in each "
                    "host dict."
                ),
                id="django_livechat.W003",
            )
        )
    return messages


def _check_capacity(backend: str, layer: Any) -> list[CheckMessage]:
    if backend not in CAPACITY_BACKENDS:
        return []
    capacity = (layer.get("CONFIG") or {}).get("capacity", 100)
    sized = isinstance(capacity, int) and not isinstance(capacity, bool)
    if sized and capacity >= MIN_LAYER_CAPACITY:
        return []
    return [
        Warning(
            f"The channel layer's capacity is {capacity!r}: under a burst of chat messages "
            "group_send drops the events that do not fit, without an error (clients catch "
            "up by seq, later).",
            hint=(
                f"Set 'capacity': {RECOMMENDED_LAYER_CAPACITY} (at least "
                f"{MIN_LAYER_CAPACITY}) in CHANNEL_LAYERS['default']['CONFIG']."
            ),
            id="django_livechat.W005",
        )
    ]


@register(Tags.caches)
def check_rate_limit_cache(**kwargs: Any) -> list[CheckMessage]:
    """The rate limits hold across processes only in a cache the processes share."""
    user = getattr(settings, "LIVECHAT", {})
    alias = (
        user.get("RATE_LIMIT_CACHE", DEFAULTS["RATE_LIMIT_CACHE"])
        if isinstance(user, dict)
        else None
    )
    caches = getattr(settings, "CACHES", None) or {}
    if not isinstance(alias, str) or not isinstance(caches.get(alias), dict):
        return []  # E026 (or E001) says what is wrong
    backend = str(caches[alias].get("BACKEND", ""))
    if backend == DUMMY_CACHE:
        return [
            Warning(
                f"The rate limits' cache {alias!r} is a DummyCache, which keeps nothing: "
                "visitors are not rate-limited at all.",
                hint="Point LIVECHAT['RATE_LIMIT_CACHE'] at a cache that stores, such as Redis.",
                id="django_livechat.W007",
            )
        ]
    if backend not in PROCESS_LOCAL_BACKENDS or not _redis_channel_layer():
        return []
    return [
        Warning(
            f"The rate limits' cache {alias!r} is {backend.rsplit('.', 1)[-1]}, which each "
            "server process keeps for itself, while the Redis channel layer says there are "
            "several processes: each process counts on its own, so the limits are "
            "multiplied by their number.",
            hint=(
                "Point LIVECHAT['RATE_LIMIT_CACHE'] at a cache every process shares, such as "
                "django.core.cache.backends.redis.RedisCache."
            ),
            id="django_livechat.W006",
        )
    ]


def _redis_channel_layer() -> bool:
    layers = getattr(settings, "CHANNEL_LAYERS", None)
    layer = layers.get("default") if isinstance(layers, dict) else None
    return isinstance(layer, dict) and str(layer.get("BACKEND", "")).startswith("channels_redis.")


@register(Tags.database)
def check_sqlite_concurrency(**kwargs: Any) -> list[CheckMessage]:
    """Concurrent async writers on SQLite need WAL (and, on Django 5.1+, IMMEDIATE)."""
    database = settings.DATABASES.get("default", {})
    if not str(database.get("ENGINE", "")).endswith("sqlite3"):
        return []
    user = getattr(settings, "LIVECHAT", {})
    if isinstance(user, dict) and user.get("SQLITE_WAL") is True:
        return []
    return [
        Warning(
            "The default database is SQLite without LIVECHAT['SQLITE_WAL']; concurrent chat "
            "writers may block readers.",
            hint=(
                "Set LIVECHAT['SQLITE_WAL'] = True and, on Django 5.1+, "
                "OPTIONS={'transaction_mode': 'IMMEDIATE'}; or use PostgreSQL."
            ),
            id="django_livechat.W004",
        )
    ]


def _redis_py_major() -> int:
    try:
        from redis import __version__ as version
    except ImportError:
        return 0
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return 0


CORS_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"
COMMON_MIDDLEWARE = "django.middleware.common.CommonMiddleware"


@register(Tags.compatibility)
def check_cors_headers(**kwargs: Any) -> list[CheckMessage]:
    """The HTTP API's CORS needs django-cors-headers installed, its middleware up front."""
    from django.apps import apps

    messages: list[CheckMessage] = []
    if not apps.is_installed("corsheaders"):
        messages.append(
            Error(
                "django_livechat's HTTP API needs django-cors-headers: 'corsheaders' is not "
                "in INSTALLED_APPS.",
                hint="Add 'corsheaders' to INSTALLED_APPS.",
                id="django_livechat.E018",
            )
        )
    messages.extend(_check_cors_allows_the_api())
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if CORS_MIDDLEWARE not in middleware:
        problem = "is not in MIDDLEWARE"
    elif middleware.index(CORS_MIDDLEWARE) > _position(middleware, COMMON_MIDDLEWARE):
        problem = f"comes after {COMMON_MIDDLEWARE}, which can answer before it adds headers"
    else:
        return messages
    messages.append(
        Error(
            f"{CORS_MIDDLEWARE} {problem}; cross-origin calls to the chat's HTTP API fail.",
            hint=(
                f"Put {CORS_MIDDLEWARE!r} in MIDDLEWARE as high as possible, before "
                f"{COMMON_MIDDLEWARE!r}."
            ),
            id="django_livechat.E018",
        )
    )
    return messages


def _position(middleware: list[str], name: str) -> int:
    return middleware.index(name) if name in middleware else len(middleware)


def _check_cors_allows_the_api() -> list[CheckMessage]:
    # The widget's calls need these; a host narrowing CORS_ALLOW_* would block them.
    from corsheaders.conf import conf

    headers = {str(h).lower() for h in conf.CORS_ALLOW_HEADERS}
    methods = {str(m).upper() for m in conf.CORS_ALLOW_METHODS}
    missing = sorted({"authorization", "content-type"} - headers) + sorted(
        {"GET", "POST"} - methods
    )
    if not missing:
        return []
    return [
        Error(
            f"CORS_ALLOW_HEADERS/CORS_ALLOW_METHODS leave out {', '.join(missing)}; the chat "
            "widget's cross-origin calls to the HTTP API fail.",
            hint="Keep django-cors-headers' defaults, or add what is missing.",
            id="django_livechat.E018",
        )
    ]


# Keys the world knows: with one of them anyone can forge the visitor tokens, sessions and
# password-reset links that Django signs. Compared stripped and lower-cased.
PUBLIC_SECRET_KEYS = frozenset(
    {
        # example_project's default, for the demo only.
        "django-insecure-example-project-only-never-use-in-production",
        # Placeholders from tutorials and templates.
        "change-me",
        "change_me",
        "changeme",
        "change-this",
        "changethis",
        "dev",
        "development",
        "django",
        "insecure",
        "key",
        "my-secret-key",
        "mysecretkey",
        "not-secret",
        "notsecret",
        "password",
        "replace-me",
        "replaceme",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "test",
        "testing",
        "todo",
        "xxx",
        "your-secret-key",
        "your-secret-key-here",
        "your_secret_key",
        "yoursecretkey",
    }
)
# What startproject writes into settings.py: a key for development, kept in the sources.
STARTPROJECT_SECRET_KEY_PREFIX = "django-insecure-"


@register(Tags.security)
def check_secret_key(**kwargs: Any) -> list[CheckMessage]:
    """With DEBUG off, SECRET_KEY and SECRET_KEY_FALLBACKS must not be publicly known."""
    if settings.DEBUG:
        return []
    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", None) or []
    keys = [("SECRET_KEY", _secret_key())]
    keys += [(f"SECRET_KEY_FALLBACKS[{i}]", key) for i, key in enumerate(fallbacks)]
    messages: list[CheckMessage] = []
    for name, key in keys:
        problem = _public_key_problem(key)
        if problem is None:
            continue
        messages.append(
            Error(
                f"{name} {problem} while DEBUG is off: anyone can forge the visitor tokens, "
                "sessions and other values it signs.",
                hint=(
                    "Set SECRET_KEY to a long random value kept out of version control, for "
                    "example read from the environment; make one with: "
                    'python -c "import secrets; print(secrets.token_urlsafe(50))".'
                ),
                id="django_livechat.E030",
            )
        )
    return messages


def _secret_key() -> Any:
    try:
        return settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty SECRET_KEY
        return ""


def _public_key_problem(key: Any) -> str | None:
    text = key.decode("latin-1") if isinstance(key, bytes) else str(key or "")
    normalized = text.strip().lower()
    if not normalized:
        return "is empty"
    if normalized in PUBLIC_SECRET_KEYS:
        return "is a publicly known value"
    if normalized.startswith(STARTPROJECT_SECRET_KEY_PREFIX):
        return f"starts with {STARTPROJECT_SECRET_KEY_PREFIX!r}, the mark of a development key"
    return None
