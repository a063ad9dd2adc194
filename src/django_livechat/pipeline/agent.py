"""The agent's flow: reply, type, assign, resolve and reopen, mark read, follow live.

Everything an agent does (dashboard socket and agent HTTP API alike) comes through here:
authorize against the websites the agent serves (read again from the database on every
action, so removing an agent takes effect at once), store through the writer, and send to
the conversation's sockets (the visitor) and its website's dashboards.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from uuid import UUID

from django.utils import timezone

from django_livechat import errors
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Message, ReadMarker
from django_livechat.notifications import sender, triggers
from django_livechat.pipeline import assignment, attachments, events, frames, handoff, presence
from django_livechat.pipeline.access import dashboard_groups
from django_livechat.pipeline.inbox import (
    AgentSession,
    current_agent,
    inbox_entry_of,
    served_conversation,
    visible_conversation,
)
from django_livechat.pipeline.typing import typing_states
from django_livechat.pipeline.validation import (
    clean_bool,
    clean_client_id,
    clean_seq,
    clean_text,
    clean_uuid,
)
from django_livechat.pipeline.writes import store_message
from django_livechat.store import NewMessage

AGENT = str(Message.Role.AGENT)
#: ``assign`` without an assignee: to the agent who asks.
ME: Any = object()
#: How long an agent's typing in a conversation stays authorized without a new check: a
#: typing flood costs at most one database read per this many seconds.
TYPING_AUTHORIZATION_TTL = 5.0


@dataclass(frozen=True)
class AgentPostResult:
    """A stored agent message (``created`` False for a repeated ``client_id``)."""

    message: dict[str, Any]
    created: bool
    #: Frames for the sender's socket alone: a retry's stored copy.
    ack: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class _Target:
    """An authorized conversation: enough to store into it and send about it."""

    conversation_id: UUID
    website_id: UUID
    #: The agent's name as this conversation's visitor sees it.
    name_for_visitors: str = ""


def _target_sync(agent: AgentSession, conversation_id: object) -> _Target:
    user = current_agent(agent)
    conversation = served_conversation(user, conversation_id)
    name = frames.name_for_visitors(user, conversation.website.name)
    return _Target(conversation.id, conversation.website_id, name)


async def follow(channel_name: str, agent: AgentSession) -> list[str]:
    """The dashboard socket follows the agent's websites and their own tabs, and counts
    as the agent being online for those websites; the groups."""
    joined = await events.join(channel_name, dashboard_groups(agent))
    await presence.register(channel_name, agent.user_id, agent.website_ids)
    sender.ensure_sender()
    return joined


async def unfollow(channel_name: str, groups: list[str]) -> None:
    """The dashboard socket closed: its typing ends, it leaves its groups and no longer
    counts as its agent being online."""
    typing_states().forget_owner(channel_name)
    await events.leave(channel_name, groups)
    if groups:  # a socket refused before it followed anything never counted
        await presence.unregister(channel_name)


async def agent_heartbeat(channel_name: str, agent: AgentSession) -> dict[str, Any]:
    """The dashboard's ``ping``: it still counts as its agent being online; ``pong``."""
    await presence.refresh(channel_name, agent.user_id, agent.website_ids)
    return frames.pong()


# ---------------------------------------------------------------- replies


async def post_agent_message(
    agent: AgentSession,
    conversation_id: object,
    *,
    content: object,
    client_id: object,
    attachment: attachments.Upload | None = None,
) -> AgentPostResult:
    """Store an agent's reply and deliver it to the visitor's sockets and the dashboards.

    Stored with role ``agent``, ``is_manual`` and the agent as sender, and two names in
    the metadata: ``sender_name``, what visitors see (never the username:
    :func:`~django_livechat.pipeline.frames.name_for_visitors`), and ``agent_name``, what
    the dashboards show. Idempotent by ``client_id``. With an ``attachment`` the file is
    checked, stored and scanned first (:mod:`~django_livechat.pipeline.attachments`) and
    ``content`` is its optional caption.
    """
    text = clean_text(content) if attachment is None else attachments.clean_caption(content)
    key = clean_client_id(client_id)
    target = await run_in_db_thread(_target_sync, agent, conversation_id)
    typing_states().stop(("agent", target.conversation_id, agent.user_id))
    metadata: dict[str, Any] = {"sender_name": target.name_for_visitors, "agent_name": agent.name}
    prepared = None
    if attachment is not None and not await attachments.already_stored(
        target.conversation_id, AGENT, key
    ):
        prepared = await attachments.prepare(
            attachment,
            conversation_id=target.conversation_id,
            role=AGENT,
            uploaded_by=agent.user_id,
        )
        metadata.update(prepared.metadata())
    try:
        stored = await store_message(
            NewMessage(
                conversation_id=target.conversation_id,
                role=AGENT,
                content=text,
                client_id=key,
                is_manual=True,
                sender_id=agent.user_id,
                metadata=metadata,
            )
        )
    except ChatError:
        await attachments.discard(prepared)
        raise
    await attachments.settle(prepared, stored)
    message = stored.message
    data = frames.message_data(message, for_agents=True)
    if not stored.created:
        # Agents share one namespace per conversation: never hand back another's message.
        if message.sender_id != agent.user_id:
            raise ChatError(
                errors.INVALID_MESSAGE,
                "Another agent already used this client_id in the conversation.",
            )
        return AgentPostResult(data, created=False, ack=[frames.chat_message(data)])
    out = events.Frames(target.conversation_id, target.website_id)
    await out.message(frames.message_data(message), for_dashboards=data).send()
    if stored.conversation is not None and stored.conversation.handoff_at is None:
        # A person answered: the responder stops (a reply streaming now, too).
        await handoff.hand_over(target.conversation_id, handoff.AGENT)
    # After the commit and the broadcast (see notifications.triggers for why not inside
    # the store's transaction); exactly once per burst by its dedupe_key.
    await triggers.after_agent_reply(target.conversation_id)
    sender.ensure_sender()
    return AgentPostResult(data, created=True)


