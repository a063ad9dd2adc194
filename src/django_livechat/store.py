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

How: the first statement on each conversation is an ``UPDATE`` of its ``last_seq`` counter.
On PostgreSQL that takes the row lock, serialising writers of one conversation; on SQLite
the first write takes the database's write lock (a transaction that writes before it reads
waits on the busy timeout instead of failing with "database is locked"). Conversations are
locked in a fixed order so two batches never deadlock. A rollback also rolls the counter
back, so no seq is ever lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import F
from django.utils import timezone

from django_livechat.models import Conversation, Message

logger = logging.getLogger(__name__)


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
    by_conversation: dict[UUID, list[int]] = {}
    for index, item in enumerate(items):
        by_conversation.setdefault(_as_uuid(item.conversation_id), []).append(index)

    outcomes: list[Outcome | None] = [None] * len(items)
    to_insert: list[Message] = []
    now = timezone.now()
    # A fixed lock order keeps two concurrent batches from deadlocking on PostgreSQL.
    for conversation_id in sorted(by_conversation):
        indexes = by_conversation[conversation_id]
        rows = _allocate(conversation_id, [items[i] for i in indexes], now, using)
        if rows is None:
            error = ConversationNotFound(f"conversation {conversation_id} does not exist")
            for i in indexes:
                outcomes[i] = error
            continue
        for i, (message, created) in zip(indexes, rows, strict=True):
            outcomes[i] = StoredMessage(message, created)
            if created:
                to_insert.append(message)
    if to_insert:
        Message.objects.using(using).bulk_create(to_insert)
    return [outcome for outcome in outcomes if outcome is not None]


def _allocate(
    conversation_id: UUID, items: list[NewMessage], now: Any, using: str
) -> list[tuple[Message, bool]] | None:
    """Lock the conversation, drop repeated client_ids, number the rest.

    Returns ``(message, created)`` per item, or None if the conversation is missing.
    """
    conversations = Conversation.objects.using(using).filter(pk=conversation_id)
    # Write first: this takes the lock (see the module docstring).
    if not conversations.update(last_seq=F("last_seq") + len(items)):
        return None
    last_seq = conversations.values_list("last_seq", flat=True).get()
    base = last_seq - len(items)

    client_ids = {item.client_id for item in items if item.client_id is not None}
    known: dict[str, Message] = {}
    if client_ids:
        existing = Message.objects.using(using).filter(
            conversation_id=conversation_id, client_id__in=client_ids
        )
        known = {message.client_id: message for message in existing if message.client_id}

    rows: list[tuple[Message, bool]] = []
    seq = base
    for item in items:
        if item.client_id is not None and item.client_id in known:
            rows.append((known[item.client_id], False))
            continue
        seq += 1
        message = Message(
            conversation_id=conversation_id,
            seq=seq,
            role=item.role,
            content=item.content,
            client_id=item.client_id,
            is_auto=item.is_auto,
            is_manual=item.is_manual,
            sender_id=item.sender_id,
            metadata=item.metadata,
        )
        if item.client_id is not None:
            # A second copy inside this same batch maps to the first.
            known[item.client_id] = message
        rows.append((message, True))

    fields: dict[str, Any] = {}
    if seq != last_seq:  # some were repeats: give their numbers back
        fields["last_seq"] = seq
    if seq != base:  # only a new message is activity; a retried send is not
        fields.update(last_message_at=now, updated_at=now)
    if fields:
        conversations.update(**fields)
    return rows


def _as_uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))
