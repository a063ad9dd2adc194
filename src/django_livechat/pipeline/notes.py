"""Private notes: agents' remarks on a conversation, for agents only.

A note is not a message (:class:`~django_livechat.models.Note`): it has no ``seq``, and no
visitor path (socket, HTTP, history, email) reads the table. Stored idempotently by
``client_id`` per author and sent to the website's dashboards as a ``note`` frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction

from django_livechat import errors
from django_livechat.conf import livechat_settings
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Note
from django_livechat.pipeline import events, frames
from django_livechat.pipeline.inbox import AgentSession, current_agent, visible_conversation
from django_livechat.pipeline.validation import clean_client_id, storable

#: Notes in a ``notes`` answer: the newest this many, oldest first.
NOTES_LIMIT = 200


@dataclass(frozen=True)
class NoteResult:
    """A stored note (``created`` False for a repeated ``client_id``)."""

    note: dict[str, Any]
    created: bool
    #: Frames for the sender's socket alone: a retry's stored copy.
    ack: list[dict[str, Any]] = field(default_factory=list)


def clean_note_text(value: object) -> str:
    """A note's text: non-empty, at most ``MAX_MESSAGE_LENGTH`` characters."""
    if not isinstance(value, str) or not value.strip():
        raise ChatError(errors.INVALID_MESSAGE, "A note must be non-empty text.")
    limit = livechat_settings.MAX_MESSAGE_LENGTH
    if len(value) > limit:
        raise ChatError(errors.INVALID_MESSAGE, f"A note is at most {limit} characters.")
    return storable(value.strip(), "The note")


async def add_note(
    agent: AgentSession, conversation_id: object, *, text: object, client_id: object
) -> NoteResult:
    """Store a note on a conversation of a website the agent serves and send it to the
    website's dashboards; the same ``client_id`` again answers the stored note (to the
    sender only)."""
    content = clean_note_text(text)
    key = clean_client_id(client_id)
    data, website_id, created = await run_in_db_thread(
        _add_sync, agent, conversation_id, content, key
    )
    if not created:
        return NoteResult(data, created=False, ack=[frames.note(data)])
    await events.Frames(data["conversation_id"], website_id).to_dashboards(frames.note(data)).send()
    return NoteResult(data, created=True)


def _add_sync(
    agent: AgentSession, conversation_id: object, text: str, key: str
) -> tuple[dict[str, Any], UUID, bool]:
    user = current_agent(agent)
    conversation = visible_conversation(user, conversation_id)
    stored = Note.objects.select_related("author").filter(
        conversation=conversation, author=user, client_id=key
    )
    note, created = stored.first(), False
    if note is None:
        try:
            with transaction.atomic():
                note = Note.objects.create(
                    conversation=conversation, author=user, text=text, client_id=key
                )
            created = True
        except IntegrityError:  # the same note from another tab or process, just now
            note = stored.get()
    return frames.note_data(note), conversation.website_id, created


async def list_notes(agent: AgentSession, conversation_id: object) -> dict[str, Any]:
    """The ``notes`` frame: the conversation's notes, oldest first (the newest
    :data:`NOTES_LIMIT`)."""
    return await run_in_db_thread(_list_sync, agent, conversation_id)


def _list_sync(agent: AgentSession, conversation_id: object) -> dict[str, Any]:
    conversation = visible_conversation(current_agent(agent), conversation_id)
    newest = conversation.notes.select_related("author").order_by("-created_at", "-pk")
    listed = [frames.note_data(note) for note in list(newest[:NOTES_LIMIT])[::-1]]
    return frames.notes(conversation.id, listed)
