"""WebSocket routes; the host adds ``websocket_urlpatterns`` to its ASGI router.

The prefix is ``LIVECHAT["WS_PATH_PREFIX"]`` (default ``ws/livechat/``), read when this
module is first imported.
"""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, re_path

from django_livechat.conf import livechat_settings
from django_livechat.consumers import DashboardConsumer, VisitorConsumer

_prefix = re.escape(livechat_settings.WS_PATH_PREFIX)

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    re_path(rf"^{_prefix}widget/$", VisitorConsumer.as_asgi(), name="livechat-widget-socket"),
    re_path(
        rf"^{_prefix}dashboard/$", DashboardConsumer.as_asgi(), name="livechat-dashboard-socket"
    ),
]
