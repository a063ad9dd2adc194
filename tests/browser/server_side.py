"""What the support side does, run inside the live example project's settings.

The browser tests call these in a ``manage.py shell`` of the served project (its database
and its Redis channel layer), the way the agent dashboard will: store a message and
broadcast it, broadcast typing or a status change, and read what the server stored.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync

from django_livechat.models import Conversation, Message, Website
from django_livechat.pipeline import events, frames
from django_livechat.store import NewMessage, append_message


def website(name: str) -> dict[str, Any]:
    site = Website.objects.get(name=name)
    return {"id": str(site.id), "secret": site.identity_secret}


def allow_origin(name: str, origin: str) -> None:
    site = Website.objects.get(name=name)
    if origin not in site.allowed_origins:
        site.allowed_origins = [*site.allowed_origins, origin]
        site.save(update_fields=["allowed_origins"])


def agent_says(conversation_id: str, text: str, sender_name: str, broadcast: bool = True) -> int:
    conversation = Conversation.objects.get(pk=UUID(conversation_id))
    stored = append_message(
        NewMessage(
            conversation_id=conversation.id,
            role=str(Message.Role.AGENT),
            content=text,
            is_manual=True,
            metadata={"sender_name": sender_name},
        )
    )
    if broadcast:
        out = events.Frames(conversation.id, conversation.website_id)
        async_to_sync(out.message(frames.message_data(stored.message)).send)()
    return int(stored.message.seq)


def agent_typing(conversation_id: str, is_typing: bool) -> None:
    conversation = Conversation.objects.get(pk=UUID(conversation_id))
    out = events.Frames(conversation.id, conversation.website_id)
    out.to_visitors(frames.typing(conversation.id, str(Message.Role.AGENT), is_typing))
    async_to_sync(out.send)()


def set_status(conversation_id: str, status: str) -> None:
    """The ``status`` event the dashboard's resolve and reopen send the visitor."""
    conversation = Conversation.objects.get(pk=UUID(conversation_id))
    out = events.Frames(conversation.id, conversation.website_id)
    out.to_visitors(frames.status(conversation.id, status, by=None, for_agents=False))
    async_to_sync(out.send)()


def messages(conversation_id: str) -> list[dict[str, Any]]:
    rows = Message.objects.filter(conversation_id=UUID(conversation_id)).order_by("seq")
    return [{"seq": m.seq, "role": m.role, "text": m.content} for m in rows]


def conversation(conversation_id: str) -> dict[str, Any]:
    row = Conversation.objects.get(pk=UUID(conversation_id))
    return {"visitor_identifier": row.visitor_identifier, "metadata": row.metadata}


def conversation_count() -> int:
    return Conversation.objects.count()
