"""CORS for the API: the origins of active websites, on the API's own paths only.

django-cors-headers asks :func:`cors_allowed` (a ``check_request_enabled`` receiver) about
each request it sees; the receiver says yes only for this API's endpoints and an ``Origin``
that some active website lists. The host's own ``CORS_*`` settings keep governing every
other path. The pipeline checks the origin again against the conversation's website, so a
website only reaches its own conversations.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import close_old_connections
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from django_livechat.models import Website
from django_livechat.origins import normalize_origin

#: The API endpoints a browser calls cross-origin (URL names in the app's namespace).
CORS_URL_NAMES = ("django_livechat:api-conversations", "django_livechat:api-messages")

#: How long a process trusts its list of origins. Saving or deleting a website empties it
#: at once in that process; other processes see the change within this many seconds.
CACHE_SECONDS = 10.0


class ActiveWebsiteOrigins:
    """The normalised origins of every active website, cached for :data:`CACHE_SECONDS`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[float, frozenset[str]] | None = None
        self._generation = 0
        # ASGI: django-cors-headers calls its signal on the event loop, where the ORM may
        # not run, so the (rare) reload runs in this thread and the loop waits for it.
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="livechat-cors")

    def get(self) -> frozenset[str]:
        cached = self._cached
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        generation = self._generation
        origins = self._load()
        with self._lock:
            # Keep it only if no website changed while it loaded.
            if generation == self._generation:
                self._cached = (time.monotonic() + CACHE_SECONDS, origins)
        return origins

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._cached = None

    def _load(self) -> frozenset[str]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return _query_origins()
        return self._loader.submit(_query_origins_in_thread).result()


def _query_origins() -> frozenset[str]:
    origins: set[str] = set()
    for allowed in Website.objects.filter(is_active=True).values_list("allowed_origins", flat=True):
        for origin in allowed if isinstance(allowed, list) else ():
            try:
                origins.add(normalize_origin(origin))
            except ValueError:
                continue
    return frozenset(origins)


def _query_origins_in_thread() -> frozenset[str]:
    close_old_connections()
    try:
        return _query_origins()
    finally:
        close_old_connections()


website_origins = ActiveWebsiteOrigins()


def api_paths() -> set[str]:
    """The paths of the API endpoints in the current URLconf (none if it is not mounted)."""
    try:
        return {reverse(name) for name in CORS_URL_NAMES}
    except NoReverseMatch:
        return set()


def cors_allowed(sender: Any, request: HttpRequest, **kwargs: Any) -> bool:
    """``check_request_enabled`` receiver: CORS for an API path and an active website's origin."""
    origin = request.headers.get("Origin")
    if not origin or request.path not in api_paths():
        return False
    try:
        wanted = normalize_origin(origin)
    except ValueError:
        return False
    return wanted in website_origins.get()


def forget_origins(sender: Any, **kwargs: Any) -> None:
    """``post_save``/``post_delete`` receiver of :class:`Website`: reload on next use."""
    website_origins.clear()


def connect_receivers() -> None:
    """Called from ``AppConfig.ready()``."""
    from corsheaders.signals import check_request_enabled
    from django.db.models.signals import post_delete, post_save

    check_request_enabled.connect(cors_allowed, dispatch_uid="django_livechat.api.cors")
    for signal in (post_save, post_delete):
        signal.connect(forget_origins, sender=Website, dispatch_uid="django_livechat.api.cors")
