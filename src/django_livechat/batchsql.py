"""The store's hand-built statements: one per step of a batch, whatever its size.

Django's ``bulk_create`` and ``update(Case(When(...)))`` spend most of a batch's time
preparing each value and resolving each branch; the writer thread stores every message
of the process, so :mod:`django_livechat.store` builds these few statements itself. Values
still go through the fields' own database preparation where the type needs one (UUIDs,
JSON, times), so every backend Django supports gets what it expects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

from django_livechat.models import Conversation, Message

# Fields whose Python value is already what the database driver takes.
PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
)


def _preparer(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[[Any], Any]:
    if isinstance(field, PLAIN_FIELDS) and not isinstance(field, models.ForeignKey):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)


def insert_messages(using: str, rows: Sequence[Message]) -> None:
    """``INSERT`` the rows (``created_at`` already set) in as few statements as the
    backend allows: usually one."""
    connection = connections[using]
    meta = Message._meta
    fields = list(meta.concrete_fields)
    prepare = [(field.attname, _preparer(field, connection)) for field in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, connection.ops.bulk_batch_size(fields, rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params = [prep(getattr(row, attname)) for row in chunk for attname, prep in prepare]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
                + ", ".join([row_marks] * len(chunk)),
                params,
            )
    for row in rows:
        row._state.adding = False
        row._state.db = using


def take_write_lock(using: str, conversation_ids: Iterable[UUID]) -> None:
    """A write that changes nothing, so that SQLite takes its write lock before the batch
    reads the counters (a read first would fail to upgrade under a concurrent writer)."""
    connection = connections[using]
    table, pk, seq = _conversation_columns(connection)
    keys = _keys(connection, conversation_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {seq} = {seq} WHERE {pk} IN ({_marks(keys)})", keys)


def set_counters(using: str, last_seqs: Mapping[UUID, int], now: datetime) -> None:
    """Write each conversation's new ``last_seq`` and mark its activity, in one statement."""
    connection = connections[using]
    table, pk, seq = _conversation_columns(connection)
    quote = connection.ops.quote_name
    keys = _keys(connection, last_seqs)
    branches = " ".join(["WHEN %s THEN %s"] * len(keys))
    moment = connection.ops.adapt_datetimefield_value(now)
    params: list[Any] = []
    for key, value in zip(keys, last_seqs.values(), strict=True):
        params.extend((key, value))
    params.extend((moment, moment, *keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {seq} = CASE {pk} {branches} END, "
            f"{quote('last_message_at')} = %s, {quote('updated_at')} = %s "
            f"WHERE {pk} IN ({_marks(keys)})",
            params,
        )


def _conversation_columns(connection: BaseDatabaseWrapper) -> tuple[str, str, str]:
    meta = Conversation._meta
    quote = connection.ops.quote_name
    assert meta.pk is not None
    return quote(meta.db_table), quote(meta.pk.column), quote("last_seq")


def _keys(connection: BaseDatabaseWrapper, ids: Iterable[UUID]) -> list[Any]:
    pk = Conversation._meta.pk
    assert pk is not None
    return [pk.get_db_prep_value(value, connection) for value in ids]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))
