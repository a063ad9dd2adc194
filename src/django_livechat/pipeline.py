"""The message pipeline: the one path every transport takes, visitors' and agents'.

validate → store (idempotent by ``client_id``, gap-free ``seq``) → broadcast to the
conversation's sockets and its website's dashboards → run the responder → store and
broadcast the reply. Consumers and HTTP views parse and authorize, then call in here; this
module never imports a transport. Refusals raise :class:`~django_livechat.errors.ChatError`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from asgiref.sync import iscoroutinefunction
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from django_livechat import errors, permissions
from django_livechat.conf import livechat_settings
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.groups import agent_group, conversation_group, website_group
from django_livechat.models import Conversation, Message, ReadMarker, Website
from django_livechat.origins import origin_allowed
from django_livechat.payloads import message_data
from django_livechat.ratelimit import visitor_limiter
from django_livechat.signals import conversation_created
from django_livechat.store import NewMessage, StoredMessage
from django_livechat.tokens import make_visitor_token, read_visitor_token
from django_livechat.writer import store

logger = logging.getLogger(__name__)

MAX_CLIENT_ID_LENGTH = 64
MAX_IDENTIFIER_LENGTH = 255
MAX_METADATA_BYTES = 8192
HISTORY_LIMIT = 500


@dataclass(frozen=True)
class VisitorSession:
    """What a visitor is allowed to do: read and post in one conversation."""

    conversation_id: UUID
    website_id: UUID
    user_identifier: str
    visitor_token: str
    created: bool = False
    #: ``open`` or ``resolved`` when the session began, so a rejoining client can show it.
    conversation_status: str = "open"

    def identified_event(self) -> dict[str, Any]:
        return {
            "type": "identified",
            "conversation_id": str(self.conversation_id),
            "website_id": str(self.website_id),
            "user_identifier": self.user_identifier,
            "visitor_token": self.visitor_token,
            "status": "success",
            "conversation_status": self.conversation_status,
        }


@dataclass(frozen=True)
class PostResult:
    """A stored visitor message (``created`` False for a repeated ``client_id``)."""

    message: dict[str, Any]
    created: bool
    reply: dict[str, Any] | None = None


# ---------------------------------------------------------------- validation


def _as_uuid(value: object) -> UUID | None:
    try:
        return UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def clean_text(content: object) -> str:
    """The message text, or :class:`ChatError` ``INVALID_MESSAGE``/``MESSAGE_TOO_LONG``."""
    if not isinstance(content, str) or not content.strip():
        raise ChatError(errors.INVALID_MESSAGE, "The message must be non-empty text.")
    if "\x00" in content:
        raise ChatError(errors.INVALID_MESSAGE, "The message contains a NUL character.")
    limit = livechat_settings.MAX_MESSAGE_LENGTH
    if len(content) > limit:
        raise ChatError(errors.MESSAGE_TOO_LONG, f"The message is longer than {limit} characters.")
    return content.strip()


def clean_client_id(client_id: object) -> str:
    """The sender's idempotency key; one is made up when the client sent none."""
    if client_id is None:
        return uuid4().hex
    if (
        not isinstance(client_id, str)
        or not client_id
        or len(client_id) > MAX_CLIENT_ID_LENGTH
        or not client_id.isprintable()
    ):
        raise ChatError(
            errors.INVALID_MESSAGE,
            f"client_id must be a string of 1 to {MAX_CLIENT_ID_LENGTH} printable characters.",
        )
    return client_id


def _clean_identity(user_identifier: object, metadata: object) -> tuple[str, dict[str, Any]]:
    if user_identifier is None:
        user_identifier = ""
    if not isinstance(user_identifier, str) or len(user_identifier) > MAX_IDENTIFIER_LENGTH:
        raise ChatError(
            errors.INVALID_MESSAGE,
            f"user_identifier must be a string of at most {MAX_IDENTIFIER_LENGTH} characters.",
        )
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ChatError(errors.INVALID_MESSAGE, "metadata must be a JSON object.")
    try:
        size = len(json.dumps(metadata))
    except (TypeError, ValueError):
        raise ChatError(errors.INVALID_MESSAGE, "metadata must be a JSON object.") from None
    if size > MAX_METADATA_BYTES:
        raise ChatError(
            errors.INVALID_MESSAGE, f"metadata is larger than {MAX_METADATA_BYTES} bytes."
        )
    return user_identifier.strip(), metadata


