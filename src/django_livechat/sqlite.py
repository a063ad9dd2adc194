"""Opt-in SQLite tuning for concurrent async writers (``LIVECHAT["SQLITE_WAL"]``).

WAL lets readers run beside the single writer. It works on every supported Django
version; on Django 5.1+ also set ``"transaction_mode": "IMMEDIATE"`` in the database's
OPTIONS (see the docs' deployment page).
"""

from __future__ import annotations

from typing import Any

from django_livechat.conf import livechat_settings


def configure_sqlite_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: switch SQLite connections to WAL when enabled."""
    if connection.vendor != "sqlite" or not livechat_settings.SQLITE_WAL:
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
