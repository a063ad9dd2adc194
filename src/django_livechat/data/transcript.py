"""One conversation as a transcript: plain text to read, JSON for programs.

The same JSON object is a line of the JSON Lines export (:mod:`.export`). Times are in the
website's time zone (``Website.time_zone``, blank: ``TIME_ZONE``); attachments are listed
by name (the files stay where they are); private notes are in only when asked, for agents.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from django_livechat import errors, permissions
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Message, Note
from django_livechat.pipeline.frames import AGENT, ASSISTANT, USER, display_name
from django_livechat.pipeline.hours import website_zone
from django_livechat.pipeline.inbox import AgentSession, current_agent
from django_livechat.pipeline.validation import clean_uuid

FORMATS = ("txt", "json")
CONTENT_TYPES = {"txt": "text/plain; charset=utf-8", "json": "application/json; charset=utf-8"}


def local_time(moment: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """``moment`` in ``zone``, ISO 8601 with its offset (``None`` stays ``None``)."""
    return None if moment is None else moment.astimezone(zone).isoformat()


def sender_of(message: Message, conversation: Conversation) -> str:
    """Who wrote ``message``, as agents know them: the agent's own name, not the one
    visitors were shown."""
    metadata = message.metadata or {}
    if message.role == USER:
        return conversation.visitor_name or _("Visitor")
    if message.role == AGENT:
        name = metadata.get("agent_name") or (
            display_name(message.sender) if message.sender is not None else ""
        )
        return str(name or metadata.get("sender_name") or _("Agent"))
    if message.role == ASSISTANT:
        return _("Automatic reply")
    return _("System")


def attachment_of(message: Message) -> dict[str, Any] | None:
    """The attachment a message carries, as its name, type and size (no URL)."""
    summary = (message.metadata or {}).get("attachment")
    if not isinstance(summary, dict):
        return None
    return {
        "name": str(summary.get("name", "")),
        "content_type": str(summary.get("content_type", "")),
        "size": summary.get("size", 0),
    }


def message_record(message: Message, conversation: Conversation, zone: dt.tzinfo) -> dict[str, Any]:
    return {
        "seq": message.seq,
        "role": message.role,
        "sender": sender_of(message, conversation),
        "content": message.content,
        "created_at": local_time(message.created_at, zone),
        "attachment": attachment_of(message),
    }


def note_record(note: Note, zone: dt.tzinfo) -> dict[str, Any]:
    return {
        "author": display_name(note.author) if note.author is not None else None,
        "text": note.text,
        "created_at": local_time(note.created_at, zone),
    }


def conversation_record(
    conversation: Conversation,
    messages: Iterable[Message],
    notes: Iterable[Note] | None = None,
    *,
    zone: dt.tzinfo | None = None,
) -> dict[str, Any]:
    """The conversation and its messages as one JSON object; ``notes`` only when given.

    ``conversation`` needs its ``website``, ``assigned_agent`` and ``labels`` at hand
    (select or prefetch them: an export reads thousands)."""
    zone = zone or website_zone(conversation.website)
    agent = conversation.assigned_agent
    record: dict[str, Any] = {
        "conversation_id": str(conversation.pk),
        "website_id": str(conversation.website_id),
        "website": conversation.website.name,
        "time_zone": str(zone),
        "status": conversation.status,
        "visitor_identifier": conversation.visitor_identifier,
        "visitor_name": conversation.visitor_name,
        "visitor_email": conversation.visitor_email,
        "prechat": conversation.prechat,
        "metadata": conversation.metadata,
        "created_at": local_time(conversation.created_at, zone),
        "last_message_at": local_time(conversation.last_message_at, zone),
        "assigned_agent": display_name(agent) if agent is not None else None,
        "labels": [label.name for label in conversation.labels.all()],
        "rating": conversation.rating,
        "rating_comment": conversation.rating_comment,
        "messages": [message_record(m, conversation, zone) for m in messages],
    }
    if notes is not None:
        record["notes"] = [note_record(n, zone) for n in notes]
    return record


def as_json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def as_text(record: dict[str, Any]) -> str:
    """A transcript a person reads: a header, then one paragraph per message."""
    lines = [_("Conversation %(id)s") % {"id": record["conversation_id"]}]
    visitor = record["visitor_name"] or _("Visitor")
    if record["visitor_email"]:
        visitor = f"{visitor} <{record['visitor_email']}>"
    if record["visitor_identifier"]:
        visitor = _("%(visitor)s (identifier %(identifier)s)") % {
            "visitor": visitor,
            "identifier": record["visitor_identifier"],
        }
    header = [
        (_("Website"), record["website"]),
        (_("Visitor"), visitor),
        (_("Started"), _short(record["created_at"])),
        (_("Status"), str(Conversation.Status(record["status"]).label)),
        (_("Assigned to"), record["assigned_agent"]),
        (_("Labels"), ", ".join(record["labels"])),
        (_("Rating"), _rating(record)),
        (_("Time zone"), record["time_zone"]),
    ]
    lines += [f"{name}: {value}" for name, value in header if value]
    lines.append("")
    for message in record["messages"]:
        text = message["content"]
        if message["attachment"] is not None:
            text = _("[Attachment: %(name)s] %(text)s") % {
                "name": message["attachment"]["name"],
                "text": text,
            }
        lines.append(_paragraph(message["created_at"], message["sender"], text))
    if record.get("notes"):
        lines += ["", _("Private notes (agents only)"), ""]
        for note in record["notes"]:
            author = note["author"] or _("A former agent")
            lines.append(_paragraph(note["created_at"], author, note["text"]))
    return "\n".join(lines).rstrip() + "\n"


def _short(iso: str | None) -> str:
    """``2026-11-30T06:31:08.123+01:00`` as ``2026-11-30 06:31:08``."""
    return "" if iso is None else dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S")


def _rating(record: dict[str, Any]) -> str:
    if record["rating"] is None:
        return ""
    rating = f"{record['rating']}/5"
    return f"{rating} {record['rating_comment']}".strip() if record["rating_comment"] else rating


def _paragraph(when: str | None, who: str, text: str) -> str:
    # Continuation lines are indented, so a line of a message never reads as a new one.
    body = text.strip().replace("\n", "\n    ")
    return f"[{_short(when)}] {who}: {body}"


# ---------------------------------------------------------------- the agent's download


@dataclass(frozen=True)
class Transcript:
    """A transcript file: its name, content type and text."""

    filename: str
    content_type: str
    text: str


async def agent_transcript(
    agent: AgentSession, conversation_id: object, *, fmt: object, notes: object
) -> Transcript:
    """The transcript of a conversation of a website ``agent`` serves (``NOT_FOUND`` for
    any other, as for one that does not exist); ``notes``: with the private notes."""
    if fmt not in FORMATS:
        raise ChatError(errors.INVALID_MESSAGE, "format must be 'txt' or 'json'.")
    if notes not in (None, "", "0", "1"):
        raise ChatError(errors.INVALID_MESSAGE, "notes must be 0 or 1.")
    return await run_in_db_thread(
        _agent_transcript_sync, agent, conversation_id, str(fmt), notes == "1"
    )


def _agent_transcript_sync(
    agent: AgentSession, conversation_id: object, fmt: str, with_notes: bool
) -> Transcript:
    user = current_agent(agent)
    cid = clean_uuid(conversation_id, "conversation_id")
    conversation = (
        Conversation.objects.filter(pk=cid, website__in=permissions.served_websites(user))
        .select_related("website", "assigned_agent")
        .first()
    )
    if conversation is None:
        raise ChatError(errors.NOT_FOUND, "No such conversation.")
    record = conversation_record(
        conversation,
        conversation.messages.select_related("sender").order_by("seq"),
        conversation.notes.select_related("author").order_by("created_at") if with_notes else None,
    )
    text = as_json(record) if fmt == "json" else as_text(record)
    return Transcript(f"conversation-{conversation.pk}.{fmt}", CONTENT_TYPES[fmt], text)
