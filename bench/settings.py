"""A minimal host project for the benchmark server (``bench/asgi.py``).

Configured from the environment that ``bench/run.py`` passes to the server process (and to
the helper that prepares and reads the database, ``python -m bench.database``):

* ``LIVECHAT_BENCH_DIR``: the run's temporary directory (the SQLite file lives there);
* ``LIVECHAT_BENCH_DATABASE_URL``: use this database instead (PostgreSQL, the ``@redis``
  backend);
* ``LIVECHAT_BENCH_REDIS_URL``, ``LIVECHAT_BENCH_REDIS_PREFIX``: use channels-redis on this
  Redis (key prefix per run) instead of the in-memory channel layer;
* ``LIVECHAT_BENCH_CONN_MAX_AGE``: ``none`` (the default: persistent connections, one per
  pipeline thread) or a number of seconds (``0`` closes after every pipeline call).

Settings are what a production host would use: SQLite in WAL with ``BEGIN IMMEDIATE`` on
Django 5.1+ (the embedded backend), or PostgreSQL and Redis; DEBUG off (so no query log
grows); the channel layer configured as the docs advise (capacity 10,000; Redis hosts
without a socket timeout and with a large pool); sessions, so that an agent's dashboard
can log in; the rate limits off, since the load is one address sending as fast as it can.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import django

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django_livechat",
]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _conn_max_age() -> int | None:
    value = os.environ.get("LIVECHAT_BENCH_CONN_MAX_AGE", "none").strip().lower()
    return None if value in ("", "none") else int(value)


_database_url = os.environ.get("LIVECHAT_BENCH_DATABASE_URL")
if _database_url:
    import dj_database_url

    DATABASES: dict[str, dict[str, Any]] = {"default": dict(dj_database_url.parse(_database_url))}
else:
    _bench_dir = Path(os.environ.get("LIVECHAT_BENCH_DIR", Path(__file__).parent / "results"))
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_bench_dir / "bench.sqlite3"),
            "OPTIONS": {"transaction_mode": "IMMEDIATE"} if django.VERSION >= (5, 1) else {},
        }
    }
# None keeps each pipeline thread's connection open: django_livechat runs its ORM work in
# a fixed pool of threads (django_livechat.dbthreads), so the number of connections stays
# bounded, and a production host would not pay a reconnect (and the WAL PRAGMAs) per call.
DATABASES["default"]["CONN_MAX_AGE"] = _conn_max_age()

# The capacity the project recommends for chat bursts (the default, 100, drops events).
_LAYER_CAPACITY = 10_000
_redis_url = os.environ.get("LIVECHAT_BENCH_REDIS_URL")
if _redis_url:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {"address": _redis_url, "socket_timeout": None, "max_connections": 10_000}
                ],
                "capacity": _LAYER_CAPACITY,
                "prefix": os.environ.get("LIVECHAT_BENCH_REDIS_PREFIX", "livechat-bench"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": _LAYER_CAPACITY},
        }
    }

LIVECHAT = {
    "SQLITE_WAL": DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    # 0 turns the limits off: the closed loop sends as fast as it is answered, and every
    # client of the benchmark comes from one address, 127.0.0.1. (The per-socket limits on
    # typing and history requests stay as shipped: the clients behave like the widget.)
    "RATE_LIMIT_MESSAGES": 0,
    "RATE_LIMIT_ADDRESS_MESSAGES": 0,
    "RATE_LIMIT_ADDRESS_CONVERSATIONS": 0,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    # Errors still reach the server log that bench/run.py shows when something fails.
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
