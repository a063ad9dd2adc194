"""The store step: append messages to conversations with gap-free ``seq``.

This is the one place that writes :class:`~django_livechat.models.Message` rows. It takes a
*batch* of new messages, possibly for many conversations, and commits them in one
transaction, so a per-process writer can group-commit the messages of many connections
(see :mod:`django_livechat.writer`). Guarantees, on SQLite and PostgreSQL alike:

* ``seq`` is 1, 2, 3 … per conversation, with no gap and no duplicate, under any number
  of concurrent writers (threads, processes, connections);
* a message with a ``client_id`` already stored in its conversation is not stored again:
  the existing row comes back with ``created=False``;
* one bad item (an unknown conversation, a database error) fails alone, never the batch.

How: the batch's first statement bumps the ``last_seq`` counters of its conversations. On
PostgreSQL the rows are locked first, in primary-key order (so two batches never deadlock),
serialising writers of one conversation; on SQLite the first write takes the database's
write lock (a transaction that writes before it reads waits on the busy timeout instead of
failing with "database is locked"). A rollback also rolls the counters back, so no seq is
ever lost. A batch costs the same few statements whether it holds one message or hundreds.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from django_livechat.models import Conversation, Message

logger = logging.getLogger(__name__)

USER = str(Message.Role.USER)
OPEN, RESOLVED = str(Conversation.Status.OPEN), str(Conversation.Status.RESOLVED)


class ConversationNotFound(LookupError):
    """The message's conversation does not exist (any more)."""


@dataclass(frozen=True)
class NewMessage:
    """A message to append; ``seq`` is assigned by the store."""

    conversation_id: UUID
    role: str
    content: str
    client_id: str | None = None
    is_auto: bool = False
    is_manual: bool = False
    sender_id: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredMessage:
    """The row for a :class:`NewMessage`; ``created`` is False for a repeated ``client_id``."""

    message: Message
    created: bool
    #: A new visitor message that reopened its resolved conversation (in the same
    #: transaction); the pipeline announces the status change.
    reopened: bool = False


Outcome = StoredMessage | Exception


def append_message(item: NewMessage, *, using: str = DEFAULT_DB_ALIAS) -> StoredMessage:
    """Append one message; raise on failure."""
    (outcome,) = append_messages([item], using=using)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def append_messages(items: Sequence[NewMessage], *, using: str = DEFAULT_DB_ALIAS) -> list[Outcome]:
    """Append ``items`` in one transaction; return one outcome per item, in order.

    An outcome is a :class:`StoredMessage` or the exception that item failed with. If the
    batch as a whole fails, each item is retried in its own transaction so that only the
    faulty ones fail.
    """
    if not items:
        return []
    try:
        with transaction.atomic(using=using):
            return _append_batch(items, using)
    except Exception as exc:
        if len(items) == 1:
            logger.exception("Storing a chat message failed")
            return [exc]
        logger.warning("A batch of %d chat messages failed; retrying one by one", len(items))
    return [append_messages([item], using=using)[0] for item in items]


