"""Satisfaction ratings: a visitor rates a resolved conversation once, 1 to 5.

The socket's ``rate`` frame and ``POST api/rating/`` end in :func:`rate`; the dashboards
get the conversation with its rating. :func:`ratings_summary` is the dashboard's
``ratings`` frame (and ``GET api/agent/ratings/``): the average per website the agent
serves and per agent, an agent's being those of the conversations assigned to them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count
from django.utils import timezone

from django_livechat import errors, permissions
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Conversation
from django_livechat.pipeline import events, frames
from django_livechat.pipeline.inbox import AgentSession, current_agent
from django_livechat.pipeline.sessions import VisitorSession
from django_livechat.pipeline.validation import storable

MAX_COMMENT_LENGTH = 2000
RESOLVED = str(Conversation.Status.RESOLVED)


def clean_rating(rating: object, comment: object) -> tuple[int, str]:
    """A rating of 1 to 5 and an optional comment, or ``INVALID_MESSAGE``."""
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ChatError(errors.INVALID_MESSAGE, "rating must be a whole number from 1 to 5.")
    if comment is None:
        comment = ""
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT_LENGTH:
        raise ChatError(
            errors.INVALID_MESSAGE,
            f"comment must be text of at most {MAX_COMMENT_LENGTH} characters.",
        )
    return rating, storable(comment.strip(), "comment")


async def rate(session: VisitorSession, rating: object, comment: object = None) -> dict[str, Any]:
    """Rate the visitor's conversation; the ``rated`` answer. Only a resolved conversation
    (``INVALID_MESSAGE`` otherwise), only once (``ALREADY_RATED``)."""
    value, text = clean_rating(rating, comment)
    conversation = await run_in_db_thread(_rate_sync, session.conversation_id, value, text)
    await (
        events.Frames(conversation.id, conversation.website_id)
        .to_dashboards(frames.conversation_frame(frames.conversation_data(conversation)))
        .send()
    )
    return frames.rated(conversation.id, value, text)


def _rate_sync(conversation_id: UUID, rating: int, comment: str) -> Conversation:
    rows = Conversation.objects.filter(pk=conversation_id)
    # One statement: of two ratings sent at once, one is stored.
    if not rows.filter(status=RESOLVED, rating__isnull=True).update(
        rating=rating, rating_comment=comment, rated_at=timezone.now(), updated_at=timezone.now()
    ):
        current = rows.values_list("status", "rating").first()
        if current is None:
            raise ChatError(errors.FORBIDDEN, "That conversation no longer exists.")
        if current[1] is not None:
            raise ChatError(errors.ALREADY_RATED)
        raise ChatError(errors.NOT_RESOLVED)
    conversation: Conversation = rows.select_related("website", "assigned_agent").get()
    return conversation


async def ratings_summary(agent: AgentSession) -> dict[str, Any]:
    """The ``ratings`` frame: averages per website the agent serves, and per agent."""
    return await run_in_db_thread(_summary_sync, agent)


def _summary_sync(agent: AgentSession) -> dict[str, Any]:
    user = current_agent(agent)
    rated = Conversation.objects.filter(
        website__in=permissions.served_websites(user), rating__isnull=False
    ).order_by()
    websites = [
        {
            "website_id": str(row["website_id"]),
            "name": row["website__name"],
            "average": round(row["average"], 2),
            "count": row["count"],
        }
        for row in rated.values("website_id", "website__name")
        .annotate(average=Avg("rating"), count=Count("pk"))
        .order_by("website__name")
    ]
    per_agent = {
        row["assigned_agent"]: row
        for row in rated.filter(assigned_agent__isnull=False)
        .values("assigned_agent")
        .annotate(average=Avg("rating"), count=Count("pk"))
    }
    users = get_user_model()._default_manager.filter(pk__in=list(per_agent))
    agents = sorted(
        (
            {
                "user_id": frames.json_pk(u.pk),
                "name": frames.display_name(u),
                "average": round(per_agent[u.pk]["average"], 2),
                "count": per_agent[u.pk]["count"],
            }
            for u in users
        ),
        key=lambda a: str(a["name"]).lower(),
    )
    return frames.ratings(websites, agents)
