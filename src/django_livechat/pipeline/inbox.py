"""What agents read: the inbox of the websites they serve, one conversation, history.

Every read checks the agent's rights in the database again (:func:`current_agent`), so
removing an agent takes effect at once. ``changed_since`` makes the inbox a catch-up: the
conversations that changed after a ``cursor`` the server handed out, so that a dashboard
that missed live events (a reconnect, a dropped event) repairs its list by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from django_livechat import errors, permissions
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Message, ReadMarker
from django_livechat.pipeline import events, frames, hours
from django_livechat.pipeline.validation import (
    INBOX_LIMIT,
    MAX_INBOX_LIMIT,
    clean_cursor,
    clean_seq,
    clean_uuid,
    parse_uuid,
)
from django_livechat.pipeline.visitor import messages_after

STATUSES = frozenset(Conversation.Status.values)
#: Earlier conversations of the same visitor listed with one (returning visitors).
PREVIOUS_LIMIT = 10
#: A catch-up looks this far behind its cursor: a change committed a moment after the
#: previous answer was read (clocks of two processes, a long transaction) is not missed.
CURSOR_OVERLAP = timedelta(seconds=5)


class NotAnAgent(ChatError):
    """``FORBIDDEN``: the user is not (or no longer) an agent; sockets close on it."""

    def __init__(self, message: str) -> None:
        super().__init__(errors.FORBIDDEN, message)


@dataclass(frozen=True)
class AgentSession:
    """An authorized agent: who they are and the websites they served when it was made."""

    user_id: Any
    name: str
    website_ids: frozenset[UUID]
    websites: tuple[tuple[UUID, str], ...] = ()

    def agent(self) -> dict[str, Any]:
        return {"user_id": frames.json_pk(self.user_id), "name": self.name}

    async def ready_event(self) -> dict[str, Any]:
        """``ready``, with each website's business-hours availability (cached reads)."""
        # Imported here: the workspace modules build on this one.
        from django_livechat.pipeline.canned import list_canned
        from django_livechat.pipeline.labels import labels_by_website

        availability = {
            wid: (await hours.website_availability(wid)).as_json() for wid, _ in self.websites
        }
        return frames.ready(
            self.agent(),
            list(self.websites),
            availability,
            labels=await labels_by_website(self),
            canned=await list_canned(self),
        )


@dataclass(frozen=True)
class Inbox:
    """An inbox answer: entries, whether more follow, and the cursor to catch up from."""

    entries: list[dict[str, Any]]
    has_more: bool
    cursor: datetime
    changed_since: str | None = None
    #: The filters of the request, echoed (None: the whole inbox).
    filters: dict[str, Any] | None = None

    def frame(self) -> dict[str, Any]:
        return frames.conversations(
            self.entries,
            has_more=self.has_more,
            cursor=self.cursor,
            changed_since=self.changed_since,
            filters=self.filters,
        )


async def authorize_agent(user: Any) -> AgentSession:
    """The session of ``user`` (``scope["user"]``, ``request.user``), or ``FORBIDDEN``."""
    return await run_in_db_thread(authorize_agent_sync, user)


def authorize_agent_sync(user: Any) -> AgentSession:
    """What :func:`authorize_agent` does, in a database thread."""
    if not permissions.is_agent(user):
        raise NotAnAgent("Only agents may use the dashboard.")
    websites = tuple(permissions.served_websites(user).order_by("name").values_list("id", "name"))
    return AgentSession(
        user_id=user.pk,
        name=frames.display_name(user),
        website_ids=frozenset(wid for wid, _ in websites),
        websites=websites,
    )


def current_agent(agent: AgentSession) -> Any:
    """The agent's user as the database has it now; ``FORBIDDEN`` if no longer an agent."""
    user = get_user_model()._default_manager.filter(pk=agent.user_id).first()
    if not permissions.is_agent(user):
        raise NotAnAgent("You are no longer an agent.")
    return user


def served_conversation(user: Any, conversation_id: object) -> Conversation:
    """The conversation, if ``user`` serves its website; another website's is answered
    exactly like a missing one (``NOT_FOUND``): no agent call tells that it exists."""
    cid = clean_uuid(conversation_id, "conversation_id")
    conversation: Conversation | None = (
        Conversation.objects.select_related("website", "assigned_agent").filter(pk=cid).first()
    )
    if conversation is None or not permissions.serves(user, conversation.website_id):
        raise ChatError(errors.NOT_FOUND, "No such conversation.")
    return conversation


#: The workspace's name for it (issue 12); every agent call now answers this way.
visible_conversation = served_conversation


