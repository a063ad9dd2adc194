"""The API's routes; :mod:`django_livechat.urls` mounts them under ``api/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from django_livechat.api.schema import SchemaView
from django_livechat.api.views import ConversationsView, MessagesView

urlpatterns: list[URLPattern] = [
    path("conversations/", ConversationsView.as_view(), name="api-conversations"),
    path("messages/", MessagesView.as_view(), name="api-messages"),
    path("schema/", SchemaView.as_view(), name="api-schema"),
]
