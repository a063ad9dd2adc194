"""Unsubscribe tokens (a signed address, valid for ever) and the opt-out list."""

from __future__ import annotations

from django.core import signing

from django_livechat.models import EmailOptOut

SALT = "django_livechat.email-unsubscribe"


def normalize(address: str) -> str:
    return address.strip().lower()


def make_token(address: str) -> str:
    """The token of the unsubscribe link for ``address``: no expiry, as an old email's
    link must still work."""
    return signing.dumps(normalize(address), salt=SALT, compress=True)


def read_token(token: object) -> str | None:
    """The address a token was made for, or None for a token that is not ours."""
    if not isinstance(token, str) or not token or len(token) > 1000:
        return None
    try:
        address = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return address if isinstance(address, str) and "@" in address else None


def opt_out(address: str) -> None:
    """Record that ``address`` wants no more email from the chat (again: no change)."""
    EmailOptOut.objects.get_or_create(address=normalize(address))


def is_opted_out(address: str) -> bool:
    found: bool = EmailOptOut.objects.filter(address=normalize(address)).exists()
    return found
