"""Who is an agent, and which websites each agent serves.

An *agent* is an active user with the ``django_livechat.reply_conversation`` permission
(superusers have every permission). An agent serves the websites that list them among
their ``agents``; a superuser serves every website. A user with the permission who serves
no website is still an agent, with an empty inbox.

These functions use the ORM: from async code call them through
:func:`~django_livechat.dbthreads.run_in_db_thread`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from django_livechat.models import Website

#: The permission that lets a user open the dashboard and answer chats.
AGENT_PERMISSION = "django_livechat.reply_conversation"


def is_agent(user: Any) -> bool:
    """Whether ``user`` may use the dashboard and the agent API at all."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm(AGENT_PERMISSION)
    )


def served_websites(user: Any) -> QuerySet[Website]:
    """The websites whose conversations ``user`` may see and act on (none for non-agents)."""
    websites: QuerySet[Website] = Website.objects.all()
    if not is_agent(user):
        websites = websites.none()
    elif not user.is_superuser:
        websites = websites.filter(agents=user)
    return websites


def served_website_ids(user: Any) -> frozenset[UUID]:
    """The ids of :func:`served_websites`, read once."""
    return frozenset(served_websites(user).values_list("id", flat=True))


def serves(user: Any, website_id: UUID) -> bool:
    """Whether ``user`` is an agent of the website ``website_id``."""
    found: bool = served_websites(user).filter(pk=website_id).exists()
    return found
