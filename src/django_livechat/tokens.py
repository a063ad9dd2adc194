"""Visitor tokens: signed, bound to one conversation, sent only in bodies and headers.

A token is valid for ``LIVECHAT["VISITOR_TOKEN_MAX_AGE"]`` seconds from when it was made
(30 days by default; ``None``: forever). A visitor who rejoins with a token past
:data:`RENEW_AFTER` of that age, or one signed with a key of ``SECRET_KEY_FALLBACKS``, is
handed a fresh token for the same conversation (:func:`renewed_visitor_token`): a visitor
who comes back within the max age keeps their conversation, one who stays away longer
starts a new one.
"""

from __future__ import annotations

import time
from uuid import UUID

from django.core import signing

from django_livechat.conf import livechat_settings

SALT = "django_livechat.visitor-token"

#: The share of ``VISITOR_TOKEN_MAX_AGE`` after which a presented token is replaced.
RENEW_AFTER = 0.5


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


def renewed_visitor_token(token: str) -> str:
    """The token to hand back to a visitor who presented ``token``.

    ``token`` itself while it is young, else a fresh token for the same conversation and
    website. A token that :func:`read_visitor_token` refuses is returned unchanged: the
    caller has refused it already.
    """
    claims = read_visitor_token(token)
    if claims is None or not _due_for_renewal(token):
        return token
    return make_visitor_token(*claims)


def _due_for_renewal(token: str) -> bool:
    try:
        # The timestamp signer's inner layer: "payload:timestamp", current key only.
        stamped = signing.Signer(salt=SALT, fallback_keys=[]).unsign(token)
    except signing.BadSignature:
        return True  # signed with a fallback key: re-sign it before that key is retired
    max_age = livechat_settings.VISITOR_TOKEN_MAX_AGE
    if max_age is None:
        return False
    signed_at = signing.b62_decode(stamped.rsplit(":", 1)[1])
    return time.time() - signed_at >= max_age * RENEW_AFTER
