"""``Authorization: Bearer <visitor_token>`` for the visitor's HTTP calls.

No cookies, sessions or CSRF are involved, so the API works cross-origin from the sites
that embed the widget. The token is read from that header only, never from the URL.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from django_livechat import errors, pipeline
from django_livechat.errors import ChatError
from django_livechat.pipeline import VisitorSession

KEYWORD = b"bearer"


class VisitorTokenAuthentication(BaseAuthentication):
    """Turns a bearer visitor token into ``request.auth``, a :class:`VisitorSession`.

    ``request.user`` stays anonymous: the visitor holds a capability for one conversation,
    not an account. Without a bearer token this authenticates nobody (the view refuses
    with ``NOT_IDENTIFIED``, HTTP 401); a bad token, or a request from an origin the
    website does not allow, raises :class:`ChatError` ``FORBIDDEN`` (``INVALID_WEBSITE``
    for an inactive website).
    """

    def authenticate(self, request: Request) -> tuple[Any, VisitorSession] | None:
        header = get_authorization_header(request).split()
        if len(header) < 2 or header[0].lower() != KEYWORD:
            return None  # no bearer token at all
        if len(header) != 2:
            raise ChatError(errors.FORBIDDEN, "Send 'Authorization: Bearer <visitor_token>'.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise ChatError(errors.FORBIDDEN, "The visitor token is not valid.") from None
        session = async_to_sync(pipeline.session_from_token)(
            token, origin=request.headers.get("Origin")
        )
        return AnonymousUser(), session

    def authenticate_header(self, request: Request) -> str:
        """``WWW-Authenticate`` of a 401: what the client should send."""
        return 'Bearer realm="livechat"'


def visitor_session(request: Request) -> VisitorSession:
    """The session the request's bearer token grants; without one :class:`ChatError`
    ``NOT_IDENTIFIED`` (HTTP 401: create a conversation first, then send its token)."""
    if not isinstance(request.auth, VisitorSession):
        raise ChatError(
            errors.NOT_IDENTIFIED,
            "Send 'Authorization: Bearer <visitor_token>' with the token that creating "
            "the conversation returned.",
        )
    return request.auth
