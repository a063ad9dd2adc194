"""Conversations exported as CSV (one row per message) or JSON Lines (one object per
conversation, the transcript's JSON: :func:`.transcript.conversation_record`).

Both are generators of text lines over ``QuerySet.iterator(chunk_size=...)`` with the
messages prefetched chunk by chunk: an export of any size holds one chunk of
conversations in memory at a time. Private notes are never exported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from django_livechat.data.transcript import conversation_record, local_time, sender_of
from django_livechat.models import Conversation, Message, Website
from django_livechat.pipeline.hours import website_zone

FORMATS = ("csv", "jsonl")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}
#: Conversations read (with their messages) per database round trip.
CHUNK_SIZE = 200
CSV_COLUMNS = (
    "conversation_id",
    "website",
    "visitor_identifier",
    "visitor_name",
    "visitor_email",
    "seq",
    "role",
    "sender",
    "content",
    "created_at",
    "attachment",
)
# A cell starting with one of these is a formula to a spreadsheet: a visitor could write
# "=HYPERLINK(...)" into the site owner's Excel. Such text gets a leading apostrophe
# (OWASP's advice); the JSON Lines export keeps the text as it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def website_conversations(
    website: Website, *, since: dt.date | None = None, until: dt.date | None = None
) -> QuerySet[Conversation]:
    """The conversations of ``website`` started from ``since`` to ``until`` (both days
    included, in the website's time zone)."""
    zone = website_zone(website)
    conversations: QuerySet[Conversation] = Conversation.objects.filter(website=website)
    if since is not None:
        start = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
        conversations = conversations.filter(created_at__gte=start)
    if until is not None:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        conversations = conversations.filter(created_at__lt=end)
    return conversations


def for_export(conversations: QuerySet[Conversation]) -> Iterator[Conversation]:
    """``conversations`` oldest first with what an export reads of them, streamed."""
    messages = Message.objects.select_related("sender").order_by("seq")
    rows: QuerySet[Conversation] = (
        conversations.select_related("website", "assigned_agent")
        .prefetch_related(Prefetch("messages", queryset=messages), "labels")
        .order_by("created_at", "pk")
    )
    return rows.iterator(chunk_size=CHUNK_SIZE)


def export_lines(
    conversations: QuerySet[Conversation],
    fmt: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[str]:
    """The export of ``conversations`` in ``fmt`` (``csv`` or ``jsonl``), a line at a time;
    ``progress(conversations_done, messages_done)`` after each conversation."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    zones: dict[Any, dt.tzinfo] = {}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if fmt == "csv":
        writer.writerow(CSV_COLUMNS)
        yield _drain(buffer)
    messages_done = 0
    for done, conversation in enumerate(for_export(conversations), 1):
        zone = zones.get(conversation.website_id)
        if zone is None:
            zone = zones[conversation.website_id] = website_zone(conversation.website)
        messages = list(conversation.messages.all())
        if fmt == "csv":
            for message in messages:
                writer.writerow(csv_row(conversation, message, zone))
            if messages:
                yield _drain(buffer)
        else:
            record = conversation_record(conversation, messages, zone=zone)
            yield json.dumps(record, ensure_ascii=False) + "\n"
        messages_done += len(messages)
        if progress is not None:
            progress(done, messages_done)


def csv_row(conversation: Conversation, message: Message, zone: dt.tzinfo) -> list[Any]:
    summary = (message.metadata or {}).get("attachment")
    attachment = str(summary.get("name", "")) if isinstance(summary, dict) else ""
    return [
        str(conversation.pk),
        _cell(conversation.website.name),
        _cell(conversation.visitor_identifier),
        _cell(conversation.visitor_name),
        _cell(conversation.visitor_email),
        message.seq,
        message.role,
        _cell(sender_of(message, conversation)),
        _cell(message.content),
        local_time(message.created_at, zone),
        _cell(attachment),
    ]


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
