"""Deleting conversations for good, in batches, with their attachment files.

Used by retention and erasure. A batch's rows go in one transaction (messages, private
notes, attachments, read markers, pending replies and the conversations' emails in the
outbox follow their conversation); the files of its attachments and thumbnails are
deleted through the attachment storage once that transaction has committed, so a failed
delete never leaves rows pointing at missing files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from django_livechat.models import (
    Attachment,
    Conversation,
    EmailOutbox,
    Message,
    Note,
    attachment_storage,
)

logger = logging.getLogger(__name__)

#: Conversations deleted per transaction: no single giant DELETE, no long lock.
BATCH_SIZE = 100


@dataclass
class Removal:
    """What a deletion took (or, in a dry run, would take)."""

    conversations: int = 0
    messages: int = 0
    notes: int = 0
    attachments: int = 0
    files: int = 0
    ratings: int = 0
    emails: int = 0

    def __iadd__(self, other: Removal) -> Removal:
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self

    def describe(self) -> str:
        """``3 conversations, 12 messages, 1 note, …`` (the counts that are not zero)."""
        words = {
            "conversations": ("conversation", "conversations"),
            "messages": ("message", "messages"),
            "notes": ("private note", "private notes"),
            "attachments": ("attachment", "attachments"),
            "files": ("stored file", "stored files"),
            "ratings": ("rating", "ratings"),
            "emails": ("email in the outbox", "emails in the outbox"),
        }
        parts = []
        for name, (one, many) in words.items():
            count = getattr(self, name)
            if count or name == "conversations":
                parts.append(f"{count:,} {one if count == 1 else many}")
        return ", ".join(parts)


def measure(conversations: QuerySet[Conversation]) -> Removal:
    """What deleting ``conversations`` takes, counted by the database."""
    ids = conversations.order_by().values("pk")
    attachments = Attachment.objects.filter(conversation__in=ids)
    return Removal(
        conversations=conversations.count(),
        messages=Message.objects.filter(conversation__in=ids).count(),
        notes=Note.objects.filter(conversation__in=ids).count(),
        attachments=attachments.count(),
        files=attachments.exclude(file="").count() + attachments.exclude(thumbnail="").count(),
        ratings=conversations.filter(rating__isnull=False).count(),
        emails=EmailOutbox.objects.filter(conversation__in=ids).count(),
    )


def delete_conversations(
    conversations: QuerySet[Conversation],
    *,
    batch_size: int | None = None,
    on_batch: Callable[[Removal], None] | None = None,
) -> Removal:
    """Delete ``conversations`` (a query, read again per batch) and their files; what
    went. ``on_batch`` hears of each batch after it committed."""
    size = batch_size or BATCH_SIZE
    total = Removal()
    while True:
        ids = list(conversations.order_by().values_list("pk", flat=True)[:size])
        if not ids:
            return total
        batch = Conversation.objects.filter(pk__in=ids)
        with transaction.atomic():
            removal = measure(batch)
            names = _file_names(batch)
            deleted = batch.delete()[1].get(Conversation._meta.label, 0)
            transaction.on_commit(lambda names=names: delete_files(names))  # type: ignore[misc]
        if not deleted:
            # Someone else deleted them first: nothing left that this query selects.
            return total
        total += removal
        if on_batch is not None:
            on_batch(removal)


def _file_names(conversations: QuerySet[Conversation]) -> list[str]:
    names: list[str] = []
    for file, thumbnail in Attachment.objects.filter(conversation__in=conversations).values_list(
        "file", "thumbnail"
    ):
        names += [name for name in (file, thumbnail) if name]
    return names


def delete_files(names: list[str]) -> None:
    """Delete these files of the attachment storage; a failure is logged, not raised (the
    rows are gone already: a leftover file is found by the storage's own tools)."""
    storage: Any = attachment_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Deleting the attachment file %s failed", name)
