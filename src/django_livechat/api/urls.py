"""The API's routes; :mod:`django_livechat.urls` mounts them under ``api/``."""

from __future__ import annotations

from django.urls import URLPattern, path

from django_livechat.api import (
    agent_views,
    attachments,
    preference_views,
    search_views,
    transcript_views,
    workspace_views,
)
from django_livechat.api.schema import SchemaView
from django_livechat.api.views import (
    ContactView,
    ConversationsView,
    HandoffView,
    MessagesView,
    RatingView,
    SeenView,
    WidgetSettingsView,
)

# The conversation id is matched as text so that a malformed one gets the API's own
# INVALID_MESSAGE error rather than the host's 404 page.
ONE = "agent/conversations/<str:conversation_id>/"

urlpatterns: list[URLPattern] = [
    # The visitor's API (bearer visitor token, CORS for the websites' origins).
    path("conversations/", ConversationsView.as_view(), name="api-conversations"),
    path("messages/", MessagesView.as_view(), name="api-messages"),
    path("contact/", ContactView.as_view(), name="api-contact"),
    path("rating/", RatingView.as_view(), name="api-rating"),
    path("seen/", SeenView.as_view(), name="api-seen"),
    path("handoff/", HandoffView.as_view(), name="api-handoff"),
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
    path(
        f"{ONE}transcript/",
        transcript_views.AgentTranscriptView.as_view(),
        name="api-agent-transcript",
    ),
    path("agent/ratings/", agent_views.AgentRatingsView.as_view(), name="api-agent-ratings"),
    # The agent's workspace: private notes, labels, canned replies.
    path(f"{ONE}notes/", workspace_views.AgentNotesView.as_view(), name="api-agent-notes"),
    path(
        f"{ONE}labels/",
        workspace_views.AgentConversationLabelsView.as_view(),
        name="api-agent-conversation-labels",
    ),
    path(
        "agent/websites/<str:website_id>/labels/",
        workspace_views.AgentLabelsView.as_view(),
        name="api-agent-labels",
    ),
    path(
        "agent/canned/", workspace_views.AgentCannedRepliesView.as_view(), name="api-agent-canned"
    ),
    path(
        "agent/canned/<str:reply_id>/",
        workspace_views.AgentCannedReplyView.as_view(),
        name="api-agent-canned-reply",
    ),
    path("agent/search/", search_views.AgentSearchView.as_view(), name="api-agent-search"),
    path(
        "agent/preferences/",
        preference_views.AgentPreferencesView.as_view(),
        name="api-agent-preferences",
    ),
    # Attachments: the visitor's upload (bearer token), the agent's (session and CSRF),
    # and the files (a signed URL, or an agent's session).
    path("attachments/", attachments.AttachmentsView.as_view(), name="api-attachments"),
    path(
        f"{ONE}attachments/",
        attachments.AgentAttachmentsView.as_view(),
        name="api-agent-attachments",
    ),
    path(
        "attachments/<str:attachment_id>/",
        attachments.AttachmentFileView.as_view(),
        name="api-attachment",
    ),
    path(
        "attachments/<str:attachment_id>/thumbnail/",
        attachments.AttachmentThumbnailView.as_view(),
        name="api-attachment-thumbnail",
    ),
    path("schema/", SchemaView.as_view(), name="api-schema"),
]
