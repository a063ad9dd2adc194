"""Access that ends when its grant ends: open sockets re-check when something changes.

A dashboard socket authorizes its agent when it opens; a visitor socket its conversation.
When a grant changes (an agent added to or removed from a website, a user deactivated or
losing the agent permission, a session logged out, a website switched off), the change is
announced to the affected sockets' groups (:mod:`django_livechat.grants` watches for it)
as an ``livechat.access`` event, in every server process. Each socket then asks here
again: a dashboard follows the websites the agent serves now, or closes; a visitor
socket of a switched-off website closes. The dashboard's heartbeat asks too, so a lost
announcement is caught within a heartbeat.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from django.contrib import auth
from django.utils.module_loading import import_string

from django_livechat import errors
from django_livechat.dbthreads import run_in_db_thread
from django_livechat.errors import ChatError
from django_livechat.groups import agent_group, visitors_group, website_group
from django_livechat.models import Conversation
from django_livechat.pipeline import events, presence
from django_livechat.pipeline.inbox import AgentSession, NotAnAgent, authorize_agent_sync
from django_livechat.pipeline.sessions import VisitorSession

logger = logging.getLogger(__name__)

ACCESS_EVENT = "livechat.access"


class LoggedOut(ChatError):
    """The dashboard's session ended (logged out, expired, its password changed)."""

    def __init__(self) -> None:
        super().__init__(errors.FORBIDDEN, "Your session has ended: log in again.")


def dashboard_groups(agent: AgentSession) -> list[str]:
    """The groups a dashboard of ``agent`` follows: its websites', and its agent's own."""
    groups = [website_group(wid) for wid in sorted(agent.website_ids)]
    groups.append(agent_group(agent.user_id))
    return groups


async def recheck_agent(agent: AgentSession, session_key: str | None) -> AgentSession:
    """The agent's grant as it is now: :class:`LoggedOut` if the session behind the
    socket ended, :class:`~django_livechat.pipeline.inbox.NotAnAgent` if the user is no
    longer an agent; else their session, with the websites they serve now."""
    return await run_in_db_thread(_recheck_agent_sync, agent, session_key)


def _recheck_agent_sync(agent: AgentSession, session_key: str | None) -> AgentSession:
    if session_key is not None:
        # What AuthenticationMiddleware would find for this session now (a session
        # flushed at logout, expired, or left stale by a password change: nobody).
        holder: Any = SimpleNamespace(session=_session_store()(session_key))
        user = auth.get_user(holder)
        if not user.is_authenticated or user.pk != agent.user_id:
            raise LoggedOut()
    else:
        user = auth.get_user_model()._default_manager.filter(pk=agent.user_id).first()
        if user is None:
            raise NotAnAgent("You are no longer an agent.")
    return authorize_agent_sync(user)


def _session_store() -> Any:
    from django.conf import settings

    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


async def refollow(channel_name: str, joined: list[str], agent: AgentSession) -> list[str]:
    """Move a dashboard socket to the groups ``agent`` may follow now, and count it for
    the websites the agent serves now (this is also the heartbeat's refresh); the groups."""
    wanted = dashboard_groups(agent)
    await events.leave(channel_name, [g for g in joined if g not in wanted])
    await events.join(channel_name, [g for g in wanted if g not in joined])
    await presence.refresh(channel_name, agent.user_id, agent.website_ids)
    return wanted


async def recheck_visitor(session: VisitorSession) -> None:
    """``INVALID_WEBSITE`` once the website is switched off (or the conversation gone)."""
    if not await run_in_db_thread(_visitor_allowed_sync, session.conversation_id):
        raise ChatError(errors.INVALID_WEBSITE, "This website's chat is switched off.")


def _visitor_allowed_sync(conversation_id: UUID) -> bool:
    allowed: bool = Conversation.objects.filter(
        pk=conversation_id, website__is_active=True
    ).exists()
    return allowed


# ---------------------------------------------------------------- announcing a change


async def announce_to_agents(user_ids: list[Any], *, session_key: str | None = None) -> None:
    """The grants of these agents changed (``session_key``: that one session ended)."""
    payload: dict[str, Any] = {"type": ACCESS_EVENT}
    if session_key is not None:
        payload["session_key"] = session_key
    for user_id in user_ids:
        await events.group_send(agent_group(user_id), payload)


async def announce_to_visitors(website_id: UUID) -> None:
    """The website was switched off (or on): its visitor sockets re-check."""
    await events.group_send(visitors_group(website_id), {"type": ACCESS_EVENT})