def identity_verified(website: Website, identifier: str, identifier_hash: object) -> bool:
    """Whether ``identifier_hash`` is HMAC-SHA256(website secret, identifier), hex."""
    if not identifier or not isinstance(identifier_hash, str):
        return False
    expected = hmac.new(
        website.identity_secret.encode(), identifier.encode(), hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, identifier_hash.lower())


# ---------------------------------------------------------------- sessions


async def open_conversation(
    *,
    website_id: object,
    origin: str | None,
    user_identifier: object = None,
    identifier_hash: object = None,
    metadata: object = None,
    conversation_id: object = None,
    visitor_token: object = None,
) -> VisitorSession:
    """Create a visitor's conversation, or rejoin it with its token.

    ``origin`` is the request's ``Origin`` header; when present it must be one of the
    website's allowed origins (cross-site WebSocket hijacking). Without a token a new
    conversation starts; a ``conversation_id`` without its token is refused.
    """
    identifier, meta = _clean_identity(user_identifier, metadata)
    site_id = _as_uuid(website_id)
    if site_id is None:
        raise ChatError(errors.INVALID_WEBSITE, "website_id must be a website's UUID.")
    if visitor_token is None and conversation_id is not None:
        raise ChatError(errors.FORBIDDEN, "Rejoining a conversation needs its visitor_token.")
    session, created_conversation = await run_in_db_thread(
        _open_conversation_sync,
        site_id,
        origin,
        identifier,
        identifier_hash,
        meta,
        conversation_id,
        visitor_token,
    )
    if created_conversation is not None:
        await _broadcast_website(
            site_id,
            {
                "type": "livechat.conversation",
                "event": "new_conversation",
                "conversation": conversation_data(created_conversation),
            },
        )
    return session


def _open_conversation_sync(
    website_id: UUID,
    origin: str | None,
    identifier: str,
    identifier_hash: object,
    metadata: dict[str, Any],
    conversation_id: object,
    visitor_token: object,
) -> tuple[VisitorSession, Conversation | None]:
    website = Website.objects.filter(pk=website_id, is_active=True).first()
    if website is None:
        raise ChatError(errors.INVALID_WEBSITE)
    _check_origin(website, origin)
    if visitor_token is not None:
        claims = read_visitor_token(visitor_token)
        if claims is None or claims[1] != website.id:
            raise ChatError(errors.FORBIDDEN, "The visitor_token is not valid for this website.")
        if conversation_id is not None and _as_uuid(conversation_id) != claims[0]:
            raise ChatError(errors.FORBIDDEN, "The visitor_token is for another conversation.")
        conversation = Conversation.objects.filter(pk=claims[0], website=website).first()
        if conversation is None:
            raise ChatError(errors.FORBIDDEN, "That conversation no longer exists.")
        session = VisitorSession(
            conversation.id,
            website.id,
            conversation.visitor_identifier,
            str(visitor_token),
            conversation_status=conversation.status,
        )
        return session, None
    if identifier:
        metadata = {
            **metadata,
            "identity_verified": identity_verified(website, identifier, identifier_hash),
        }
    with transaction.atomic():
        conversation = Conversation.objects.create(
            website=website, visitor_identifier=identifier, metadata=metadata
        )
    for receiver, result in conversation_created.send_robust(
        sender=Conversation, conversation=conversation
    ):
        if isinstance(result, Exception):
            logger.error("conversation_created receiver %r failed", receiver, exc_info=result)
    token = make_visitor_token(conversation.id, website.id)
    session = VisitorSession(conversation.id, website.id, identifier, token, created=True)
    return session, conversation


def _check_origin(website: Website, origin: str | None) -> None:
    # No Origin header: not a browser (which could forge one anyway) or a same-origin GET.
    # Browsers always send it on WebSockets and cross-origin requests, and there a
    # foreign origin is refused.
    if origin is not None and not origin_allowed(origin, website.allowed_origins):
        raise ChatError(errors.FORBIDDEN, f"Origin {origin} may not embed this website's chat.")


