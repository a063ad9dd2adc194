"""The visitor's flow: join a conversation, post, read history, heartbeat, typing.

A visitor message is validated, rate-limited (:mod:`django_livechat.ratelimit`) and
handed to the store with its :class:`~django_livechat.store.ReplyPlan`. When the responder
is inline, the message and its reply come back from one transaction and go out together,
one event per group; else the message goes out with the responder's typing indicator and
the reply follows from :func:`~django_livechat.pipeline.replies.answer`. A repeated
``client_id`` stores nothing and is never rate-limited: the sender alone gets the stored
copy (and its reply), and a reply that was never made (a crash) is made then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any
from uuid import UUID

from django_livechat import errors
from django_livechat.conf import livechat_settings
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.groups import conversation_group, visitors_group
from django_livechat.models import Conversation, Message, Website
from django_livechat.notifications import sender, triggers
from django_livechat.pipeline import (
    assignment,
    attachments,
    events,
    frames,
    handoff,
    presence,
    replies,
)
from django_livechat.pipeline.background import spawn
from django_livechat.pipeline.sessions import VisitorSession, open_conversation
from django_livechat.pipeline.typing import typing_states
from django_livechat.pipeline.validation import (
    HISTORY_LIMIT,
    clean_bool,
    clean_client_id,
    clean_seq,
    clean_text,
    clean_uuid,
)
from django_livechat.pipeline.writes import store_message
from django_livechat.ratelimit import SocketLimits, Ticket, visitor_limiter
from django_livechat.store import CLAIMED, FAILED, NewMessage

USER = str(Message.Role.USER)
OPEN = str(Conversation.Status.OPEN)


@dataclass(frozen=True)
class PostResult:
    """A stored visitor message (``created`` False for a repeated ``client_id``)."""

    message: dict[str, Any]
    created: bool
    reply: dict[str, Any] | None = None
    #: Frames for the sender's socket alone: a retry's stored copy and its reply.
    ack: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Outgoing:
    """Frames for one socket, and the highest ``seq`` they hold (its resume floor)."""

    frames: list[dict[str, Any]]
    floor: int = 0


# ---------------------------------------------------------------- joining


async def identify(
    channel_name: str,
    current: VisitorSession | None,
    content: dict[str, Any],
    *,
    origin: str | None,
    address: str | None = None,
    limits: SocketLimits | None = None,
) -> tuple[VisitorSession, Outgoing]:
    """The socket's ``identify``: open or rejoin a conversation and follow it live.

    It leaves the conversation it followed before, if another. A rejoin answers
    ``identified`` and one ``history`` after the client's ``last_seq``, and counts as a
    history request of the socket (``limits``); a new conversation counts against its
    client ``address``.
    """
    after = clean_seq(content.get("last_seq"))
    rejoin = content.get("visitor_token") is not None or content.get("resume_token") is not None
    if limits is not None and rejoin:
        limits.history()
    session = await open_conversation(
        website_id=content.get("website_id"),
        origin=origin,
        address=address,
        user_identifier=content.get("user_identifier"),
        identifier_hash=content.get("identifier_hash"),
        metadata=content.get("metadata"),
        conversation_id=content.get("conversation_id"),
        visitor_token=content.get("visitor_token"),
        name=content.get("name"),
        email=content.get("email"),
        prechat=content.get("prechat"),
        resume_token=content.get("resume_token"),
    )
    replies.ensure_recovery()
    sender.ensure_sender()
    attachments.sweep_if_due()
    if current is not None and current.conversation_id != session.conversation_id:
        await leave(channel_name, current)
    # Join before reading the history: a message stored in between then arrives live,
    # and the socket drops whichever copy comes second (see Outgoing.floor).
    await events.join(channel_name, visitor_groups(session))
    if session.created:
        return session, Outgoing([session.identified_event()])
    page = await history(session, after)
    return session, Outgoing([session.identified_event(), *page.frames], page.floor)


def visitor_groups(session: VisitorSession) -> list[str]:
    """A visitor socket's groups: its conversation's, and its website's visitors'."""
    return [conversation_group(session.conversation_id), visitors_group(session.website_id)]


async def leave(channel_name: str, session: VisitorSession) -> None:
    """The socket stops following ``session``'s conversation (it left, or closed)."""
    typing_states().forget_owner(channel_name)
    await events.leave(channel_name, visitor_groups(session))


# ---------------------------------------------------------------- messages


