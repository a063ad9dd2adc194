"""Channel-layer group names: one per conversation, per website's dashboards, per agent."""

from __future__ import annotations

import hashlib
import re
from uuid import UUID

# What Channels accepts in a group name, leaving room for the prefix.
SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def conversation_group(conversation_id: UUID | str) -> str:
    """Every socket open on one conversation (visitor tabs)."""
    return f"livechat.conversation.{conversation_id}"


def website_group(website_id: UUID | str) -> str:
    """Every agent dashboard serving one website."""
    return f"livechat.website.{website_id}"


def agent_group(user_id: object) -> str:
    """Every dashboard of one agent (their tabs): read markers follow them around."""
    key = str(user_id)
    if not SAFE_NAME.match(key):
        # A custom user model's primary key may be any text; group names may not.
        key = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"livechat.agent.{key}"


def visitors_group(website_id: UUID | str) -> str:
    """Every visitor socket of one website: told when the website is switched off."""
    return f"livechat.visitors.{website_id}"