# ---------------------------------------------------------------- typing


async def agent_typing(
    agent: AgentSession, conversation_id: object, is_typing: object, *, owner: str
) -> None:
    """An agent types in a conversation: its visitor and the other dashboards hear of it,
    coalesced (see :mod:`django_livechat.pipeline.typing`)."""
    typing = clean_bool(is_typing, "is_typing")
    cid = clean_uuid(conversation_id, "conversation_id")
    key = ("agent", cid, agent.user_id)
    states = typing_states()
    sender = states.get(key)
    fresh = sender is not None and time.monotonic() < sender.context.get("checked_until", 0)
    if fresh:
        assert sender is not None
        website_id = sender.context["website_id"]
    else:
        website_id = (await run_in_db_thread(_target_sync, agent, cid)).website_id
    publish = partial(_publish_typing, agent, cid, website_id)
    sender = states.set(key, typing, publish=publish, owner=owner)
    if not fresh:
        sender.context.update(
            website_id=website_id, checked_until=time.monotonic() + TYPING_AUTHORIZATION_TTL
        )


async def _publish_typing(
    agent: AgentSession, conversation_id: UUID, website_id: UUID, is_typing: bool
) -> None:
    out = events.Frames(conversation_id, website_id)
    out.to_visitors(frames.typing(conversation_id, AGENT, is_typing))
    out.to_dashboards(frames.typing(conversation_id, AGENT, is_typing, agent=agent.agent()))
    out.skip_user = frames.json_pk(agent.user_id)  # an agent's own typing is not echoed
    await out.send()


# ---------------------------------------------------------------- assignment and status


async def assign_conversation(
    agent: AgentSession, conversation_id: object, assignee: object = ME
) -> dict[str, Any]:
    """Assign to the agent (``ME``), to another agent of the website by user id, or to
    nobody (``None``); tell the dashboards, and the assignee when it is someone else
    (:mod:`~django_livechat.pipeline.assignment`). Returns the conversation for this
    agent."""
    done = await run_in_db_thread(_assign_sync, agent, conversation_id, assignee)
    entry = done.entry
    if done.changed:
        frame = frames.assignment(entry["conversation_id"], entry["assigned_agent"], agent.agent())
        await (
            events.Frames(entry["conversation_id"], entry["website_id"]).to_dashboards(frame).send()
        )
    if done.for_assignee is not None:
        await assignment.tell_assignee(done.assignee_id, done.for_assignee, agent.agent())
    if entry["assigned_agent"] is not None and entry.get("handoff_at") is None:
        # A person took the conversation: the responder stops answering it.
        handed = await handoff.hand_over(UUID(entry["conversation_id"]), handoff.AGENT)
        state = "agent" if entry.get("bot_state") == "agent" else "waiting"
        entry = {**entry, "handoff_at": handed.handoff_at.isoformat(), "bot_state": state}
    return entry


@dataclass(frozen=True)
class _Assigned:
    entry: dict[str, Any]
    changed: bool
    assignee_id: Any = None
    #: The conversation as the assignee's inbox lists it, when they are to be told.
    for_assignee: dict[str, Any] | None = None


