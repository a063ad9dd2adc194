"""Group commit: one writer thread per process stores the messages of every connection.

Coroutines :meth:`GroupCommitWriter.submit` a :class:`~django_livechat.store.NewMessage` and
wait. Whatever arrives while a batch is being committed forms the next batch, so under load
many connections' messages share one transaction (one fsync), and when idle a message is
committed at once: there is no timer to wait for. The batch goes through
:func:`~django_livechat.store.append_messages`, which keeps ``seq`` gap-free and
``client_id`` idempotent and isolates a bad item from the rest of its batch.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Sequence

from django_livechat.dbthreads import run_in_writer_thread
from django_livechat.models import Message
from django_livechat.signals import message_stored
from django_livechat.store import NewMessage, Outcome, StoredMessage, append_messages

logger = logging.getLogger(__name__)

MAX_BATCH = 500


def _commit(items: Sequence[NewMessage]) -> list[Outcome]:
    """Runs in the writer thread: store a batch, then announce what was created."""
    outcomes = append_messages(items)
    for outcome in outcomes:
        if not isinstance(outcome, StoredMessage):
            continue
        if outcome.created:
            _announce(outcome.message)
        if outcome.reply_created and outcome.reply is not None:
            _announce(outcome.reply)
    return outcomes


def _announce(message: Message) -> None:
    for receiver, result in message_stored.send_robust(
        sender=Message,
        message=message,
        role=message.role,
        conversation_id=message.conversation_id,
    ):
        if isinstance(result, Exception):
            logger.error("message_stored receiver %r failed", receiver, exc_info=result)


class GroupCommitWriter:
    """Batches submissions from every coroutine of one event loop."""

    def __init__(self) -> None:
        self._pending: list[tuple[NewMessage, asyncio.Future[StoredMessage]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: NewMessage) -> StoredMessage:
        """Store ``item``; raise what storing it raised."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[StoredMessage] = loop.create_future()
        self._pending.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._pending:
            batch = self._pending[:MAX_BATCH]
            del self._pending[:MAX_BATCH]
            try:
                # One thread: SQLite has a single writer anyway, and on PostgreSQL one
                # connection committing big batches beats many committing a row each.
                outcomes = await run_in_writer_thread(_commit, [item for item, _ in batch])
            except asyncio.CancelledError:
                # The loop is shutting down. The batch may still commit in the thread;
                # a client that retries with its client_id gets the stored row back.
                for _, future in batch + self._pending:
                    future.cancel()
                self._pending.clear()
                raise
            except Exception as exc:
                logger.exception("The chat writer failed a batch of %d", len(batch))
                outcomes = [exc] * len(batch)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the submitter was cancelled
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)


_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommitWriter] = (
    weakref.WeakKeyDictionary()
)


def get_writer() -> GroupCommitWriter:
    """The writer of the running event loop."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = GroupCommitWriter()
    return writer


async def store(item: NewMessage) -> StoredMessage:
    """Store one message through the running loop's group-commit writer."""
    return await get_writer().submit(item)