def _inbox(user: Any) -> QuerySet[Conversation]:
    """The conversations ``user`` serves, annotated with their read marker and unread count.

    Unread: the visitor's messages after the agent's read marker (automatic replies and
    agents' messages need no one's attention).
    """
    marker = ReadMarker.objects.filter(conversation=OuterRef("pk"), user=user).values(
        "last_read_seq"
    )[:1]
    unread = (
        Message.objects.filter(
            conversation=OuterRef("pk"), role=Message.Role.USER, seq__gt=OuterRef("read_seq")
        )
        .order_by()
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    conversations: QuerySet[Conversation] = (
        Conversation.objects.filter(website__in=permissions.served_websites(user))
        .select_related("website", "assigned_agent")
        .annotate(read_seq=Coalesce(Subquery(marker), Value(0)))
        .annotate(unread=Coalesce(Subquery(unread), Value(0)))
    )
    return conversations


def _entries(conversations: list[Conversation]) -> list[dict[str, Any]]:
    prefetch_related_objects(conversations, "labels")  # one query for all
    # The newest message of each, in one query.
    last = {
        m.conversation_id: m
        for m in Message.objects.filter(
            conversation__in=[c.id for c in conversations], seq=F("conversation__last_seq")
        )
    }
    return [
        frames.inbox_entry(
            c,
            last.get(c.id),
            unread=getattr(c, "unread", 0),
            last_read_seq=getattr(c, "read_seq", 0),
        )
        for c in conversations
    ]


def inbox_entry_of(user: Any, conversation_id: UUID) -> dict[str, Any]:
    (annotated,) = _inbox(user).filter(pk=conversation_id)
    (entry,) = _entries([annotated])
    return entry


async def list_conversations(
    agent: AgentSession,
    *,
    website_id: object = None,
    status: object = None,
    limit: object = None,
    changed_since: object = None,
    label: object = None,
    assignee: object = None,
) -> Inbox:
    """The agent's inbox: open first, then by last activity; with ``changed_since`` (a
    cursor of an earlier answer) only what changed since. ``label`` (a label id) and
    ``assignee`` (``"me"``, ``"none"`` or a user id) filter it, with the other filters."""
    wid = None if website_id is None else clean_uuid(website_id, "website_id")
    if status is not None and (not isinstance(status, str) or status not in STATUSES):
        raise ChatError(errors.INVALID_MESSAGE, "status must be 'open' or 'resolved'.")
    filters = InboxFilters(
        label=None if label is None else clean_label_id(label, "label"),
        assignee=clean_assignee(assignee),
    )
    if limit is None:
        limit = INBOX_LIMIT
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_INBOX_LIMIT:
        raise ChatError(errors.INVALID_MESSAGE, f"limit must be 1 to {MAX_INBOX_LIMIT}.")
    since = clean_cursor(changed_since)
    inbox = await run_in_db_thread(_list_sync, agent, wid, status, limit, since, filters)
    asked = {
        "website_id": None if wid is None else str(wid),
        "status": status,
        "label": filters.label,
        "assignee": None if assignee is None else filters.echo(assignee),
    }
    echoed = {name: value for name, value in asked.items() if value is not None}
    return replace(inbox, filters=echoed) if echoed else inbox


@dataclass(frozen=True)
class InboxFilters:
    """The inbox filters of the agent's workspace (labels and assignment)."""

    label: int | None = None
    #: ``"me"``, ``"none"``, a user's primary key, or None for anyone.
    assignee: Any = None

    def echo(self, asked: object) -> Any:
        """The assignee filter as the answer repeats it (``asked``: as the request said)."""
        return str(asked) if self.assignee is NO_USER else frames.json_pk(self.assignee)

    def apply(self, user: Any, conversations: QuerySet[Conversation]) -> QuerySet[Conversation]:
        if self.label is not None:
            # A label of a website the agent does not serve matches nothing here, exactly
            # like a label that does not exist: the rows are the agent's websites' only.
            conversations = conversations.filter(labels=self.label)
        if self.assignee == ASSIGNEE_ME:
            conversations = conversations.filter(assigned_agent=user)
        elif self.assignee == ASSIGNEE_NONE:
            conversations = conversations.filter(assigned_agent__isnull=True)
        elif self.assignee is NO_USER:
            conversations = conversations.none()
        elif self.assignee is not None:
            conversations = conversations.filter(assigned_agent_id=self.assignee)
        return conversations


ASSIGNEE_ME, ASSIGNEE_NONE = "me", "none"
#: An ``assignee`` that is no user's id: it matches nothing.
NO_USER: Any = object()
#: The largest id a label can have (a 64-bit primary key).
MAX_LABEL_ID = 2**63 - 1


def clean_label_id(value: object, name: str, *, text: bool = True) -> int:
    """A label's id (an integer, or with ``text`` its digits as text: a query string's),
    else ``INVALID_MESSAGE`` naming the field."""
    if text and isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value) if len(value) <= 20 else 0
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_LABEL_ID:
        raise ChatError(errors.INVALID_MESSAGE, f"{name} must be a label id.")
    return value


