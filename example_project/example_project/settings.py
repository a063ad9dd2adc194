"""Settings of the example host project.

Defaults give a one-process development setup (SQLite, in-memory channel layer). Set
``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` to run several server processes.

Environment: ``DJANGO_SECRET_KEY``, ``DJANGO_DEBUG`` (default on),
``DJANGO_ALLOWED_HOSTS`` (comma-separated, added to the local hosts), ``DATABASE_URL``,
``REDIS_URL``, and ``LIVECHAT_SETTINGS_JSON``: a JSON object merged over ``LIVECHAT``
below, so that a test or a benchmark can tune the app without editing this file (the fault
tests set ``'{"RESPONDER_TIMEOUT": 2}'``).

Without ``DJANGO_SECRET_KEY`` the project signs sessions and visitor tokens with the key
written below, which everyone can read: fine for the demo, with ``DEBUG`` on. With
``DJANGO_DEBUG=0`` and that key, the system check ``django_livechat.E030`` stops
``manage.py check``, ``migrate`` and ``runserver``. Give it a key of your own first::

    export DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    DJANGO_DEBUG=0 python manage.py check --deploy
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import django

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


# Public, so for the demo only (DEBUG on): django_livechat.E030 refuses it with DEBUG off.
DEMO_SECRET_KEY = "django-insecure-example-project-only-never-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or DEMO_SECRET_KEY
DEBUG = env_flag("DJANGO_DEBUG", True)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", *env_list("DJANGO_ALLOWED_HOSTS")]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "django_livechat",
    "demo",
]

MIDDLEWARE = [
    # First, so that even responses made by later middleware carry CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"
ASGI_APPLICATION = "example_project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES: dict[str, Any]
if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            # Django 5.1+: writers take the lock at BEGIN, so concurrent chat writers wait
            # for the busy timeout instead of failing with "database is locked".
            "OPTIONS": {"transaction_mode": "IMMEDIATE"} if django.VERSION >= (5, 1) else {},
        }
    }

# Chat attachments go through the storage API (LIVECHAT["ATTACHMENT_STORAGE"], "default").
# The demo keeps them on disk in media/ (git-ignored), never served as /media/ by Django:
# the app serves them itself, with the headers that keep a hostile upload inert.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Channels' layers drop group events beyond "capacity" (default 100: per socket in memory,
# per server process on Redis) without an error. Chat bursts need room (check W005).
LAYER_CAPACITY = 10_000
CHANNEL_LAYERS: dict[str, dict[str, Any]]
if os.environ.get("REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": os.environ["REDIS_URL"],
                        # redis-py 8's 5 s default equals the layer's blocking pop, which
                        # then times out and stops delivering group messages; its 100
                        # connection cap is one idle socket per chat (checks W002, W003).
                        "socket_timeout": None,
                        "max_connections": 10000,
                    }
                ],
                "capacity": LAYER_CAPACITY,
            },
        }
    }
else:
    # One process only: every socket of the server shares this memory.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": LAYER_CAPACITY},
        }
    }

LIVECHAT = {
    # Turns SQLite's write-ahead log on for every connection; ignored on PostgreSQL.
    "SQLITE_WAL": True,
    "RESPONDER": "demo.responders.faq",
}
if os.environ.get("LIVECHAT_SETTINGS_JSON"):
    LIVECHAT.update(json.loads(os.environ["LIVECHAT_SETTINGS_JSON"]))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# No LOGIN_URL: agents sign in on django_livechat's own page (livechat/login/).

# The chat's emails (unseen replies to visitors, new chats to agents) are printed to the
# console in the demo; a real site sets an SMTP server or a provider's backend here.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "Demo shop <support@shop.example>"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# django_livechat serves its own scripts (under /livechat/assets/). The admin's files are
# served by asgi.py from the apps' static folders, with no collectstatic; a production
# site runs collectstatic into STATIC_ROOT and lets its web server or CDN serve that.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