def _assign_sync(agent: AgentSession, conversation_id: object, assignee: object) -> _Assigned:
    user = current_agent(agent)
    # Another website's conversation is answered like a missing one.
    conversation = visible_conversation(user, conversation_id)
    if assignee is ME:
        target = user
    elif assignee is None:
        target = None
    else:
        target = assignment.assignee(conversation, assignee)
    rows = Conversation.objects.filter(pk=conversation.pk)
    if target is None:
        rows = rows.filter(assigned_agent__isnull=False)
    else:
        rows = rows.exclude(assigned_agent=target)  # NULL included
    now = timezone.now()
    assigned_at = None if target is None else now
    changed = bool(rows.update(assigned_agent=target, assigned_at=assigned_at, updated_at=now))
    entry = inbox_entry_of(user, conversation.pk)
    if not changed or target is None or target.pk == user.pk:
        return _Assigned(entry, changed)
    return _Assigned(entry, changed, target.pk, inbox_entry_of(target, conversation.pk))


async def view_conversation(
    channel_name: str, agent: AgentSession, conversation_id: object
) -> None:
    """The dashboard socket has this conversation open (``None``: none); the other agents
    of its website see it (:func:`~django_livechat.pipeline.presence.set_viewing`)."""
    if conversation_id is None:
        await presence.set_viewing(channel_name, None, None)
        return
    conversation = await run_in_db_thread(_viewed_sync, agent, conversation_id)
    await presence.set_viewing(channel_name, conversation.id, conversation.website_id)


def _viewed_sync(agent: AgentSession, conversation_id: object) -> Conversation:
    return visible_conversation(current_agent(agent), conversation_id)


async def agents_online_frames(agent: AgentSession) -> list[dict[str, Any]]:
    """The ``agents`` frame of each website the agent serves (a dashboard connects)."""
    return await presence.agents_frames(agent.website_ids)


async def resolve_conversation(agent: AgentSession, conversation_id: object) -> dict[str, Any]:
    """Mark the conversation resolved; tell its visitor and the dashboards."""
    return await _set_status(agent, conversation_id, str(Conversation.Status.RESOLVED))


async def reopen_conversation(agent: AgentSession, conversation_id: object) -> dict[str, Any]:
    """Open the conversation again; tell its visitor and the dashboards."""
    return await _set_status(agent, conversation_id, str(Conversation.Status.OPEN))


async def _set_status(agent: AgentSession, conversation_id: object, status: str) -> dict[str, Any]:
    entry, changed = await run_in_db_thread(_set_status_sync, agent, conversation_id, status)
    if changed:
        cid = entry["conversation_id"]
        out = events.Frames(cid, entry["website_id"])
        out.to_visitors(frames.status(cid, status, by=None, for_agents=False))
        out.to_dashboards(frames.status(cid, status, by=agent.agent(), for_agents=True))
        await out.send()
    return entry


def _set_status_sync(
    agent: AgentSession, conversation_id: object, status: str
) -> tuple[dict[str, Any], bool]:
    user = current_agent(agent)
    conversation = served_conversation(user, conversation_id)
    changed = bool(
        Conversation.objects.filter(pk=conversation.pk)
        .exclude(status=status)
        .update(status=status, updated_at=timezone.now())
    )
    return inbox_entry_of(user, conversation.pk), changed


# ---------------------------------------------------------------- read markers


async def mark_read(agent: AgentSession, conversation_id: object, seq: object) -> dict[str, Any]:
    """The agent has read the conversation up to ``seq`` (markers never move back).

    Returns ``{conversation_id, last_read_seq, unread}`` and sends it to the agent's other
    dashboards.
    """
    up_to = clean_seq(seq, "seq", required=True)
    read = await run_in_db_thread(_mark_read_sync, agent, conversation_id, up_to)
    await events.to_agent(agent.user_id, read)
    return {k: v for k, v in read.items() if k != "type"}


def _mark_read_sync(agent: AgentSession, conversation_id: object, seq: int) -> dict[str, Any]:
    user = current_agent(agent)
    conversation = served_conversation(user, conversation_id)
    seq = min(seq, conversation.last_seq)
    marker, created = ReadMarker.objects.get_or_create(
        conversation=conversation, user=user, defaults={"last_read_seq": seq}
    )
    if not created and marker.last_read_seq < seq:
        ReadMarker.objects.filter(pk=marker.pk, last_read_seq__lt=seq).update(
            last_read_seq=seq, updated_at=timezone.now()
        )
    last_read = ReadMarker.objects.filter(pk=marker.pk).values_list("last_read_seq", flat=True)
    last_read_seq = last_read.get()
    unread = conversation.messages.filter(role=Message.Role.USER, seq__gt=last_read_seq).count()
    return frames.read(conversation.id, last_read_seq, unread)
