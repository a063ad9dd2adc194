"""How far the visitor has seen their conversation (``seen`` frame, ``POST api/seen/``).

The widget says so when messages are on screen (panel open, tab visible), throttled. The
position only moves forward and never past the conversation's last ``seq``; the email
sender reads it to drop a reply email whose replies the visitor has seen
(:mod:`django_livechat.notifications`). Nothing is sent back.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import F, Value
from django.db.models.functions import Least

from django_livechat.dbthreads import run_in_writer_thread
from django_livechat.models import Conversation
from django_livechat.pipeline.background import loop_local
from django_livechat.pipeline.sessions import VisitorSession
from django_livechat.pipeline.validation import clean_seq

#: Conversations whose stored position this process remembers (then it forgets them all).
REMEMBERED = 10_000


async def mark_seen(session: VisitorSession, seq: object) -> None:
    """The visitor has seen their conversation up to ``seq`` (an integer >= 0)."""
    up_to = clean_seq(seq, "seq", required=True)
    known: dict[UUID, int] = loop_local("visitor-seen", dict)
    # A repeated or older position costs no write (a flood of seen frames stays cheap).
    if known.get(session.conversation_id, -1) >= up_to:
        return
    stored = await run_in_writer_thread(store_seen, session.conversation_id, up_to)
    if len(known) >= REMEMBERED:
        known.clear()
    known[session.conversation_id] = stored


def store_seen(conversation_id: UUID, seq: int) -> int:
    """Move the visitor's position forward to ``seq`` (at most the last seq); the position."""
    rows = Conversation.objects.filter(pk=conversation_id)
    rows.filter(visitor_read_seq__lt=seq).exclude(visitor_read_seq__gte=F("last_seq")).update(
        visitor_read_seq=Least(Value(seq), F("last_seq"))
    )
    return rows.values_list("visitor_read_seq", flat=True).first() or 0
