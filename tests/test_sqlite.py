from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.test import override_settings

from django_livechat.sqlite import configure_sqlite_connection


@pytest.fixture
def fresh_sqlite(tmp_path, django_db_blocker):
    """Open a new SQLite database file through Django, as a host project's connection."""
    opened = []

    def open_connection():
        settings_dict = {**connection.settings_dict, "NAME": str(tmp_path / "fresh.sqlite3")}
        wrapper = DatabaseWrapper(settings_dict, alias="fresh")
        opened.append(wrapper)
        wrapper.ensure_connection()  # sends connection_created
        return wrapper

    with django_db_blocker.unblock():
        yield open_connection
        for wrapper in opened:
            wrapper.close()


def pragma(wrapper, name):
    with wrapper.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


@override_settings(LIVECHAT={"SQLITE_WAL": True})
def test_wal_enabled_puts_new_connections_in_wal(fresh_sqlite):
    wrapper = fresh_sqlite()
    assert pragma(wrapper, "journal_mode") == "wal"
    assert pragma(wrapper, "synchronous") == 1  # NORMAL


@pytest.mark.parametrize("livechat", [{}, {"SQLITE_WAL": False}])
def test_wal_disabled_leaves_sqlite_alone(fresh_sqlite, livechat):
    with override_settings(LIVECHAT=livechat):
        wrapper = fresh_sqlite()
    assert pragma(wrapper, "journal_mode") == "delete"
    assert pragma(wrapper, "synchronous") == 2  # FULL, SQLite's default


@pytest.mark.django_db
def test_the_test_database_runs_in_wal():
    assert pragma(connection, "journal_mode") == "wal"


@override_settings(LIVECHAT={"SQLITE_WAL": True})
def test_other_databases_are_left_alone():
    other = mock.Mock(vendor="postgresql")
    configure_sqlite_connection(sender=None, connection=other)
    other.cursor.assert_not_called()


@override_settings(LIVECHAT={"SQLITE_WAL": False})
def test_disabled_hook_runs_no_statement():
    sqlite = mock.Mock(vendor="sqlite")
    configure_sqlite_connection(sender=None, connection=sqlite)
    sqlite.cursor.assert_not_called()