def _append_batch(items: Sequence[NewMessage], using: str) -> list[Outcome]:
    """Store a batch with a fixed number of statements, however many conversations.

    Lock and bump every counter (one ``UPDATE``), find repeated client_ids (one
    ``SELECT``), insert (one ``INSERT``), mark activity (one ``UPDATE``).
    """
    conversation_ids = [_as_uuid(item.conversation_id) for item in items]
    counts = Counter(conversation_ids)
    counters = _bump_counters(connections[using], counts)
    last_seqs = {pk: seq for pk, (seq, _) in counters.items()}
    resolved = {pk for pk, (_, status) in counters.items() if status == RESOLVED}

    wanted = {
        (pk, item.client_id)
        for pk, item in zip(conversation_ids, items, strict=True)
        if item.client_id is not None and pk in last_seqs
    }
    known: dict[tuple[UUID, str], Message] = {}
    if wanted:
        existing = Message.objects.using(using).filter(
            conversation_id__in=list(last_seqs),
            client_id__in={client_id for _, client_id in wanted},
        )
        for message in existing:
            key = (message.conversation_id, message.client_id or "")
            if key in wanted:
                known[key] = message

    next_seq = {pk: last_seqs[pk] - counts[pk] for pk in last_seqs}
    reopened: set[UUID] = set()
    outcomes: list[Outcome] = []
    to_insert: list[Message] = []
    for pk, item in zip(conversation_ids, items, strict=True):
        if pk not in last_seqs:
            outcomes.append(ConversationNotFound(f"conversation {pk} does not exist"))
            continue
        key = (pk, item.client_id or "")
        if item.client_id is not None and key in known:
            outcomes.append(StoredMessage(known[key], created=False))
            continue
        next_seq[pk] += 1
        message = Message(
            conversation_id=pk,
            seq=next_seq[pk],
            role=item.role,
            content=item.content,
            client_id=item.client_id,
            is_auto=item.is_auto,
            is_manual=item.is_manual,
            sender_id=item.sender_id,
            metadata=item.metadata,
        )
        if item.client_id is not None:
            known[key] = message  # a second copy inside this batch maps to the first
        to_insert.append(message)
        # A visitor writing in a resolved conversation reopens it.
        reopens = item.role == USER and pk in resolved
        if reopens:
            resolved.discard(pk)
            reopened.add(pk)
        outcomes.append(StoredMessage(message, created=True, reopened=reopens))

    conversations = Conversation.objects.using(using)
    if to_insert:
        Message.objects.using(using).bulk_create(to_insert)
        now = timezone.now()
        # Only conversations that got a new message move up the inbox.
        conversations.filter(pk__in={m.conversation_id for m in to_insert}).update(
            last_message_at=now, updated_at=now
        )
        if reopened:
            conversations.filter(pk__in=reopened).update(status=OPEN)
    for pk, seq in next_seq.items():
        if seq != last_seqs[pk]:  # some were repeats: give their numbers back (rare)
            conversations.filter(pk=pk).update(last_seq=seq)
    return outcomes


def _bump_counters(
    connection: BaseDatabaseWrapper, counts: Counter[UUID]
) -> dict[UUID, tuple[int, str]]:
    """Add ``counts[pk]`` to each conversation's ``last_seq``; return ``(last_seq, status)``.

    Missing conversations are absent from the result. This is the transaction's first
    write, so it takes the lock (see the module docstring); on PostgreSQL the rows are
    locked first in primary-key order, so that two batches never deadlock.
    """
    meta = Conversation._meta
    pk_field = meta.pk
    assert pk_field is not None
    quote = connection.ops.quote_name
    table, pk_column = quote(meta.db_table), quote(pk_field.column)
    seq_column, status_column = quote("last_seq"), quote("status")
    keys = {pk: pk_field.get_db_prep_value(pk, connection) for pk in counts}
    in_list = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        if connection.features.has_select_for_update:
            cursor.execute(
                f"SELECT {pk_column} FROM {table} WHERE {pk_column} IN ({in_list}) "
                f"ORDER BY {pk_column} FOR UPDATE",
                list(keys.values()),
            )
        branches = " ".join(["WHEN %s THEN %s"] * len(keys))
        update = (
            f"UPDATE {table} SET {seq_column} = {seq_column} + CASE {pk_column} {branches} END "
            f"WHERE {pk_column} IN ({in_list})"
        )
        params: list[Any] = [p for pk, n in counts.items() for p in (keys[pk], n)]
        params.extend(keys.values())
        if _can_return_from_update(connection):
            cursor.execute(f"{update} RETURNING {pk_column}, {seq_column}, {status_column}", params)
        else:
            cursor.execute(update, params)
            cursor.execute(
                f"SELECT {pk_column}, {seq_column}, {status_column} FROM {table} "
                f"WHERE {pk_column} IN ({in_list})",
                list(keys.values()),
            )
        return {_as_uuid(pk): (seq, status) for pk, seq, status in cursor.fetchall()}


def _can_return_from_update(connection: BaseDatabaseWrapper) -> bool:
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 35)
    return False


def _as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