async def authorize_visitor(visitor_token: object, *, origin: str | None) -> VisitorSession:
    """The session a bearer ``visitor_token`` grants (HTTP), or :class:`ChatError`."""
    claims = read_visitor_token(visitor_token)
    if claims is None:
        raise ChatError(errors.FORBIDDEN, "The visitor token is missing or not valid.")
    return await run_in_db_thread(_authorize_sync, claims[0], claims[1], origin, str(visitor_token))


def _authorize_sync(
    conversation_id: UUID, website_id: UUID, origin: str | None, token: str
) -> VisitorSession:
    conversation = (
        Conversation.objects.select_related("website")
        .filter(pk=conversation_id, website_id=website_id)
        .first()
    )
    if conversation is None or not conversation.website.is_active:
        raise ChatError(errors.INVALID_WEBSITE if conversation else errors.FORBIDDEN)
    _check_origin(conversation.website, origin)
    return VisitorSession(conversation.id, website_id, conversation.visitor_identifier, token)


def conversation_data(conversation: Conversation) -> dict[str, Any]:
    """A conversation as the dashboards see it (``website`` and ``assigned_agent`` loaded)."""
    return {
        "conversation_id": str(conversation.id),
        "website_id": str(conversation.website_id),
        "website_name": conversation.website.name,
        "visitor_identifier": conversation.visitor_identifier,
        "metadata": conversation.metadata,
        "status": conversation.status,
        "assigned_agent": agent_data(conversation.assigned_agent),
        "last_seq": conversation.last_seq,
        "created_at": conversation.created_at.isoformat(),
        "last_message_at": (
            conversation.last_message_at.isoformat() if conversation.last_message_at else None
        ),
    }


# ---------------------------------------------------------------- messages


async def post_visitor_message(
    session: VisitorSession, *, content: object, client_id: object, background: bool
) -> PostResult:
    """Store, broadcast and answer a visitor's message.

    With ``background`` the responder runs in a task of its own and the call returns once
    the message is stored and broadcast (sockets); without, the reply is awaited and
    returned too (HTTP).
    """
    text = clean_text(content)
    key = clean_client_id(client_id)
    wait = visitor_limiter.hit(str(session.conversation_id))
    if wait is not None:
        raise ChatError(errors.RATE_LIMITED, retry_after=wait)
    stored = await _store(
        NewMessage(
            conversation_id=session.conversation_id,
            role=str(Message.Role.USER),
            content=text,
            client_id=key,
        )
    )
    data = message_data(stored.message)
    if not stored.created:
        # A retry: hand back the reply too if there was one, so a polling client has it.
        reply = await run_in_db_thread(_stored_reply, stored.message)
        return PostResult(data, created=False, reply=reply)
    await broadcast_message(session.website_id, data)
    if stored.reopened:
        await broadcast_status(
            session.conversation_id, session.website_id, str(Conversation.Status.OPEN), by=None
        )
    if background:
        spawn(respond(session, stored.message))
        return PostResult(data, created=True)
    reply = await respond(session, stored.message)
    return PostResult(data, created=True, reply=reply)


async def _store(item: NewMessage) -> StoredMessage:
    try:
        return await store(item)
    except Exception as exc:
        logger.exception("Storing a message of conversation %s failed", item.conversation_id)
        raise ChatError(errors.INTERNAL_ERROR, "The message could not be stored.") from exc


def _reply_client_id(message: Message) -> str:
    # Replies are keyed by the message they answer, so each is stored at most once.
    return f"auto:{message.id}"


def _stored_reply(message: Message) -> dict[str, Any] | None:
    reply = Message.objects.filter(
        conversation_id=message.conversation_id, client_id=_reply_client_id(message)
    ).first()
    return message_data(reply) if reply else None


async def messages_after(
    conversation_id: UUID, after_seq: object, *, limit: int = HISTORY_LIMIT
) -> tuple[list[dict[str, Any]], bool]:
    """Messages with ``seq > after_seq``, oldest first, and whether more follow."""
    if after_seq is None:
        after_seq = 0
    if not isinstance(after_seq, int) or isinstance(after_seq, bool) or after_seq < 0:
        raise ChatError(errors.INVALID_MESSAGE, "last_seq (after_seq) must be an integer >= 0.")
    return await run_in_db_thread(_messages_after_sync, conversation_id, after_seq, limit)


