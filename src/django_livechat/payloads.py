"""Wire shapes of stored data, shared by the sockets and the HTTP API."""

from __future__ import annotations

from typing import Any

from django_livechat.models import Message


def message_data(message: Message) -> dict[str, Any]:
    """A message as the ``chat_message`` event and the HTTP API show it."""
    data: dict[str, Any] = {
        "message_id": str(message.id),
        "conversation_id": str(message.conversation_id),
        "seq": message.seq,
        "role": message.role,
        "message": message.content,
        "client_id": message.client_id,
        "timestamp": message.created_at.isoformat(),
        "is_auto": message.is_auto,
        "is_manual": message.is_manual,
    }
    sender_name = (message.metadata or {}).get("sender_name")
    if sender_name:
        data["sender_name"] = sender_name
    return data
