"""Canned replies: prepared answers an agent inserts with ``/shortcut``.

A website's replies (no owner) are shared by its agents and changed only by those with
the ``django_livechat.change_cannedreply`` permission; an agent's personal ones (their
own) serve every website they serve, or one. An agent sees the replies of the websites
they serve and their own; anything else is answered exactly like a missing reply. The
dashboard fills the placeholders (``{visitor_name}``...) in: the server stores the text.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from django_livechat import errors, permissions
from django_livechat.conf import livechat_settings
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.models import CannedReply
from django_livechat.pipeline import frames
from django_livechat.pipeline.inbox import AgentSession, current_agent
from django_livechat.pipeline.labels import served_website
from django_livechat.pipeline.validation import clean_bool, storable

#: Who may create, change and delete a website's canned replies (superusers may too).
CHANGE_PERMISSION = "django_livechat.change_cannedreply"
#: ``CannedReply.shortcut``'s length.
MAX_SHORTCUT_LENGTH = 40
#: A shortcut (a leading ``/`` is dropped), as the API's schema states it: ASCII, so that
#: Python's and JSON Schema's regular expressions agree.
SHORTCUT = rf"/?[-a-zA-Z0-9_]{{1,{MAX_SHORTCUT_LENGTH}}}"
_SHORTCUT = re.compile(SHORTCUT)


def visible_replies(user: Any, website_id: UUID | None = None) -> QuerySet[CannedReply]:
    """The replies ``user`` may use: their websites' and their own (with ``website_id``:
    that website's, and their own for it or for every website)."""
    served = permissions.served_websites(user)
    if website_id is None:
        shared = Q(owner__isnull=True, website__in=served)
        own = Q(owner=user) & (Q(website__isnull=True) | Q(website__in=served))
    else:
        shared = Q(owner__isnull=True, website_id=website_id)
        own = Q(owner=user) & (Q(website__isnull=True) | Q(website_id=website_id))
    replies: QuerySet[CannedReply] = CannedReply.objects.filter(shared | own).order_by(
        "shortcut", "pk"
    )
    return replies


# ---------------------------------------------------------------- reading


async def list_canned(agent: AgentSession, website_id: object = None) -> list[dict[str, Any]]:
    """The agent's canned replies, by shortcut; ``website_id`` narrows them to one website
    (``NOT_FOUND`` for a website they do not serve)."""
    return await run_in_db_thread(_list_sync, agent, website_id)


def _list_sync(agent: AgentSession, website_id: object) -> list[dict[str, Any]]:
    user = current_agent(agent)
    wid = None if website_id is None else served_website(user, website_id)
    return [frames.canned_data(reply) for reply in visible_replies(user, wid)]


# ---------------------------------------------------------------- validation


def clean_shortcut(value: object) -> str:
    """A shortcut: 1 to 40 letters, digits, ``-`` and ``_`` (a leading ``/`` is dropped)."""
    if not isinstance(value, str) or not _SHORTCUT.fullmatch(value):
        raise ChatError(
            errors.INVALID_MESSAGE,
            f"shortcut must be 1 to {MAX_SHORTCUT_LENGTH} letters (a-z), digits, hyphens "
            "and underscores.",
        )
    return value.removeprefix("/")


def clean_reply_text(value: object) -> str:
    """A reply's text: non-empty, at most ``MAX_MESSAGE_LENGTH`` (it becomes a message)."""
    if not isinstance(value, str) or not value.strip():
        raise ChatError(errors.INVALID_MESSAGE, "text must be non-empty text.")
    limit = livechat_settings.MAX_MESSAGE_LENGTH
    if len(value) > limit:
        raise ChatError(errors.INVALID_MESSAGE, f"text must be at most {limit} characters.")
    return storable(value.strip(), "text")


def may_change_website_replies(user: Any) -> bool:
    return bool(user.has_perm(CHANGE_PERMISSION))


