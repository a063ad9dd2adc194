"""Builders of the data tests: conversations with messages, notes and attachment files
in an in-memory storage."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import override_settings
from django.utils import timezone

from django_livechat.models import Attachment, Conversation, Message, Note, Website

IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture(autouse=True)
def _memory_storage():
    with override_settings(STORAGES=IN_MEMORY):
        yield


def stored(name: str) -> bool:
    return bool(name) and storages["default"].exists(name)


def chat(
    website: Website,
    *texts: str,
    at: dt.datetime | None = None,
    agent: Any = None,
    **fields: Any,
) -> Conversation:
    """A conversation of ``website`` whose messages (visitor first, then an agent's
    reply, in turn) are ``texts``, written a minute apart from ``at``."""
    at = at or timezone.now()
    conversation = Conversation.objects.create(website=website, **fields)
    Conversation.objects.filter(pk=conversation.pk).update(created_at=at)
    for seq, text in enumerate(texts, 1):
        role = Message.Role.USER if seq % 2 else Message.Role.AGENT
        message = Message.objects.create(
            conversation=conversation,
            seq=seq,
            role=role,
            content=text,
            sender=agent if role == Message.Role.AGENT else None,
            is_manual=role == Message.Role.AGENT,
        )
        Message.objects.filter(pk=message.pk).update(created_at=at + dt.timedelta(minutes=seq - 1))
    last = at + dt.timedelta(minutes=len(texts) - 1) if texts else None
    Conversation.objects.filter(pk=conversation.pk).update(
        last_seq=len(texts), last_message_at=last
    )
    conversation.refresh_from_db()
    return conversation


def attach(
    conversation: Conversation, name: str, data: bytes = b"hello", *, thumbnail: bool = False
) -> Attachment:
    """An attachment message (the next seq) with its file (and thumbnail) stored."""
    storage = storages["default"]
    seq = conversation.last_seq + 1
    attachment = Attachment(
        conversation=conversation,
        role=Message.Role.USER,
        name=name,
        content_type="image/png" if thumbnail else "text/plain",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        status=Attachment.Status.CLEAN,
    )
    attachment.file.name = storage.save(f"livechat/attachments/{name}", ContentFile(data))
    if thumbnail:
        attachment.thumbnail.name = storage.save(
            f"livechat/thumbnails/{name}", ContentFile(b"thumb")
        )
    summary = {
        "id": str(attachment.id),
        "name": name,
        "size": len(data),
        "content_type": attachment.content_type,
        "is_image": thumbnail,
        "has_thumbnail": thumbnail,
    }
    message = Message.objects.create(
        conversation=conversation,
        seq=seq,
        role=Message.Role.USER,
        content="",
        metadata={"attachment": summary},
    )
    attachment.message = message
    attachment.save()
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=seq)
    conversation.refresh_from_db()
    return attachment


def note(conversation: Conversation, text: str, author: Any = None) -> Note:
    return Note.objects.create(conversation=conversation, text=text, author=author)
