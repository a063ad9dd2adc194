"""The message pipeline: the one path every transport takes.

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
from django.db import transaction
from django.utils.module_loading import import_string

from django_livechat import errors
from django_livechat.conf import livechat_settings
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.groups import conversation_group, website_group
from django_livechat.models import Conversation, Message, Website
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

    def identified_event(self) -> dict[str, Any]:
        return {
            "type": "identified",
            "conversation_id": str(self.conversation_id),
            "website_id": str(self.website_id),
            "user_identifier": self.user_identifier,
            "visitor_token": self.visitor_token,
            "status": "success",
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
            conversation.id, website.id, conversation.visitor_identifier, str(visitor_token)
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
    return {
        "conversation_id": str(conversation.id),
        "website_id": str(conversation.website_id),
        "visitor_identifier": conversation.visitor_identifier,
        "metadata": conversation.metadata,
        "status": conversation.status,
        "created_at": conversation.created_at.isoformat(),
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
    conversation_id: UUID, website_id: UUID, role: str, is_typing: bool
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
    await broadcast_typing(cid, wid, str(Message.Role.ASSISTANT), True)
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
        await broadcast_typing(cid, wid, str(Message.Role.ASSISTANT), False)


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
