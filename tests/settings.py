from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import django

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Files a test stores without its own storage (attachments) land in a temporary folder,
# never in the checkout.
MEDIA_ROOT = str(
    Path(os.environ.get("LIVECHAT_TEST_TMPDIR") or tempfile.gettempdir()) / "livechat-test-media"
)
# Tests make many users; PBKDF2 costs ~0.2 s a password.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
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
]
MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
# A file, not :memory:, so that threads share one database as real writers do.
# One directory per test run, so that two runs in one checkout never share a database.
_sqlite_dir = Path(
    os.environ.get("LIVECHAT_TEST_TMPDIR")
    or Path(__file__).parent / ".artifacts" / f"run-{os.getpid()}"
)
DATABASES: dict[str, dict[str, Any]] = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(_sqlite_dir / "default.sqlite3"),
        "TEST": {"NAME": str(_sqlite_dir / "test-default.sqlite3")},
        "OPTIONS": {"transaction_mode": "IMMEDIATE"} if django.VERSION >= (5, 1) else {},
    }
}
if os.environ.get("LIVECHAT_TEST_POSTGRES_URL"):
    import dj_database_url

    DATABASES["postgres"] = dict(dj_database_url.parse(os.environ["LIVECHAT_TEST_POSTGRES_URL"]))
CHANNEL_LAYERS = {
    "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 10_000}}
}
LIVECHAT = {"SQLITE_WAL": True}
USE_TZ = True
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
