"""Visitor sessions: who may read and post in a conversation, on every transport.

A visitor holds a signed token for one conversation (:mod:`django_livechat.tokens`). Both
the socket's ``identify`` with a token and the HTTP API's bearer token go through
:func:`session_from_token`, the one path from a token to a session, which also applies the
one origin policy (:func:`django_livechat.origins.origin_permitted`) to the website.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from django_livechat import errors
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import Conversation, Website
from django_livechat.origins import origin_permitted
from django_livechat.pipeline import events, frames, presence
from django_livechat.pipeline.prechat import clean_prechat, is_email
from django_livechat.pipeline.resume import visitor_token_from_resume
from django_livechat.pipeline.validation import clean_contact, clean_identity, parse_uuid
from django_livechat.ratelimit import visitor_limiter
from django_livechat.signals import conversation_created
from django_livechat.tokens import (
    make_visitor_token,
    read_visitor_token,
    renewed_visitor_token,
)

logger = logging.getLogger(__name__)


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
    #: The conversation's newest seq when the session began.
    last_seq: int = 0
    #: How many of the website's agents had a dashboard open (in ``identified``).
    agents_online: int = 0
    #: Whether the website is open, and so on (:class:`.hours.Availability`, as JSON).
    availability: dict[str, Any] | None = None
    #: Whether the visitor rated the conversation, so that a client that rejoins a
    #: resolved conversation knows whether to ask for a rating.
    rated: bool = False
    #: When the conversation was handed to a person (ISO), so that a rejoining widget
    #: offers no "Talk to a person" any more; None if it was not.
    handoff_at: str | None = None

    def identified_event(self) -> dict[str, Any]:
        return frames.identified(
            conversation_id=self.conversation_id,
            website_id=self.website_id,
            user_identifier=self.user_identifier,
            visitor_token=self.visitor_token,
            conversation_status=self.conversation_status,
            agents_online=self.agents_online,
            availability=self.availability,
            rated=self.rated,
            handoff_at=self.handoff_at,
        )


def identity_verified(website: Website, identifier: str, identifier_hash: object) -> bool:
    """Whether ``identifier_hash`` is HMAC-SHA256(website secret, identifier), hex."""
    if not identifier or not isinstance(identifier_hash, str) or not identifier_hash.isascii():
        return False
    expected = hmac.new(
        website.identity_secret.encode(), identifier.encode(), hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, identifier_hash.lower())


async def open_conversation(
    *,
    website_id: object,
    origin: str | None,
    user_identifier: object = None,
    identifier_hash: object = None,
    metadata: object = None,
    conversation_id: object = None,
    visitor_token: object = None,
    address: str | None = None,
    name: object = None,
    email: object = None,
    prechat: object = None,
    resume_token: object = None,
) -> VisitorSession:
    """Create a visitor's conversation, or rejoin it with its token.

    ``origin`` is the request's ``Origin`` header; when present it must be one of the
    website's allowed origins (cross-site WebSocket hijacking). Without a token a new
    conversation starts, counted against the client ``address``'s rate limit
    (``RATE_LIMITED`` when over); a ``conversation_id`` without its token is refused.

    A token with a ``user_identifier`` is a visitor who signed in after chatting: an
    anonymous conversation takes the identity (and ``name``, ``email``) and keeps its
    history, and the dashboards hear of it; a conversation of another identifier is left
    alone and a new one starts. The session says how many agents are online and whether
    the website is open.

    A ``resume_token`` (from an emailed link, :mod:`.resume`) stands for the visitor token
    of its conversation. A new conversation stores the ``prechat`` answers
    (:mod:`.prechat`; ``INVALID_PRECHAT`` when they are not valid).
    """
    identifier, meta = clean_identity(user_identifier, metadata)
    meta.update(clean_contact(name, email))
    if resume_token is not None:
        visitor_token = visitor_token_from_resume(resume_token)
        conversation_id = None
    site_id = parse_uuid(website_id)
    if site_id is None:
        raise ChatError(errors.INVALID_WEBSITE, "website_id must be a website's UUID.")
    if visitor_token is not None:
        session = await session_from_token(
            visitor_token, origin=origin, website_id=site_id, conversation_id=conversation_id
        )
        if not identifier or identifier == session.user_identifier:
            return await _with_presence(session)
        if not session.user_identifier:
            attached = await _attach_identity(session, identifier, identifier_hash, meta)
            if attached is not None:
                return await _with_presence(attached)
        # The conversation is someone else's: this visitor starts their own.
    elif conversation_id is not None:
        raise ChatError(errors.FORBIDDEN, "Rejoining a conversation needs its visitor_token.")
    ticket = await visitor_limiter.conversation(address)
    try:
        session, conversation = await run_in_db_thread(
            _create_sync, site_id, origin, identifier, identifier_hash, meta, prechat
        )
    except ChatError:
        await ticket.give_back()  # nothing was created
        raise
    await (
        events.Frames(session.conversation_id, site_id)
        .to_dashboards(frames.new_conversation(conversation))
        .send()
    )
    return await _with_presence(session)


async def _with_presence(session: VisitorSession) -> VisitorSession:
    return replace(
        session,
        agents_online=await presence.agents_online(session.website_id),
        availability=(await presence.check_open(session.website_id)).as_json(),
    )


async def _attach_identity(
    session: VisitorSession, identifier: str, identifier_hash: object, meta: dict[str, Any]
) -> VisitorSession | None:
    """The identity of a visitor who signed in, on their anonymous conversation; None if
    the conversation took another identity meanwhile."""
    conversation = await run_in_db_thread(
        _attach_identity_sync, session.conversation_id, identifier, identifier_hash, meta
    )
    if conversation is None:
        return None
    await (
        events.Frames(conversation.id, conversation.website_id)
        .to_dashboards(frames.conversation_frame(frames.conversation_data(conversation)))
        .send()
    )
    token = make_visitor_token(conversation.id, conversation.website_id)
    return replace(session, user_identifier=identifier, visitor_token=token)


def _attach_identity_sync(
    conversation_id: UUID, identifier: str, identifier_hash: object, meta: dict[str, Any]
) -> Conversation | None:
    rows = Conversation.objects.select_related("website", "assigned_agent").filter(
        pk=conversation_id
    )
    conversation: Conversation | None = rows.first()
    if conversation is None:
        raise ChatError(errors.FORBIDDEN, "That conversation no longer exists.")
    if conversation.visitor_identifier:
        return conversation if conversation.visitor_identifier == identifier else None
    metadata = {
        **(conversation.metadata or {}),
        **meta,
        "identity_verified": identity_verified(conversation.website, identifier, identifier_hash),
    }
    # setUser's name and email fill in what the visitor has not given yet.
    contact = {
        "visitor_name": conversation.visitor_name or str(meta.get("name", ""))[:200],
        "visitor_email": conversation.visitor_email or _email_or_blank(meta.get("email")),
    }
    # Only while still anonymous: of two tabs signing in at once, one identity wins.
    claimed = rows.filter(visitor_identifier="").update(
        visitor_identifier=identifier, metadata=metadata, updated_at=timezone.now(), **contact
    )
    if not claimed:
        return _attach_identity_sync(conversation_id, identifier, identifier_hash, meta)
    conversation.visitor_identifier, conversation.metadata = identifier, metadata
    conversation.visitor_name, conversation.visitor_email = (
        contact["visitor_name"],
        contact["visitor_email"],
    )
    return conversation


def _create_sync(
    website_id: UUID,
    origin: str | None,
    identifier: str,
    identifier_hash: object,
    metadata: dict[str, Any],
    prechat: object = None,
) -> tuple[VisitorSession, Conversation]:
    website = Website.objects.filter(pk=website_id, is_active=True).first()
    if website is None:
        raise ChatError(errors.INVALID_WEBSITE)
    _check_origin(website, origin)
    if identifier:
        metadata = {
            **metadata,
            "identity_verified": identity_verified(website, identifier, identifier_hash),
        }
    answers = clean_prechat(website, prechat)
    with transaction.atomic():
        conversation = Conversation.objects.create(
            website=website,
            visitor_identifier=identifier,
            metadata=metadata,
            # setUser's name and email, unless the pre-chat form says otherwise.
            visitor_name=answers.name or str(metadata.get("name", ""))[:200],
            visitor_email=answers.email or _email_or_blank(metadata.get("email")),
            prechat=answers.prechat,
        )
    for receiver, result in conversation_created.send_robust(
        sender=Conversation, conversation=conversation
    ):
        if isinstance(result, Exception):
            logger.error("conversation_created receiver %r failed", receiver, exc_info=result)
    token = make_visitor_token(conversation.id, website.id)
    session = VisitorSession(conversation.id, website.id, identifier, token, created=True)
    return session, conversation


async def session_from_token(
    visitor_token: object,
    *,
    origin: str | None,
    website_id: UUID | None = None,
    conversation_id: object = None,
) -> VisitorSession:
    """The session a ``visitor_token`` grants, or :class:`ChatError`.

    ``FORBIDDEN`` for a bad token, one of another website or conversation (when
    ``website_id``/``conversation_id`` are given), a conversation that is gone, or an
    origin the website does not allow; ``INVALID_WEBSITE`` for an inactive website.
    """
    claims = read_visitor_token(visitor_token)
    if claims is None:
        raise ChatError(errors.FORBIDDEN, "The visitor token is missing or not valid.")
    if website_id is not None and claims[1] != website_id:
        raise ChatError(errors.FORBIDDEN, "The visitor_token is not valid for this website.")
    if conversation_id is not None and parse_uuid(conversation_id) != claims[0]:
        raise ChatError(errors.FORBIDDEN, "The visitor_token is for another conversation.")
    return await run_in_db_thread(_session_sync, claims[0], claims[1], origin, str(visitor_token))


def _session_sync(
    conversation_id: UUID, website_id: UUID, origin: str | None, token: str
) -> VisitorSession:
    conversation = (
        Conversation.objects.select_related("website")
        .filter(pk=conversation_id, website_id=website_id)
        .first()
    )
    if conversation is None:
        raise ChatError(errors.FORBIDDEN, "That conversation no longer exists.")
    if not conversation.website.is_active:
        raise ChatError(errors.INVALID_WEBSITE)
    _check_origin(conversation.website, origin)
    return VisitorSession(
        conversation.id,
        website_id,
        conversation.visitor_identifier,
        # An old token is replaced here, so a returning visitor's identified carries a
        # fresh one and the conversation outlives VISITOR_TOKEN_MAX_AGE while they come back.
        renewed_visitor_token(token),
        conversation_status=conversation.status,
        last_seq=conversation.last_seq,
        rated=conversation.rating is not None,
        handoff_at=conversation.handoff_at.isoformat() if conversation.handoff_at else None,
    )


def _email_or_blank(value: object) -> str:
    """setUser's ``email`` if it is an address (it is free text in the metadata)."""
    return value if isinstance(value, str) and is_email(value) else ""


def _check_origin(website: Website, origin: str | None) -> None:
    if not origin_permitted(origin, website.allowed_origins):
        raise ChatError(errors.FORBIDDEN, f"Origin {origin} may not embed this website's chat.")