def _messages_after_sync(
    conversation_id: UUID, after_seq: int, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    rows = list(
        Message.objects.filter(conversation_id=conversation_id, seq__gt=after_seq).order_by("seq")[
            : limit + 1
        ]
    )
    return [message_data(m) for m in rows[:limit]], len(rows) > limit


async def visitor_typing(session: VisitorSession, is_typing: object) -> None:
    """The visitor typing: tell the website's dashboards."""
    if not isinstance(is_typing, bool):
        raise ChatError(errors.INVALID_MESSAGE, "is_typing must be true or false.")
    await _broadcast_website(
        session.website_id,
        {
            "type": "livechat.typing",
            "conversation_id": str(session.conversation_id),
            "role": str(Message.Role.USER),
            "is_typing": is_typing,
        },
    )


# ---------------------------------------------------------------- broadcasting


async def broadcast_message(website_id: UUID, data: dict[str, Any]) -> None:
    """A stored message to its conversation's sockets and its website's dashboards."""
    event = {"type": "livechat.message", "message": data}
    layer = get_channel_layer()
    await layer.group_send(conversation_group(data["conversation_id"]), event)
    await layer.group_send(website_group(website_id), event)


async def broadcast_typing(
    conversation_id: UUID,
    website_id: UUID,
    role: str,
    is_typing: bool,
    *,
    to_dashboards: bool = True,
) -> None:
    """Someone on the support side typing, to the visitor (and the other dashboards)."""
    event = {
        "type": "livechat.typing",
        "conversation_id": str(conversation_id),
        "role": role,
        "is_typing": is_typing,
    }
    layer = get_channel_layer()
    await layer.group_send(conversation_group(conversation_id), event)
    if to_dashboards:
        await layer.group_send(website_group(website_id), event)


async def _broadcast_website(website_id: UUID, event: dict[str, Any]) -> None:
    await get_channel_layer().group_send(website_group(website_id), event)


# ---------------------------------------------------------------- responder

_background: set[asyncio.Task[Any]] = set()


def spawn(coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """Run ``coroutine`` as a tracked task that :func:`drain` can wait for."""
    task = asyncio.get_running_loop().create_task(coroutine)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


async def drain() -> None:
    """Wait for this loop's background responder tasks (tests, graceful shutdown)."""
    loop = asyncio.get_running_loop()
    while True:
        mine = [t for t in _background if t.get_loop() is loop and not t.done()]
        if not mine:
            return
        await asyncio.gather(*mine, return_exceptions=True)


def get_responder() -> Callable[[Conversation, Message], str | Awaitable[str | None] | None]:
    return import_string(livechat_settings.RESPONDER)  # type: ignore[no-any-return]


async def respond(session: VisitorSession, message: Message) -> dict[str, Any] | None:
    """Run the responder for ``message``; store and broadcast its reply.

    Typing always ends. A failure or a timeout is logged and, per
    ``RESPONDER_ERRORS_TO_VISITOR``, reported to the visitor's sockets as ``INTERNAL_ERROR``;
    the visitor's message stays stored either way.
    """
    cid, wid = session.conversation_id, session.website_id
    # Only the visitor needs the responder's typing; agents see its reply.
    await broadcast_typing(cid, wid, str(Message.Role.ASSISTANT), True, to_dashboards=False)
    try:
        text = await asyncio.wait_for(
            _run_responder(message), timeout=livechat_settings.RESPONDER_TIMEOUT
        )
        if text is None:
            return None
        stored = await store(
            NewMessage(
                conversation_id=cid,
                role=str(Message.Role.ASSISTANT),
                content=text,
                client_id=_reply_client_id(message),
                is_auto=True,
            )
        )
        data = message_data(stored.message)
        if stored.created:
            await broadcast_message(wid, data)
        return data
    except Exception as exc:
        logger.exception("The responder failed on message %s", message.id)
        if livechat_settings.RESPONDER_ERRORS_TO_VISITOR:
            error = ChatError(
                errors.INTERNAL_ERROR,
                "The automatic reply failed; an agent will see your message."
                if not isinstance(exc, asyncio.TimeoutError)
                else "The automatic reply took too long; an agent will see your message.",
            )
            await get_channel_layer().group_send(
                conversation_group(cid), {**error.as_event(), "type": "livechat.error"}
            )
        return None
    finally:
        await broadcast_typing(cid, wid, str(Message.Role.ASSISTANT), False, to_dashboards=False)


async def _run_responder(message: Message) -> str | None:
    responder = get_responder()
    if iscoroutinefunction(responder):
        conversation = await run_in_db_thread(_load_conversation, message.conversation_id)
        result = await responder(conversation, message)
    else:
        result = await run_in_db_thread(_call_sync_responder, responder, message)
    if result is None:
        return None
    if not isinstance(result, str):
        raise TypeError(f"The responder returned {type(result).__name__}, not str or None")
    return result.strip() or None


def _load_conversation(conversation_id: UUID) -> Conversation:
    conversation: Conversation = Conversation.objects.select_related("website").get(
        pk=conversation_id
    )
    return conversation


def _call_sync_responder(responder: Callable[..., Any], message: Message) -> Any:
    return responder(_load_conversation(message.conversation_id), message)


# ================================================================ the agent side
#
# Everything an agent does (dashboard socket and agent HTTP API alike) comes through here:
# authorize against the websites the agent serves, store through the writer, broadcast
# through the conversation group (the visitor's sockets) and the website group (the
# dashboards). The agent's rights are read again from the database on every action, so
# removing an agent from a website takes effect at once.

INBOX_LIMIT = 100
MAX_INBOX_LIMIT = 500
PREVIEW_LENGTH = 140
STATUSES = frozenset(Conversation.Status.values)
#: ``assign`` without an assignee: to the agent who asks.
ME: Any = object()


class NotAnAgent(ChatError):
    """``FORBIDDEN``: the user is not (or no longer) an agent; sockets close on it."""

    def __init__(self, message: str) -> None:
        super().__init__(errors.FORBIDDEN, message)


def parse_uuid(value: object) -> UUID | None:
    """``value`` as a UUID, or None if it is not one."""
    return _as_uuid(value)


@dataclass(frozen=True)
class AgentSession:
    """An authorized agent: who they are and the websites they served when it was made."""

    user_id: Any
    name: str
    website_ids: frozenset[UUID]
    websites: tuple[tuple[UUID, str], ...] = ()

    def agent(self) -> dict[str, Any]:
        return {"user_id": _json_pk(self.user_id), "name": self.name}

    def ready_event(self) -> dict[str, Any]:
        return {
            "type": "ready",
            "agent": self.agent(),
            "websites": [{"website_id": str(wid), "name": name} for wid, name in self.websites],
        }


@dataclass(frozen=True)
class AgentPostResult:
    """A stored agent message (``created`` False for a repeated ``client_id``)."""

    message: dict[str, Any]
    created: bool


@dataclass(frozen=True)
class _Target:
    """An authorized conversation: enough to store into it and broadcast about it."""

    conversation_id: UUID
    website_id: UUID


def _json_pk(pk: Any) -> Any:
    return pk if isinstance(pk, int) else str(pk)


def display_name(user: Any) -> str:
    """What visitors and other agents see of an agent: the full name, else the username."""
    full_name = str(user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return full_name or str(user.get_username())


def agent_data(user: Any) -> dict[str, Any] | None:
    return None if user is None else {"user_id": _json_pk(user.pk), "name": display_name(user)}


async def authorize_agent(user: Any) -> AgentSession:
    """The session of ``user`` (``scope["user"]``, ``request.user``), or ``FORBIDDEN``."""
    return await run_in_db_thread(_authorize_agent_sync, user)


def _authorize_agent_sync(user: Any) -> AgentSession:
    if not permissions.is_agent(user):
        raise NotAnAgent("Only agents may use the dashboard.")
    websites = tuple(permissions.served_websites(user).order_by("name").values_list("id", "name"))
    return AgentSession(
        user_id=user.pk,
        name=display_name(user),
        website_ids=frozenset(wid for wid, _ in websites),
        websites=websites,
    )


def _current_agent(agent: AgentSession) -> Any:
    """The agent's user as the database has it now; ``FORBIDDEN`` if no longer an agent."""
    user = get_user_model()._default_manager.filter(pk=agent.user_id).first()
    if not permissions.is_agent(user):
        raise NotAnAgent("You are no longer an agent.")
    return user


def _agent_conversation(user: Any, conversation_id: object) -> Conversation:
    """The conversation, if ``user`` serves its website: ``NOT_FOUND``, ``FORBIDDEN``."""
    cid = _as_uuid(conversation_id)
    if cid is None:
        raise ChatError(errors.INVALID_MESSAGE, "conversation_id must be a conversation's UUID.")
    conversation: Conversation | None = (
        Conversation.objects.select_related("website", "assigned_agent").filter(pk=cid).first()
    )
    if conversation is None:
        raise ChatError(errors.NOT_FOUND, "No such conversation.")
    if not permissions.serves(user, conversation.website_id):
        raise ChatError(errors.FORBIDDEN, "You are not an agent of this conversation's website.")
    return conversation


def _target_sync(agent: AgentSession, conversation_id: object) -> _Target:
    conversation = _agent_conversation(_current_agent(agent), conversation_id)
    return _Target(conversation.id, conversation.website_id)


# ---------------------------------------------------------------- the inbox


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


def _inbox_entries(conversations: list[Conversation]) -> list[dict[str, Any]]:
    # The newest message of each, in one query.
    last = {
        m.conversation_id: m
        for m in Message.objects.filter(
            conversation__in=[c.id for c in conversations], seq=F("conversation__last_seq")
        )
    }
    return [_inbox_entry(c, last.get(c.id)) for c in conversations]


def _inbox_entry(conversation: Conversation, last: Message | None) -> dict[str, Any]:
    entry = conversation_data(conversation)
    entry["unread"] = getattr(conversation, "unread", 0)
    entry["last_read_seq"] = getattr(conversation, "read_seq", 0)
    entry["last_message"] = None
    if last is not None:
        data = message_data(last)
        text = data["message"]
        data["message"] = text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1] + "…"
        entry["last_message"] = data
    return entry


async def list_conversations(
    agent: AgentSession,
    *,
    website_id: object = None,
    status: object = None,
    limit: object = None,
) -> tuple[list[dict[str, Any]], bool]:
    """The agent's inbox: open first, then by last activity; and whether more follow."""
    wid = None
    if website_id is not None:
        wid = _as_uuid(website_id)
        if wid is None:
            raise ChatError(errors.INVALID_MESSAGE, "website_id must be a website's UUID.")
    if status is not None and (not isinstance(status, str) or status not in STATUSES):
        raise ChatError(errors.INVALID_MESSAGE, "status must be 'open' or 'resolved'.")
    if limit is None:
        limit = INBOX_LIMIT
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_INBOX_LIMIT:
        raise ChatError(errors.INVALID_MESSAGE, f"limit must be 1 to {MAX_INBOX_LIMIT}.")
    return await run_in_db_thread(_list_conversations_sync, agent, wid, status, limit)


def _list_conversations_sync(
    agent: AgentSession, website_id: UUID | None, status: str | None, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    user = _current_agent(agent)
    conversations = _inbox(user)
    if website_id is not None:
        if not permissions.serves(user, website_id):
            raise ChatError(errors.FORBIDDEN, "You are not an agent of this website.")
        conversations = conversations.filter(website_id=website_id)
    if status is not None:
        conversations = conversations.filter(status=status)
    rows = list(
        conversations.order_by(
            Case(When(status=Conversation.Status.OPEN, then=Value(0)), default=Value(1)),
            F("last_message_at").desc(nulls_last=True),
            "-created_at",
        )[: limit + 1]
    )
    return _inbox_entries(rows[:limit]), len(rows) > limit


async def agent_conversation(agent: AgentSession, conversation_id: object) -> dict[str, Any]:
    """One conversation as the inbox lists it, for this agent."""
    return await run_in_db_thread(_agent_conversation_entry, agent, conversation_id)


def _agent_conversation_entry(agent: AgentSession, conversation_id: object) -> dict[str, Any]:
    user = _current_agent(agent)
    return _inbox_entry_of(user, _agent_conversation(user, conversation_id).pk)


def _inbox_entry_of(user: Any, conversation_id: UUID) -> dict[str, Any]:
    (annotated,) = _inbox(user).filter(pk=conversation_id)
    (entry,) = _inbox_entries([annotated])
    return entry


async def agent_history(
    agent: AgentSession, conversation_id: object, last_seq: object
) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
    """The conversation and its messages after ``last_seq``, oldest first (at most 500)."""
    conversation = await agent_conversation(agent, conversation_id)
    messages, has_more = await messages_after(UUID(conversation["conversation_id"]), last_seq)
    return conversation, messages, has_more


# ---------------------------------------------------------------- agent actions


async def post_agent_message(
    agent: AgentSession, conversation_id: object, *, content: object, client_id: object
) -> AgentPostResult:
    """Store an agent's reply and deliver it to the visitor's sockets and the dashboards.

    Stored with role ``agent``, ``is_manual`` and the agent as sender, their display name
    in the metadata (the ``sender_name`` of the payload). Idempotent by ``client_id``.
    """
    text = clean_text(content)
    key = clean_client_id(client_id)
    target = await run_in_db_thread(_target_sync, agent, conversation_id)
    stored = await _store(
        NewMessage(
            conversation_id=target.conversation_id,
            role=str(Message.Role.AGENT),
            content=text,
            client_id=key,
            is_manual=True,
            sender_id=agent.user_id,
            metadata={"sender_name": agent.name},
        )
    )
    message = stored.message
    if not stored.created:
        # client_ids share one namespace per conversation: never hand back someone else's.
        if message.role != str(Message.Role.AGENT) or message.sender_id != agent.user_id:
            raise ChatError(
                errors.INVALID_MESSAGE, "This client_id is already used in the conversation."
            )
        return AgentPostResult(message_data(message), created=False)
    data = message_data(message)
    await broadcast_message(target.website_id, data)
    return AgentPostResult(data, created=True)


async def agent_typing(agent: AgentSession, conversation_id: object, is_typing: object) -> UUID:
    """An agent typing in a conversation: to its visitor and the other dashboards.

    Returns the conversation's website id, for the caller's expiry timer.
    """
    if not isinstance(is_typing, bool):
        raise ChatError(errors.INVALID_MESSAGE, "is_typing must be true or false.")
    target = await run_in_db_thread(_target_sync, agent, conversation_id)
    await broadcast_agent_typing(agent, target.conversation_id, target.website_id, is_typing)
    return target.website_id


async def broadcast_agent_typing(
    agent: AgentSession, conversation_id: UUID, website_id: UUID, is_typing: bool
) -> None:
    """The typing event of an agent (also used to end it: no authorization needed)."""
    event = {
        "type": "livechat.typing",
        "conversation_id": str(conversation_id),
        "role": str(Message.Role.AGENT),
        "is_typing": is_typing,
        # The visitor's socket passes on the first four keys only.
        "agent": agent.agent(),
    }
    layer = get_channel_layer()
    await layer.group_send(conversation_group(conversation_id), event)
    await layer.group_send(website_group(website_id), event)


async def assign_conversation(
    agent: AgentSession, conversation_id: object, assignee: object = ME
) -> dict[str, Any]:
    """Assign to the agent (``ME``), to another agent of the website by user id, or to
    nobody (``None``); tell the dashboards. Returns the conversation for this agent."""
    entry, changed = await run_in_db_thread(_assign_sync, agent, conversation_id, assignee)
    if changed:
        await _broadcast_website(
            UUID(entry["website_id"]),
            {
                "type": "livechat.assignment",
                "conversation_id": entry["conversation_id"],
                "assigned_agent": entry["assigned_agent"],
                "by": agent.agent(),
            },
        )
    return entry


def _assign_sync(
    agent: AgentSession, conversation_id: object, assignee: object
) -> tuple[dict[str, Any], bool]:
    user = _current_agent(agent)
    conversation = _agent_conversation(user, conversation_id)
    target = _assignee(user, conversation, assignee)
    rows = Conversation.objects.filter(pk=conversation.pk)
    if target is None:
        rows = rows.filter(assigned_agent__isnull=False)
    else:
        rows = rows.exclude(assigned_agent=target)  # NULL included
    changed = bool(rows.update(assigned_agent=target, updated_at=timezone.now()))
    return _inbox_entry_of(user, conversation.pk), changed


def _assignee(user: Any, conversation: Conversation, assignee: object) -> Any:
    if assignee is ME:
        return user
    if assignee is None:
        return None
    model = get_user_model()
    if isinstance(assignee, bool) or not isinstance(assignee, (int, str)):
        raise ChatError(errors.INVALID_MESSAGE, "agent_id must be a user id or null.")
    try:
        pk = model._meta.pk.to_python(assignee)
        target = model._default_manager.filter(pk=pk).first()
    except (ValidationError, ValueError, TypeError):
        target = None
    if target is None or not permissions.serves(target, conversation.website_id):
        raise ChatError(
            errors.INVALID_MESSAGE, f"User {assignee!r} is not an agent of this website."
        )
    return target


async def resolve_conversation(agent: AgentSession, conversation_id: object) -> dict[str, Any]:
    """Mark the conversation resolved; tell its visitor and the dashboards."""
    return await _set_status(agent, conversation_id, str(Conversation.Status.RESOLVED))


async def reopen_conversation(agent: AgentSession, conversation_id: object) -> dict[str, Any]:
    """Open the conversation again; tell its visitor and the dashboards."""
    return await _set_status(agent, conversation_id, str(Conversation.Status.OPEN))


async def _set_status(agent: AgentSession, conversation_id: object, status: str) -> dict[str, Any]:
    entry, changed = await run_in_db_thread(_set_status_sync, agent, conversation_id, status)
    if changed:
        await broadcast_status(
            UUID(entry["conversation_id"]), UUID(entry["website_id"]), status, by=agent.agent()
        )
    return entry


def _set_status_sync(
    agent: AgentSession, conversation_id: object, status: str
) -> tuple[dict[str, Any], bool]:
    user = _current_agent(agent)
    conversation = _agent_conversation(user, conversation_id)
    changed = bool(
        Conversation.objects.filter(pk=conversation.pk)
        .exclude(status=status)
        .update(status=status, updated_at=timezone.now())
    )
    return _inbox_entry_of(user, conversation.pk), changed


async def broadcast_status(
    conversation_id: UUID, website_id: UUID, status: str, *, by: dict[str, Any] | None
) -> None:
    """A status change: ``status`` to the visitor's sockets, and to the dashboards with
    who changed it (``by`` is ``None`` when the visitor's message reopened it)."""
    event = {"type": "livechat.status", "conversation_id": str(conversation_id), "status": status}
    layer = get_channel_layer()
    await layer.group_send(conversation_group(conversation_id), event)
    await layer.group_send(website_group(website_id), {**event, "by": by})


async def mark_read(agent: AgentSession, conversation_id: object, seq: object) -> dict[str, Any]:
    """The agent has read the conversation up to ``seq`` (markers never move back).

    Returns ``{conversation_id, last_read_seq, unread}`` and sends it to the agent's other
    dashboards.
    """
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ChatError(errors.INVALID_MESSAGE, "seq must be an integer >= 0.")
    read = await run_in_db_thread(_mark_read_sync, agent, conversation_id, seq)
    await get_channel_layer().group_send(
        agent_group(agent.user_id), {"type": "livechat.read", **read}
    )
    return read


def _mark_read_sync(agent: AgentSession, conversation_id: object, seq: int) -> dict[str, Any]:
    user = _current_agent(agent)
    conversation = _agent_conversation(user, conversation_id)
    seq = min(seq, conversation.last_seq)
    marker, created = ReadMarker.objects.get_or_create(
        conversation=conversation, user=user, defaults={"last_read_seq": seq}
    )
    if not created and marker.last_read_seq < seq:
        ReadMarker.objects.filter(pk=marker.pk, last_read_seq__lt=seq).update(last_read_seq=seq)
    last_read = ReadMarker.objects.filter(pk=marker.pk).values_list("last_read_seq", flat=True)
    last_read_seq = last_read.get()
    unread = conversation.messages.filter(role=Message.Role.USER, seq__gt=last_read_seq).count()
    return {
        "conversation_id": str(conversation.id),
        "last_read_seq": last_read_seq,
        "unread": unread,
    }
