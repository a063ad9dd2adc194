"""The API's routes; :mod:`django_livechat.urls` mounts them under ``api/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from django_livechat.api import agent_views
from django_livechat.api.schema import SchemaView
from django_livechat.api.views import ConversationsView, MessagesView, WidgetSettingsView

# The conversation id is matched as text so that a malformed one gets the API's own
# INVALID_MESSAGE error rather than the host's 404 page.
ONE = "agent/conversations/<str:conversation_id>/"

urlpatterns: list[URLPattern] = [
    # The visitor's API (bearer visitor token, CORS for the websites' origins).
    path("conversations/", ConversationsView.as_view(), name="api-conversations"),
    path("messages/", MessagesView.as_view(), name="api-messages"),
    path(
        "websites/<str:website_id>/widget/",
        WidgetSettingsView.as_view(),
        name="api-widget-settings",
    ),
    # The agents' API (Django session and CSRF, same origin only).
    path(
        "agent/conversations/",
        agent_views.AgentConversationsView.as_view(),
        name="api-agent-conversations",
    ),
    path(ONE, agent_views.AgentConversationView.as_view(), name="api-agent-conversation"),
    path(f"{ONE}messages/", agent_views.AgentMessagesView.as_view(), name="api-agent-messages"),
    path(f"{ONE}assign/", agent_views.AgentAssignView.as_view(), name="api-agent-assign"),
    path(f"{ONE}resolve/", agent_views.AgentResolveView.as_view(), name="api-agent-resolve"),
    path(f"{ONE}reopen/", agent_views.AgentReopenView.as_view(), name="api-agent-reopen"),
    path(f"{ONE}read/", agent_views.AgentMarkReadView.as_view(), name="api-agent-read"),
    path("schema/", SchemaView.as_view(), name="api-schema"),
]
