"""Automatic responders: ``LIVECHAT["RESPONDER"]`` points at one of these, or at yours.

A responder is a callable, sync or async, called as ``responder(conversation, message)``
after a visitor's message is stored. ``conversation`` is the
:class:`~django_livechat.models.Conversation` as the store left it (its ``website``
loaded; ``agent_replied_at`` tells whether a person has answered) and ``message`` the
visitor's :class:`~django_livechat.models.Message`. It returns the reply text, or ``None``
for no reply.

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
no typing indicator in between. The default responder is one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django_livechat.conf import livechat_settings
from django_livechat.models import Conversation, Message

R = TypeVar("R", bound=Callable[..., object])


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
def acknowledge(conversation: Conversation, message: Message) -> str | None:
    """The default: acknowledge each visitor message until an agent has replied.

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
        return livechat_settings.AUTO_RESPONSE_CLOSED_TEXT
    if mode == AWAY and livechat_settings.AUTO_RESPONSE_AWAY_TEXT:
        return livechat_settings.AUTO_RESPONSE_AWAY_TEXT
    return website.auto_response_text or livechat_settings.AUTO_RESPONSE_TEXT
