"""Automatic responders: ``LIVECHAT["RESPONDER"]`` points at one of these, or at yours.

A responder is a callable, sync or async, called as ``responder(conversation, message)``
after a visitor's message is stored. ``conversation`` is the
:class:`~django_livechat.models.Conversation` as the store left it (its ``website``
loaded; ``agent_replied_at`` tells whether a person has answered) and ``message`` the
visitor's :class:`~django_livechat.models.Message`. It returns the reply text, or ``None``
for no reply.

It may also return :class:`Handoff` (optional last words, then the conversation goes to
a person), or stream its reply: an async iterator of text chunks (an async generator
function works too; a sync responder may return a sync iterator). Visitors and dashboards
see the reply grow (``reply_delta`` frames) and the whole text is stored once, when the
stream ends. A stream with no chunk for ``LIVECHAT["STREAM_STALL_TIMEOUT"]`` seconds, one
longer than ``RESPONDER_TIMEOUT`` in all, or one that raises is stored as far as it got,
with ``LIVECHAT["STREAM_CUT_TEXT"]`` under it, and the conversation is handed over.

A responder that accepts a ``context`` keyword is called as ``responder(conversation,
message, context=...)`` with a :class:`ResponderContext`: the conversation's recent
messages, the visitor, the website and how many agents are online, read before the call,
so the responder needs no query. Once the conversation was handed over
(``conversation.handoff_at``: the visitor asked for a person, a responder handed over, or
an agent replied or took it), its responder is not called again. A website's own
``responder`` (admin) wins over ``LIVECHAT["RESPONDER"]``, and its ``bot_enabled`` switch
turns automatic replies off. The reply is always posted as the ``assistant``, cleaned
like a visitor's text, and counts against the conversation's rate limit: a responder
answering in a loop is stopped and the conversation handed over.

It runs in a bounded pool of its own (``LIVECHAT["RESPONDER_CONCURRENCY"]`` at a time;
a sync responder in a thread of that pool, so it may use the ORM; an async one must use
the async ORM), never on the threads the chat reads and writes with, so a slow or hung
responder holds up only its own replies. A run longer than
``LIVECHAT["RESPONDER_TIMEOUT"]`` (waiting for a free slot included) or an exception is
logged and reported to the visitor as ``INTERNAL_ERROR`` (see
``RESPONDER_ERRORS_TO_VISITOR``); the visitor's message stays stored either way, and each
message gets at most one reply, also across crashes and several server processes.

A responder that does no I/O and returns at once (rules on the text, the conversation's
fields) may be marked :func:`inline`: it then runs inside the transaction that stores the
visitor's message, and its reply is stored and delivered together with the message, with
no typing indicator in between. The default responder is one. An inline responder gets
no ``context`` (that would take a query inside the message's transaction).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django_livechat.conf import livechat_settings
from django_livechat.models import Conversation, Message

R = TypeVar("R", bound=Callable[..., object])


@dataclass(frozen=True)
class Handoff:
    """What a responder returns to hand the conversation to a person: ``text``, if any,
    is stored as its last reply, then the visitor and the dashboards hear of the hand-off
    and the responder is not called for this conversation any more."""

    text: str | None = None


@dataclass(frozen=True)
class HistoryItem:
    """One message of the conversation as a responder sees it: ``role`` is ``user``
    (the visitor), ``assistant`` (a responder), ``agent`` or ``system``."""

    role: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class VisitorInfo:
    """Who the visitor is, as far as the chat knows: ``verified`` when the website's
    identity HMAC confirmed ``identifier``."""

    identifier: str
    name: str
    email: str
    metadata: dict[str, Any]
    verified: bool


@dataclass(frozen=True)
class WebsiteInfo:
    """The conversation's website; ``availability`` is its mode: ``open``, ``away`` (open,
    nobody online) or ``closed`` (outside its business hours)."""

    id: Any
    name: str
    availability: str


@dataclass(frozen=True)
class ResponderContext:
    """What a responder that accepts a ``context`` keyword is handed, read before the call.

    ``history`` holds the last ``LIVECHAT["RESPONDER_HISTORY"]`` messages of the
    conversation up to and including the one answered, oldest first.
    """

    conversation_id: Any
    history: list[HistoryItem]
    visitor: VisitorInfo
    website: WebsiteInfo
    agents_online: int


def accepts_context(responder: Callable[..., Any]) -> bool:
    """Whether ``responder`` takes a ``context`` keyword (or any keyword)."""
    try:
        parameters = inspect.signature(responder).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        (p.name == "context" and p.kind is not inspect.Parameter.POSITIONAL_ONLY)
        or p.kind is inspect.Parameter.VAR_KEYWORD
        for p in parameters
    )


def wants_person(text: str) -> bool:
    """Whether a visitor's ``text`` asks for a person: it holds one of
    ``LIVECHAT["HANDOFF_PHRASES"]`` ("human", "a person", "an agent", "real person",
    "talk to someone", "speak to someone" by default) as whole words, in any case."""
    folded = " ".join(str(text).casefold().split())
    for phrase in livechat_settings.HANDOFF_PHRASES:
        wanted = " ".join(phrase.casefold().split())
        if wanted and re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", folded):
            return True
    return False


def inline(responder: R) -> R:
    """Mark a sync ``responder`` as inline: pure and instant, run in the message's own
    transaction (in the chat's single writer thread, so it must not block, query the
    database or call out: every other message of the process waits while it runs)."""
    responder.livechat_inline = True  # type: ignore[attr-defined]
    return responder


def is_inline(responder: object) -> bool:
    """Whether ``responder`` was marked with :func:`inline`."""
    return getattr(responder, "livechat_inline", False) is True


@inline
def acknowledge(conversation: Conversation, message: Message) -> str | Handoff | None:
    """The default: acknowledge each visitor message until an agent has replied.

    A visitor asking for a person (:func:`wants_person`) is acknowledged the same way and
    the conversation handed over (:class:`Handoff`), so no further acknowledgement follows.

    The text follows the website's mode: outside its business hours
    ``LIVECHAT["AUTO_RESPONSE_CLOSED_TEXT"]``; open with no agent present
    ``LIVECHAT["AUTO_RESPONSE_AWAY_TEXT"]`` (unless set to ``None``); else the website's
    ``auto_response_text`` if set, else ``LIVECHAT["AUTO_RESPONSE_TEXT"]``. Presence is
    the count this process read last (the visitor's identify and heartbeats read it), so
    no query is made. Nothing is sent when ``LIVECHAT["AUTO_RESPONSE_ENABLED"]`` is False.
    """
    # Imported here: the pipeline imports this module.
    from django_livechat.pipeline.hours import AWAY, CLOSED, reply_mode
    from django_livechat.pipeline.presence import last_known_count

    if not livechat_settings.AUTO_RESPONSE_ENABLED:
        return None
    if conversation.agent_replied_at is not None:
        return None
    website = conversation.website
    mode = reply_mode(website, last_known_count(website.pk))
    if mode == CLOSED:
        text = livechat_settings.AUTO_RESPONSE_CLOSED_TEXT
    elif mode == AWAY and livechat_settings.AUTO_RESPONSE_AWAY_TEXT:
        text = livechat_settings.AUTO_RESPONSE_AWAY_TEXT
    else:
        text = website.auto_response_text or livechat_settings.AUTO_RESPONSE_TEXT
    return Handoff(text) if wants_person(message.content) else text
