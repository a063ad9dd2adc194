"""Visitor tokens: signed, bound to one conversation, sent only in bodies and headers."""

from __future__ import annotations

from uuid import UUID

from django.core import signing

from django_livechat.conf import livechat_settings

SALT = "django_livechat.visitor-token"


def make_visitor_token(conversation_id: UUID | str, website_id: UUID | str) -> str:
    """A token that lets its holder read and post in one conversation."""
    return signing.dumps({"c": str(conversation_id), "w": str(website_id)}, salt=SALT)


def read_visitor_token(token: object) -> tuple[UUID, UUID] | None:
    """``(conversation_id, website_id)`` for a valid token, else None."""
    if not isinstance(token, str) or not token or len(token) > 512:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=livechat_settings.VISITOR_TOKEN_MAX_AGE)
        return UUID(data["c"]), UUID(data["w"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
