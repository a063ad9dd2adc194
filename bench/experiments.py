"""What-if switches for the benchmark server (``--experiment NAME``; never on by default).

Each one replaces a piece of the shipped code inside the server process only, to measure
what a proposed change to ``src/`` would buy before anyone makes it. A run with any of them
is labelled an experiment in its output; its numbers are not the app's.

* ``no-dispatch-close``: Channels 4.2+ runs ``close_old_connections()`` through
  ``sync_to_async`` (a round trip to asgiref's one thread-sensitive thread) before *every*
  event a consumer handles. The visitor consumer skips it here (its ORM work runs in
  django_livechat's own threads, which tidy their connections); the baseline keeps it.
* ``no-typing``: the responder's typing on/off broadcasts (four of the pipeline's eight
  ``group_send`` calls, two of its four frames) are not sent.
* ``no-responder-db``: the responder step answers without its two queries (loading the
  conversation with its website; "has an agent replied?"): an upper bound for caching them.
* ``short-switch-interval``: ``sys.setswitchinterval(0.0005)`` (Python's default is 5 ms):
  a thread returning from SQLite or a socket waits less for the GIL. Not a code change;
  it tests whether the threads spend their time queueing for the GIL.
* ``batched-store``: the group-commit writer stores a batch with a fixed number of queries
  (four) instead of four per conversation in the batch: see :func:`append_messages`.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any
from uuid import UUID

NAMES = (
    "no-dispatch-close",
    "no-typing",
    "no-responder-db",
    "short-switch-interval",
    "batched-store",
)


def apply(names: Sequence[str]) -> None:
    unknown = set(names) - set(NAMES)
    if unknown:
        raise ValueError(f"unknown experiments: {sorted(unknown)}")
    if "no-dispatch-close" in names:
        _no_dispatch_close()
    if "no-typing" in names:
        _no_typing()
    if "no-responder-db" in names:
        _no_responder_db()
    if "short-switch-interval" in names:
        sys.setswitchinterval(0.0005)
    if "batched-store" in names:
        from django_livechat import writer

        writer.append_messages = append_messages  # type: ignore[assignment]


def _no_dispatch_close() -> None:
    from channels.consumer import get_handler_name

    from django_livechat.consumers.visitor import VisitorConsumer

    async def dispatch(self: VisitorConsumer, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    VisitorConsumer.dispatch = dispatch


def _no_typing() -> None:
    from django_livechat import pipeline

    async def broadcast_typing(*args: Any, **kwargs: Any) -> None:
        return None

    pipeline.broadcast_typing = broadcast_typing  # type: ignore[assignment]


def _no_responder_db() -> None:
    from django_livechat import pipeline
    from django_livechat.conf import livechat_settings

    async def run_responder(message: Any) -> str | None:
        return livechat_settings.AUTO_RESPONSE_TEXT

    pipeline._run_responder = run_responder  # type: ignore[assignment]


# ---------------------------------------------------------------- batched-store


def _bump_counters(connection: Any, counts: Counter[UUID]) -> dict[UUID, int]:
    """One ``UPDATE ... RETURNING`` for every conversation of the batch: its new last_seq.

    Raw SQL because the ORM neither returns rows from an UPDATE nor builds a CASE of many
    branches cheaply (each ``When`` compiles a filter). SQLite 3.35+ and PostgreSQL.
    """
    from django_livechat.models import Conversation

    meta = Conversation._meta
    quote = connection.ops.quote_name
    pk_field = meta.pk
    assert pk_field is not None
    keys = {pk: pk_field.get_db_prep_value(pk, connection) for pk in counts}
    branches = " ".join("WHEN %s THEN %s" for _ in counts)
    placeholders = ", ".join("%s" for _ in counts)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {quote('last_seq')} = {quote('last_seq')} + "
        f"CASE {quote(pk_field.column)} {branches} END "
        f"WHERE {quote(pk_field.column)} IN ({placeholders}) "
        f"RETURNING {quote(pk_field.column)}, {quote('last_seq')}"
    )
    params: list[Any] = [x for pk, n in counts.items() for x in (keys[pk], n)]
    params.extend(keys.values())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {_uuid(key): seq for key, seq in cursor.fetchall()}


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def append_messages(items: Sequence[Any], *, using: str = "default") -> list[Any]:
    """:func:`django_livechat.store.append_messages` with a fixed number of queries per batch.

    Same guarantees (gap-free seq, client_id idempotence, a failing batch retried item by
    item through the shipped code), but the per-conversation steps become one statement
    each for the whole batch: bump every counter and read them back (one
    ``UPDATE ... CASE ... RETURNING``, the first statement, so it still takes SQLite's
    write lock first), find repeated client_ids (one ``SELECT``), insert (one ``INSERT``),
    mark activity (one ``UPDATE``). A prototype measured on SQLite: on PostgreSQL the row
    locks would need taking in a fixed order first (``SELECT ... FOR UPDATE ORDER BY id``).
    """
    from django.db import transaction

    from django_livechat import store

    if not items:
        return []
    try:
        with transaction.atomic(using=using):
            return _append_batch(items, using)
    except Exception:
        if len(items) == 1:
            return store.append_messages(items, using=using)
    return [store.append_messages([item], using=using)[0] for item in items]


def _append_batch(items: Sequence[Any], using: str) -> list[Any]:
    from django.db import connections
    from django.utils import timezone

    from django_livechat.models import Conversation, Message
    from django_livechat.store import ConversationNotFound, StoredMessage, _as_uuid

    conversation_ids = [_as_uuid(item.conversation_id) for item in items]
    counts = Counter(conversation_ids)
    last_seqs = _bump_counters(connections[using], counts)

    wanted = {(pk, item.client_id) for pk, item in zip(conversation_ids, items, strict=True)}
    client_ids = {client_id for _, client_id in wanted if client_id is not None}
    known: dict[tuple[UUID, str], Message] = {}
    if client_ids:
        existing = Message.objects.using(using).filter(
            conversation_id__in=list(counts), client_id__in=client_ids
        )
        for message in existing:
            key = (message.conversation_id, message.client_id or "")
            if key in wanted:
                known[key] = message

    next_seq = {pk: last_seqs[pk] - counts[pk] for pk in last_seqs}
    outcomes: list[Any] = []
    to_insert: list[Message] = []
    for pk, item in zip(conversation_ids, items, strict=True):
        if pk not in last_seqs:
            outcomes.append(ConversationNotFound(f"conversation {pk} does not exist"))
            continue
        key = (pk, item.client_id)
        if item.client_id is not None and key in known:
            outcomes.append(StoredMessage(known[key], False))
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
            known[key] = message
        to_insert.append(message)
        outcomes.append(StoredMessage(message, True))
    if to_insert:
        Message.objects.using(using).bulk_create(to_insert)
    now = timezone.now()
    active = {m.conversation_id for m in to_insert}
    if active:
        Conversation.objects.using(using).filter(pk__in=list(active)).update(
            last_message_at=now, updated_at=now
        )
    for pk, seq in next_seq.items():
        if seq != last_seqs[pk]:  # repeats: give their numbers back (rare)
            Conversation.objects.using(using).filter(pk=pk).update(last_seq=seq)
    return outcomes