async def post_visitor_message(
    session: VisitorSession,
    *,
    content: object,
    client_id: object,
    background: bool,
    address: str | None = None,
    attachment: attachments.Upload | None = None,
) -> PostResult:
    """Store, broadcast and answer a visitor's message.

    With ``background`` the responder runs in a task of its own and the call returns once
    the message is stored and broadcast (sockets); without, the reply is awaited and
    returned too (HTTP). The message counts against the visitor's and its client
    ``address``'s rate limits unless it is not stored (a refusal, a retry).

    With an ``attachment`` (:mod:`~django_livechat.pipeline.attachments`) the file is
    checked, stored and scanned first, ``content`` is its optional caption, and a retry
    of its ``client_id`` stores no second file; a refused file still counts.
    """
    text = clean_text(content) if attachment is None else attachments.clean_caption(content)
    key = clean_client_id(client_id)
    ticket = await _count_message(session, key, address)
    replies.ensure_recovery()
    typing_states().stop(("visitor", session.conversation_id))
    prepared = None
    if attachment is not None and not await attachments.already_stored(
        session.conversation_id, USER, key
    ):
        prepared = await attachments.prepare(
            attachment, conversation_id=session.conversation_id, role=USER
        )
    try:
        stored = await store_message(
            NewMessage(
                conversation_id=session.conversation_id,
                role=USER,
                content=text,
                client_id=key,
                reply=await replies.plan_for(session.website_id),
                metadata=prepared.metadata() if prepared is not None else {},
            )
        )
    except ChatError:
        await ticket.give_back()  # nothing was stored
        await attachments.discard(prepared)
        raise
    await attachments.settle(prepared, stored)
    if not stored.created:
        await ticket.give_back()  # a retry: it counted when it was stored
    data = frames.message_data(stored.message)
    reply = frames.message_data(stored.reply) if stored.reply is not None else None
    out = events.Frames(session.conversation_id, session.website_id)
    if stored.created:
        out.message(data)
        if stored.reopened:
            cid = session.conversation_id
            out.to_visitors(frames.status(cid, OPEN, by=None, for_agents=False))
            out.to_dashboards(frames.status(cid, OPEN, by=None, for_agents=True))
    if stored.reply_created and reply is not None:
        out.message(reply)
    if stored.reply_state == FAILED and stored.reply_error is not None:
        replies.log_failure(stored.message, stored.reply_error)
        if livechat_settings.RESPONDER_ERRORS_TO_VISITOR:
            out.to_visitors(replies.failure_event(stored.reply_error))
    handed_over = stored.conversation is not None and stored.conversation.handoff_at is not None
    if stored.reply_state == CLAIMED and not handed_over:
        out.to_visitors(replies.typing_frame(session.conversation_id, True))
    await out.send()
    if stored.created and replies.take_handoff(stored.message.id):
        # The inline responder handed over with its reply.
        work_handoff = handoff.hand_over(session.conversation_id, handoff.BOT)
        if background:
            spawn(work_handoff, name="livechat-handoff")
        else:
            await work_handoff
    if stored.created and stored.message.seq == 1:
        # A new conversation: round robin may give it to an agent online, and the agents
        # may hear of it by email if none is present.
        assign = assignment.after_new_conversation(session.website_id, session.conversation_id)
        notify = triggers.after_new_conversation(session.website_id, session.conversation_id)
        if background:
            spawn(assign, name="livechat-assign")
            spawn(notify, name="livechat-email")
        else:
            await assign
            await notify
    ack: list[dict[str, Any]] = []
    if not stored.created:
        # A retry: the original went out before; acknowledge to this sender only.
        ack.append(frames.chat_message(data))
        if reply is not None and not stored.reply_created:
            ack.append(frames.chat_message(reply))
    if stored.reply_state == CLAIMED:
        assert stored.conversation is not None
        work = replies.answer(stored.message, stored.conversation)
        if background:
            spawn(work, name="livechat-reply")
        else:
            reply = await work
    return PostResult(data, created=stored.created, reply=reply, ack=ack)


async def _count_message(session: VisitorSession, client_id: str, address: str | None) -> Ticket:
    """Count a message against the rate limits. One whose ``client_id`` is stored already
    is a retry, never refused: it stores nothing and gets its stored copy."""
    try:
        return await visitor_limiter.message(session.conversation_id, address)
    except ChatError:
        if not await run_in_db_thread(_is_stored_sync, session.conversation_id, client_id):
            raise
        return Ticket()


def _is_stored_sync(conversation_id: UUID, client_id: str) -> bool:
    rows = Message.objects.filter(conversation_id=conversation_id, role=USER, client_id=client_id)
    stored: bool = rows.exists()
    return stored


async def messages_after(
    conversation_id: UUID,
    after_seq: object,
    *,
    limit: int = HISTORY_LIMIT,
    for_agents: bool = False,
) -> tuple[list[dict[str, Any]], bool]:
    """Messages with ``seq > after_seq``, oldest first, and whether more follow."""
    after = clean_seq(after_seq, "last_seq (after_seq)")
    return await run_in_db_thread(_messages_after_sync, conversation_id, after, limit, for_agents)


