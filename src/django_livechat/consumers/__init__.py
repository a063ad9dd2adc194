"""WebSocket consumers: thin transports over :mod:`django_livechat.pipeline`."""

from __future__ import annotations

from django_livechat.consumers.dashboard import DashboardConsumer
from django_livechat.consumers.visitor import VisitorConsumer

__all__ = ["DashboardConsumer", "VisitorConsumer"]
