"""Each agent's choice of email about new conversations: off, immediate or a daily digest."""

from __future__ import annotations

from typing import Any

from django_livechat import errors
from django_livechat.errors import ChatError
from django_livechat.models import AgentPreference

CHOICES = tuple(str(choice) for choice in AgentPreference.EmailNotifications.values)
#: What an agent who never chose gets.
DEFAULT = str(AgentPreference.EmailNotifications.IMMEDIATE)


def preferences_of(user: Any) -> dict[str, Any]:
    """The agent's preferences, as the API shows them."""
    row = AgentPreference.objects.filter(user=user).first()
    return {"email_notifications": row.email_notifications if row else DEFAULT}


def set_preferences(user: Any, email_notifications: object) -> dict[str, Any]:
    """Store the agent's choice; ``INVALID_MESSAGE`` for an unknown one."""
    if not isinstance(email_notifications, str) or email_notifications not in CHOICES:
        raise ChatError(
            errors.INVALID_MESSAGE,
            f"email_notifications must be one of {', '.join(CHOICES)}.",
        )
    AgentPreference.objects.update_or_create(
        user=user, defaults={"email_notifications": email_notifications}
    )
    return preferences_of(user)