# ---------------------------------------------------------------- writing


async def create_canned(
    agent: AgentSession,
    *,
    shortcut: object,
    text: object,
    website_id: object = None,
    personal: object = None,
) -> dict[str, Any]:
    """A new canned reply: the agent's own (by default; for one website with
    ``website_id``), or with ``personal`` false the website's (``website_id`` required,
    and the permission to change canned replies: else ``FORBIDDEN``)."""
    own = True if personal is None else clean_bool(personal, "personal")
    values = (clean_shortcut(shortcut), clean_reply_text(text))
    return await run_in_db_thread(_create_sync, agent, values, website_id, own)


def _create_sync(
    agent: AgentSession, values: tuple[str, str], website_id: object, own: bool
) -> dict[str, Any]:
    user = current_agent(agent)
    shortcut, text = values
    if website_id is None and not own:
        raise ChatError(errors.INVALID_MESSAGE, "A website's canned reply needs website_id.")
    wid = None if website_id is None else served_website(user, website_id)
    if not own and not may_change_website_replies(user):
        raise ChatError(errors.FORBIDDEN, "You may not change the website's canned replies.")
    reply = CannedReply(website_id=wid, owner=user if own else None, shortcut=shortcut, text=text)
    _save(reply)
    return frames.canned_data(reply)


async def update_canned(
    agent: AgentSession, reply_id: object, *, shortcut: object = None, text: object = None
) -> dict[str, Any]:
    """Change a reply's shortcut and/or text: the agent's own, or a website's with the
    permission (``FORBIDDEN`` without); ``NOT_FOUND`` for one they cannot see."""
    new_shortcut = None if shortcut is None else clean_shortcut(shortcut)
    new_text = None if text is None else clean_reply_text(text)
    return await run_in_db_thread(_update_sync, agent, reply_id, new_shortcut, new_text)


def _update_sync(
    agent: AgentSession, reply_id: object, shortcut: str | None, text: str | None
) -> dict[str, Any]:
    reply = _changeable(current_agent(agent), reply_id)
    if shortcut is not None:
        reply.shortcut = shortcut
    if text is not None:
        reply.text = text
    _save(reply)
    return frames.canned_data(reply)


async def delete_canned(agent: AgentSession, reply_id: object) -> None:
    """Delete a reply the agent may change (as :func:`update_canned`)."""
    await run_in_db_thread(_delete_sync, agent, reply_id)


def _delete_sync(agent: AgentSession, reply_id: object) -> None:
    _changeable(current_agent(agent), reply_id).delete()


def _changeable(user: Any, reply_id: object) -> CannedReply:
    pk = reply_id if isinstance(reply_id, int) and not isinstance(reply_id, bool) else None
    if isinstance(reply_id, str) and reply_id.isascii() and reply_id.isdigit():
        pk = int(reply_id) if len(reply_id) < 19 else None
    reply: CannedReply | None = None
    if pk is not None:
        reply = visible_replies(user).filter(pk=pk).first()
    if reply is None:
        raise ChatError(errors.NOT_FOUND, "No such canned reply.")
    if reply.owner_id is None and not may_change_website_replies(user):
        raise ChatError(errors.FORBIDDEN, "You may not change the website's canned replies.")
    return reply


def _save(reply: CannedReply) -> None:
    """Store ``reply``; a shortcut its scope already has is ``INVALID_MESSAGE`` naming it."""
    # The scope: a website's replies, or one agent's for a website or for all. The
    # database's unique constraints cannot see two NULL websites as equal: checked here.
    same = CannedReply.objects.filter(
        shortcut=reply.shortcut, owner_id=reply.owner_id, website_id=reply.website_id
    ).exclude(pk=reply.pk)
    taken = ChatError(
        errors.INVALID_MESSAGE, f"The shortcut /{reply.shortcut} is already in use here."
    )
    if same.exists():
        raise taken
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError:
        raise taken from None
