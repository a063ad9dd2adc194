"""A minimal host project for the benchmark server (``bench/asgi.py``).

Configured from the environment that ``bench/run.py`` passes to the server process:

* ``LIVECHAT_BENCH_DIR``: the run's temporary directory (the SQLite file lives there);
* ``LIVECHAT_BENCH_DATABASE_URL``: use this database instead (PostgreSQL, ``--db postgres``);
* ``LIVECHAT_BENCH_CONN_MAX_AGE``: ``none`` (the default: persistent connections, one per
  pipeline thread) or a number of seconds (``0`` closes after every pipeline call).

Settings are what a production host on one SQLite file would use: WAL and, on Django 5.1+,
``BEGIN IMMEDIATE``; DEBUG off (so no query log grows); the in-memory channel layer, since
the benchmark runs one process; the rate limit off, since the load is one client sending as
fast as it can.
"""

from __future__ import annotations

import os
from pathlib import Path

import django

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
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

    DATABASES = {"default": dj_database_url.parse(_database_url)}
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

CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
LIVECHAT = {
    "SQLITE_WAL": True,
    # 0 turns the per-conversation limit off: the closed loop sends as fast as it is answered.
    "RATE_LIMIT_MESSAGES": 0,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    # Errors still reach the server log that bench/run.py shows when something fails.
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