def clean_assignee(value: object) -> Any:
    """The inbox's ``assignee`` filter: ``"me"``, ``"none"``, a user id (one that cannot
    be anyone's matches nothing), or None."""
    if value is None or value in (ASSIGNEE_ME, ASSIGNEE_NONE):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, str)) or value == "":
        raise ChatError(errors.INVALID_MESSAGE, "assignee must be 'me', 'none' or a user id.")
    try:
        return get_user_model()._meta.pk.to_python(value)
    except (ValidationError, ValueError, TypeError):
        return NO_USER


def _list_sync(
    agent: AgentSession,
    website_id: UUID | None,
    status: str | None,
    limit: int,
    since: datetime | None,
    filters: InboxFilters | None = None,
) -> Inbox:
    cursor = timezone.now()
    user = current_agent(agent)
    conversations = _inbox(user)
    if website_id is not None:
        if not permissions.serves(user, website_id):
            raise ChatError(errors.FORBIDDEN, "You are not an agent of this website.")
        conversations = conversations.filter(website_id=website_id)
    if status is not None:
        conversations = conversations.filter(status=status)
    if filters is not None:
        conversations = filters.apply(user, conversations)
    if since is not None:
        horizon = since - CURSOR_OVERLAP
        read_lately = ReadMarker.objects.filter(user=user, updated_at__gte=horizon)
        conversations = conversations.filter(
            Q(updated_at__gte=horizon) | Q(pk__in=read_lately.values("conversation"))
        )
    rows = list(
        conversations.order_by(
            Case(When(status=Conversation.Status.OPEN, then=Value(0)), default=Value(1)),
            F("last_message_at").desc(nulls_last=True),
            "-created_at",
        )[: limit + 1]
    )
    return Inbox(
        _entries(rows[:limit]),
        has_more=len(rows) > limit,
        cursor=cursor,
        changed_since=None if since is None else since.isoformat(),
    )


async def agent_conversation(agent: AgentSession, conversation_id: object) -> dict[str, Any]:
    """One conversation as the inbox lists it, for this agent, with the visitor's
    ``previous`` conversations."""
    return await run_in_db_thread(_entry_sync, agent, conversation_id)


def _entry_sync(agent: AgentSession, conversation_id: object) -> dict[str, Any]:
    user = current_agent(agent)
    conversation = served_conversation(user, conversation_id)
    entry = inbox_entry_of(user, conversation.pk)
    entry["previous"] = previous_conversations(conversation)
    return entry


def previous_conversations(conversation: Conversation) -> list[dict[str, Any]]:
    """The visitor's earlier conversations on the same website, newest first (at most
    :data:`PREVIOUS_LIMIT`): those of the same ``visitor_identifier`` or the same
    ``visitor_email``. An anonymous visitor who left no address has none."""
    same = Q()
    if conversation.visitor_identifier:
        same |= Q(visitor_identifier=conversation.visitor_identifier)
    if conversation.visitor_email:
        same |= Q(visitor_email__iexact=conversation.visitor_email)
    if not same:
        return []
    rows = list(
        Conversation.objects.filter(
            same, website_id=conversation.website_id, created_at__lt=conversation.created_at
        )
        .exclude(pk=conversation.pk)
        .order_by("-created_at")[:PREVIOUS_LIMIT]
    )
    last = {
        m.conversation_id: m
        for m in Message.objects.filter(
            conversation__in=[c.id for c in rows], seq=F("conversation__last_seq")
        )
    }
    return [frames.previous_conversation(c, last.get(c.id)) for c in rows]


async def agent_history(
    agent: AgentSession, conversation_id: object, last_seq: object, reason: object = None
) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    """The conversation and its messages after ``last_seq``, oldest first (at most 500).

    A ``reason`` of ``"gap"`` is a dashboard repairing a gap in what it received live,
    which is logged.
    """
    after = clean_seq(last_seq)
    conversation = await agent_conversation(agent, conversation_id)
    cid = parse_uuid(conversation["conversation_id"])
    assert cid is not None
    messages, has_more = await messages_after(cid, after, for_agents=True)
    if reason == "gap" and messages:
        events.report_gap("dashboard", cid, after, len(messages))
    return conversation, messages, has_more
