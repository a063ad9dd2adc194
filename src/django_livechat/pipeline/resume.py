"""Resume links: a signed token in an emailed link that lets the visitor back in.

A visitor's own token lives in their browser; an email reaches them anywhere, so the
links in follow-up emails carry a *resume token* instead: signed, bound to one
conversation, valid for ``LIVECHAT["RESUME_TOKEN_MAX_AGE"]`` seconds (7 days by default).
The widget finds it in ``?livechat_resume=`` and identifies with ``resume_token``; the
server maps it to the conversation and hands out an ordinary visitor token
(:func:`visitor_token_from_resume`).
"""

from __future__ import annotations

from uuid import UUID

from django.core import signing

from django_livechat import errors
from django_livechat.conf import livechat_settings
from django_livechat.errors import ChatError
from django_livechat.models import Conversation
from django_livechat.tokens import make_visitor_token

SALT = "django_livechat.resume-token"


def make_resume_token(conversation: Conversation) -> str:
    """A token for an emailed link that reopens ``conversation`` in the widget."""
    return signing.dumps({"c": str(conversation.pk), "w": str(conversation.website_id)}, salt=SALT)


def read_resume_token(token: object) -> tuple[UUID, UUID] | None:
    """``(conversation_id, website_id)`` for a valid, unexpired resume token, else None."""
    if not isinstance(token, str) or not token or len(token) > 512:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=livechat_settings.RESUME_TOKEN_MAX_AGE)
        return UUID(data["c"]), UUID(data["w"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def visitor_token_from_resume(resume_token: object) -> str:
    """The visitor token a valid ``resume_token`` stands for; ``FORBIDDEN`` otherwise.

    The caller then rejoins with it like any other token (website, origin and the
    conversation's existence are checked there).
    """
    claims = read_resume_token(resume_token)
    if claims is None:
        raise ChatError(errors.FORBIDDEN, "The resume link is not valid or has expired.")
    return make_visitor_token(*claims)
