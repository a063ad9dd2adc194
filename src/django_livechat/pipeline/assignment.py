"""Who answers a conversation: the assignee's checks, telling them, and round robin.

An agent assigns a conversation to themselves, to another agent of its website or to
nobody (:func:`django_livechat.pipeline.agent.assign_conversation`); the assignee must
serve the website (an active agent listed among its agents, or a superuser). A website
with ``auto_assign`` gives each new conversation, when its first message is stored, to
one of its agents online (an unexpired :class:`~django_livechat.models.AgentPresence`):
the one whose latest assignment on that website is the oldest, an agent never assigned
there first, ties by user id. The assignment is a conditional update of a conversation
nobody holds, so two processes (or an agent who was quicker) never both assign it.

Whoever gets a conversation from someone else, or from round robin, hears of it on all
their dashboards: ``assigned_to_you``.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F, Max, OuterRef, Subquery
from django.utils import timezone

from django_livechat import errors, permissions
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import AgentPresence, Conversation, Website

# Modules, not names: the inbox imports the visitor's flow, which calls in here.
from django_livechat.pipeline import events, frames, inbox


def assignee(conversation: Conversation, agent_id: object) -> Any:
    """The user ``agent_id`` names, if they serve the conversation's website; else
    ``INVALID_MESSAGE`` (an unknown user and a user of another website alike)."""
    if isinstance(agent_id, bool) or not isinstance(agent_id, (int, str)):
        raise ChatError(errors.INVALID_MESSAGE, "agent_id must be a user id or null.")
    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(agent_id)
        target = model._default_manager.filter(pk=pk).first()
    except (ValidationError, ValueError, TypeError):
        target = None
    if target is None or not permissions.serves(target, conversation.website_id):
        raise ChatError(
            errors.INVALID_MESSAGE, f"User {agent_id!r} is not an agent of this website."
        )
    return target


async def tell_assignee(user_id: Any, entry: dict[str, Any], by: dict[str, Any] | None) -> None:
    """``assigned_to_you`` to every dashboard of the assignee (``entry``: the conversation
    as their inbox lists it)."""
    await events.to_agent(user_id, frames.assigned_to_you(entry, by))


# ---------------------------------------------------------------- round robin


async def after_new_conversation(website_id: UUID, conversation_id: UUID) -> None:
    """A new conversation's first message is stored: with the website's ``auto_assign``,
    give it to the next agent online (see the module), and tell the dashboards and them."""
    assigned = await run_in_db_thread(_round_robin_sync, website_id, conversation_id)
    if assigned is None:
        return
    user_id, entry = assigned
    frame = frames.assignment(entry["conversation_id"], entry["assigned_agent"], None)
    await events.Frames(conversation_id, website_id).to_dashboards(frame).send()
    await tell_assignee(user_id, entry, None)


def _round_robin_sync(website_id: UUID, conversation_id: UUID) -> tuple[Any, dict[str, Any]] | None:
    if not Website.objects.filter(pk=website_id, auto_assign=True).exists():
        return None
    chosen = next_agent(website_id)
    if chosen is None:
        return None  # nobody online: it waits in the inbox
    now = timezone.now()
    taken = Conversation.objects.filter(pk=conversation_id, assigned_agent__isnull=True).update(
        assigned_agent=chosen, assigned_at=now, updated_at=now
    )
    if not taken:
        return None  # assigned meanwhile, by an agent or another process
    return chosen.pk, inbox.inbox_entry_of(chosen, conversation_id)


def next_agent(website_id: UUID) -> Any:
    """The website's agent online who is next in turn (grants read again: a presence
    row may be a heartbeat behind them), or None."""
    present = AgentPresence.objects.filter(
        website_id=website_id, expires_at__gt=timezone.now()
    ).values("user_id")
    latest = (
        Conversation.objects.filter(website_id=website_id, assigned_agent=OuterRef("pk"))
        .order_by()
        .values("assigned_agent")
        .annotate(latest=Max("assigned_at"))
        .values("latest")
    )
    candidates = (
        get_user_model()
        ._default_manager.filter(pk__in=present, is_active=True)
        .annotate(latest_assigned=Subquery(latest))
        .order_by(F("latest_assigned").asc(nulls_first=True), "pk")
    )
    for candidate in candidates:
        if permissions.serves(candidate, website_id):
            return candidate
    return None
