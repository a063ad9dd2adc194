"""Hand-off: a conversation goes from the responder to a person.

The visitor asks (the ``handoff`` frame, ``POST api/handoff/``), the responder hands over
(:class:`~django_livechat.responders.Handoff`, a stream cut short, a responder stopped by
the rate limit), or an agent takes the conversation (replies, or assigns it). The first
sets ``Conversation.handoff_at`` (one conditional update: later ones change nothing) and
is told to the conversation's visitor sockets and the website's dashboards as a
``handoff`` frame, with the conversation's new entry for the dashboards. Every call stops
the conversation's running streams, in whichever process runs them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.utils import timezone

from django_livechat import errors
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Conversation
from django_livechat.pipeline import events, frames, streams

logger = logging.getLogger(__name__)

VISITOR, BOT, AGENT = "visitor", "bot", "agent"


@dataclass(frozen=True)
class HandedOver:
    """When the conversation was handed over, and whether this call did it."""

    conversation_id: UUID
    handoff_at: datetime
    changed: bool


async def hand_over(conversation_id: UUID, by: str) -> HandedOver:
    """Hand the conversation to a person (idempotent) and stop its running streams.
    ``by`` is ``visitor``, ``bot`` or ``agent``."""
    conversation, changed = await run_in_db_thread(_hand_over_sync, conversation_id)
    await streams.stop(conversation.id)
    assert conversation.handoff_at is not None
    if changed:
        logger.info("Conversation %s handed over to a person (by the %s)", conversation.id, by)
        frame = frames.handoff(conversation.id, conversation.handoff_at, by)
        entry = frames.conversation_frame(frames.conversation_data(conversation))
        out = events.Frames(conversation.id, conversation.website_id)
        await out.to_visitors(frame).to_dashboards(frame).to_dashboards(entry).send()
    return HandedOver(conversation.id, conversation.handoff_at, changed)


def _hand_over_sync(conversation_id: UUID) -> tuple[Conversation, bool]:
    now = timezone.now()
    # One statement: of two hand-offs at once, one sets the time and is announced.
    changed = bool(
        Conversation.objects.filter(pk=conversation_id, handoff_at__isnull=True).update(
            handoff_at=now, updated_at=now
        )
    )
    conversation = (
        Conversation.objects.select_related("website", "assigned_agent")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise ChatError(errors.FORBIDDEN, "That conversation no longer exists.")
    return conversation, changed
