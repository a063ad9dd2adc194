"""Channel-layer group names: one per conversation, one per website's dashboards."""

from __future__ import annotations

from uuid import UUID


def conversation_group(conversation_id: UUID | str) -> str:
    """Every socket open on one conversation (visitor tabs)."""
    return f"livechat.conversation.{conversation_id}"


def website_group(website_id: UUID | str) -> str:
    """Every agent dashboard serving one website."""
    return f"livechat.website.{website_id}"
