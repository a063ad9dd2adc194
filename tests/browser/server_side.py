"""What the support side does, run inside the live example project's settings.

The browser tests call these in a ``manage.py shell`` of the served project (its database
and its Redis channel layer), the way the agent dashboard will: store a message and
broadcast it, broadcast typing or a status change, and read what the server stored.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from django_livechat import pipeline
from django_livechat.groups import conversation_group
from django_livechat.models import Conversation, Message, Website
from django_livechat.payloads import message_data
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
        async_to_sync(pipeline.broadcast_message)(
            conversation.website_id, message_data(stored.message)
        )
    return int(stored.message.seq)


def agent_typing(conversation_id: str, is_typing: bool) -> None:
    conversation = Conversation.objects.get(pk=UUID(conversation_id))
    async_to_sync(pipeline.broadcast_typing)(
        conversation.id, conversation.website_id, str(Message.Role.AGENT), is_typing
    )


def set_status(conversation_id: str, status: str) -> None:
    """The dashboard's ``status`` event (issue 5 broadcasts it on resolve and reopen)."""
    async_to_sync(get_channel_layer().group_send)(
        conversation_group(UUID(conversation_id)),
        {"type": "livechat.status", "conversation_id": conversation_id, "status": status},
    )


def messages(conversation_id: str) -> list[dict[str, Any]]:
    rows = Message.objects.filter(conversation_id=UUID(conversation_id)).order_by("seq")
    return [{"seq": m.seq, "role": m.role, "text": m.content} for m in rows]


def conversation(conversation_id: str) -> dict[str, Any]:
    row = Conversation.objects.get(pk=UUID(conversation_id))
    return {"visitor_identifier": row.visitor_identifier, "metadata": row.metadata}


def conversation_count() -> int:
    return Conversation.objects.count()
