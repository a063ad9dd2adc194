"""Web origins (``scheme://host[:port]``): parsing, normalising and validating.

Websites list the origins allowed to embed the widget; transports compare a request's
``Origin`` header against that list, so both sides go through :func:`normalize_origin`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(value: str) -> str:
    """Return ``value`` as a canonical origin, or raise :class:`ValueError`.

    Scheme and host are lower-cased and a default port is dropped, so
    ``HTTPS://Example.com:443`` and ``https://example.com`` compare equal.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("an origin must be a non-empty string")
    value = value.strip()
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid origin: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"{value!r} is not a valid origin: the scheme must be http or https")
    host = parts.hostname
    if not host or parts.username is not None or parts.password is not None:
        raise ValueError(f"{value!r} is not a valid origin: it needs a host and no credentials")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"{value!r} is not a valid origin: an origin has no path, query or fragment"
        )
    if any(ch.isspace() for ch in value) or "*" in host:
        raise ValueError(f"{value!r} is not a valid origin: wildcards and spaces are not allowed")
    host = host.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    elif not host.isascii():
        # Browsers send an internationalised host in its ASCII (punycode) form.
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"{value!r} is not a valid origin: the host is not valid") from None
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def validate_origin_list(value: object) -> None:
    """Model-field validator: a list of valid origins."""
    if not isinstance(value, list):
        raise ValidationError(_("Allowed origins must be a list of origins."), code="invalid")
    for item in value:
        try:
            normalize_origin(item)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid_origin") from None


def origin_permitted(origin: str | None, allowed: list[str]) -> bool:
    """The origin policy of the chat's sockets and HTTP API, for one website.

    No ``Origin`` header: not a browser page (a browser always sends one on WebSockets and
    cross-origin requests, and a client that is not a browser could forge any), or a
    same-origin ``GET``; it passes, and still needs a valid visitor token for anything but
    starting a conversation. A present ``Origin`` must be one of ``allowed``.
    """
    return origin is None or origin_allowed(origin, allowed)


def origin_allowed(origin: str | None, allowed: list[str]) -> bool:
    """Whether the ``Origin`` header value ``origin`` is in ``allowed``."""
    if not origin:
        return False
    try:
        wanted = normalize_origin(origin)
    except ValueError:
        return False
    for item in allowed:
        try:
            if normalize_origin(item) == wanted:
                return True
        except ValueError:
            continue
    return False