def _messages_after_sync(
    conversation_id: UUID, after_seq: int, limit: int, for_agents: bool
) -> tuple[list[dict[str, Any]], bool]:
    rows = list(
        Message.objects.filter(conversation_id=conversation_id, seq__gt=after_seq).order_by("seq")[
            : limit + 1
        ]
    )
    page = [frames.message_data(m, for_agents=for_agents) for m in rows[:limit]]
    return page, len(rows) > limit


async def poll(session: VisitorSession, after_seq: object) -> dict[str, Any]:
    """The HTTP API's answer to a polling visitor: messages after ``after_seq``, how many
    agents are online and whether the website is open (a client without the socket gets
    no ``presence`` frames, so it learns opening and closing here)."""
    messages, has_more = await messages_after(session.conversation_id, after_seq)
    return {
        "conversation_id": str(session.conversation_id),
        "messages": messages,
        "has_more": has_more,
        "agents_online": await presence.agents_online(session.website_id),
        "availability": (await presence.check_open(session.website_id)).as_json(),
    }


async def history(
    session: VisitorSession,
    last_seq: object,
    reason: object = None,
    *,
    limits: SocketLimits | None = None,
) -> Outgoing:
    """The ``history`` frame after ``last_seq``; a ``reason`` of ``"gap"`` is a client
    repairing a gap in what it received live, which is logged. It counts against the
    socket's ``limits``."""
    after = clean_seq(last_seq)
    if limits is not None:
        limits.history()
    messages, has_more = await messages_after(session.conversation_id, after)
    if reason == "gap" and messages:
        events.report_gap("visitor socket", session.conversation_id, after, len(messages))
    floor = messages[-1]["seq"] if messages else 0
    return Outgoing([frames.history(session.conversation_id, messages, has_more)], floor)


async def heartbeat(session: VisitorSession | None, website_id: object = None) -> dict[str, Any]:
    """``pong``, with the conversation's newest ``seq`` once identified (a client holding
    less missed something and asks for ``history``) and its website's ``agents_online``.

    A socket not identified yet (a widget open without a conversation) may name its
    ``website_id`` to hear ``agents_online`` too; an unknown or switched-off website, or
    a malformed id, gets a plain ``pong`` (a heartbeat never fails)."""
    if session is None:
        try:
            wid = clean_uuid(website_id, "website_id") if website_id is not None else None
        except ChatError:
            wid = None
        if wid is None or not await run_in_db_thread(_website_active_sync, wid):
            return frames.pong()
        return frames.pong(agents_online=await presence.agents_online(wid))
    last_seq = await run_in_db_thread(_last_seq_sync, session.conversation_id)
    if last_seq is None:
        raise ChatError(errors.FORBIDDEN, "That conversation no longer exists.")
    await presence.check_open(session.website_id)  # opening and closing are noticed here
    return frames.pong(last_seq, await presence.agents_online(session.website_id))


def _website_active_sync(website_id: UUID) -> bool:
    active: bool = Website.objects.filter(pk=website_id, is_active=True).exists()
    return active


def _last_seq_sync(conversation_id: UUID) -> int | None:
    rows = Conversation.objects.filter(pk=conversation_id).values_list("last_seq", flat=True)
    last_seq: int | None = rows.first()
    return last_seq


# ---------------------------------------------------------------- hand-off


async def request_handoff(session: VisitorSession) -> tuple[dict[str, Any], bool]:
    """The visitor asks for a person: the conversation is handed over (once; a repeat
    changes nothing) and a running automatic reply stops. The ``handoff`` frame, and
    whether this call made the change (then the visitor's sockets and the dashboards got
    the frame already; a repeat is answered to its sender alone)."""
    done = await handoff.hand_over(session.conversation_id, handoff.VISITOR)
    return frames.handoff(done.conversation_id, done.handoff_at, handoff.VISITOR), done.changed


# ---------------------------------------------------------------- typing


def visitor_typing(
    session: VisitorSession,
    is_typing: object,
    *,
    owner: str,
    limits: SocketLimits | None = None,
) -> None:
    """The visitor types (or stopped): the dashboards hear of it, coalesced. A ``true``
    counts against the socket's ``limits``; a ``false`` is never refused, so that an
    indicator always ends."""
    typing = clean_bool(is_typing, "is_typing")
    if typing and limits is not None:
        limits.typing()
    publish = partial(_publish_typing, session.conversation_id, session.website_id)
    typing_states().set(("visitor", session.conversation_id), typing, publish=publish, owner=owner)


async def _publish_typing(conversation_id: UUID, website_id: UUID, is_typing: bool) -> None:
    frame = frames.typing(conversation_id, USER, is_typing)
    await events.Frames(conversation_id, website_id).to_dashboards(frame).send()
