"""CORS for the API: the origins of active websites, on the API's own paths only.

django-cors-headers asks :func:`cors_allowed` (a ``check_request_enabled`` receiver) about
each request it sees; the receiver says yes only for this API's endpoints and an ``Origin``
that some active website lists. The host's own ``CORS_*`` settings keep governing every
other path. The pipeline checks the origin again against the conversation's website (the
same policy as the sockets: :func:`django_livechat.origins.origin_permitted`), so a
website only reaches its own conversations.

Under ASGI django-cors-headers asks on the event loop, which must never wait for the
database. So the list of origins is (re)loaded by a ``request_started`` receiver, which
Django runs in a worker thread before the middleware, and only read on the loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from django_livechat.models import Website
from django_livechat.origins import normalize_origin

logger = logging.getLogger(__name__)

#: The API endpoints a browser calls cross-origin (URL names in the app's namespace).
CORS_URL_NAMES = (
    "django_livechat:api-conversations",
    "django_livechat:api-messages",
    "django_livechat:api-contact",
    "django_livechat:api-rating",
    "django_livechat:api-seen",
    "django_livechat:api-attachments",
)
#: The same, for endpoints with a website's id in their path.
CORS_WEBSITE_URL_NAMES = ("django_livechat:api-widget-settings",)
_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"

#: How long a process trusts its list of origins. Saving or deleting a website empties it
#: at once in that process; other processes see the change within this many seconds.
CACHE_SECONDS = 10.0


class ActiveWebsiteOrigins:
    """The normalised origins of every active website, cached for :data:`CACHE_SECONDS`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[float, frozenset[str]] | None = None
        self._generation = 0

    def current(self) -> frozenset[str] | None:
        """What is cached, even if stale (None before the first load); never queries."""
        cached = self._cached
        return None if cached is None else cached[1]

    def get(self) -> frozenset[str]:
        """The origins, loaded first if stale: for sync code, never the event loop."""
        self.refresh_if_stale()
        cached = self._cached
        return frozenset() if cached is None else cached[1]

    def refresh_if_stale(self) -> None:
        cached = self._cached
        if cached is not None and cached[0] > time.monotonic():
            return
        generation = self._generation
        origins = _query_origins()
        with self._lock:
            # Keep it only if no website changed while it loaded.
            if generation == self._generation:
                self._cached = (time.monotonic() + CACHE_SECONDS, origins)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._cached = None


def _query_origins() -> frozenset[str]:
    origins: set[str] = set()
    for allowed in Website.objects.filter(is_active=True).values_list("allowed_origins", flat=True):
        for origin in allowed if isinstance(allowed, list) else ():
            try:
                origins.add(normalize_origin(origin))
            except ValueError:
                continue
    return frozenset(origins)


website_origins = ActiveWebsiteOrigins()


def api_paths() -> set[str]:
    """The paths of the API endpoints in the current URLconf (none if it is not mounted)."""
    try:
        return {reverse(name) for name in CORS_URL_NAMES}
    except NoReverseMatch:
        return set()


def website_api_paths() -> list[tuple[str, str]]:
    """What comes before and after the website id in the paths of the per-website
    endpoints (none if the API is not mounted)."""
    found = []
    for name in CORS_WEBSITE_URL_NAMES:
        try:
            path = reverse(name, kwargs={"website_id": _PLACEHOLDER})
        except NoReverseMatch:
            continue
        before, _, after = path.partition(_PLACEHOLDER)
        found.append((before, after))
    return found


def is_api_path(path: str) -> bool:
    """Whether ``path`` is one of the API endpoints a browser calls cross-origin."""
    if path in api_paths():
        return True
    return any(
        path.startswith(before)
        and path.endswith(after)
        and "/" not in path[len(before) : len(path) - len(after)]
        for before, after in website_api_paths()
    )


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def cors_allowed(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    """``check_request_enabled`` receiver: CORS for an API path and an active website's origin."""
    origin = request.headers.get("Origin")
    if not origin or not is_api_path(request.path):
        return False
    try:
        wanted = normalize_origin(origin)
    except ValueError:
        return False
    if not _on_event_loop():
        return wanted in website_origins.get()
    origins = website_origins.current()
    if origins is None:
        # Not loaded by request_started (a host that sends none): say no rather than block.
        logger.warning("CORS origins of the chat API were not loaded before this request")
        return False
    return wanted in origins


def load_origins_for_api_request(
    sender: Any,
    scope: dict[str, Any] | None = None,
    environ: dict[str, Any] | None = None,
    **kwargs: Any,
) -> None:
    """``request_started`` receiver (a worker thread under ASGI): load the origins before
    django-cors-headers asks about a cross-origin API request."""
    if scope is not None:
        path = scope.get("path", "")
        has_origin = any(name == b"origin" for name, _ in scope.get("headers", ()))
    elif environ is not None:
        path, has_origin = environ.get("PATH_INFO", ""), "HTTP_ORIGIN" in environ
    else:
        return
    if has_origin and is_api_path(path):
        website_origins.refresh_if_stale()


def forget_origins(sender: Any, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` receiver of :class:`Website`: reload on next use."""
    website_origins.clear()


def connect_receivers() -> None:
    """Called from ``AppConfig.ready()``."""
    from corsheaders.signals import check_request_enabled
    from django.core.signals import request_started
    from django.db.models.signals import post_delete, post_save

    uid = "django_livechat.api.cors"
    check_request_enabled.connect(cors_allowed, dispatch_uid=uid)
    request_started.connect(load_origins_for_api_request, dispatch_uid=uid)
    for signal in (post_save, post_delete):
        signal.connect(forget_origins, sender=Website, dispatch_uid=uid)
