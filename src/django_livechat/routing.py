"""WebSocket routes; the host adds ``websocket_urlpatterns`` to its ASGI router."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

websocket_urlpatterns: list[URLPattern | URLResolver] = []
