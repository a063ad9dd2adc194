"""The agent HTTP API: the dashboard socket's actions for agents' tools and scripts.

Authenticated by the Django session (DRF's ``SessionAuthentication``, so unsafe methods
need the CSRF token, as any form of the host does), for agents only (see
:mod:`django_livechat.permissions`), scoped to the websites they serve. Every action goes
through the same pipeline functions as the socket, so stored messages and status changes
reach the visitors' sockets and the dashboards at once. Errors have the socket's shape.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from django_livechat import pipeline
from django_livechat.api import agent_serializers as shapes
from django_livechat.api.schema import documented
from django_livechat.api.serializers import (
    ErrorSerializer,
    ListMessagesQuerySerializer,
    MessageListSerializer,
)
from django_livechat.api.views import LivechatAPIView
from django_livechat.pipeline import AgentSession

FORBIDDEN = OpenApiResponse(
    ErrorSerializer,
    description=(
        "FORBIDDEN: not logged in, not an agent, a missing CSRF token, or a conversation of "
        "a website the agent does not serve."
    ),
)
BAD_REQUEST = OpenApiResponse(ErrorSerializer, description="INVALID_JSON or INVALID_MESSAGE.")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="NOT_FOUND: no such conversation.")
CONVERSATION_ID = OpenApiParameter(
    "conversation_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The conversation."
)
ON_A_CONVERSATION = {400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND}


class AgentAPIView(LivechatAPIView):
    """Session-authenticated, for agents; ``self.agent`` is the caller's session."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
    agent: AgentSession

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.agent = async_to_sync(pipeline.authorize_agent)(request.user)


class AgentConversationsView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_list_conversations",
        summary="List the agent's conversations",
        description=(
            "The inbox of the websites the agent serves: open conversations first, then by "
            "last activity, each with the agent's unread count and the newest message."
        ),
        parameters=[shapes.ListConversationsQuerySerializer],
        responses={200: shapes.ConversationListSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        query = shapes.ListConversationsQuerySerializer(data=request.query_params).parsed()
        inbox = async_to_sync(pipeline.list_conversations)(self.agent, **query)
        return Response({k: v for k, v in inbox.frame().items() if k != "type"})


class AgentConversationView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_get_conversation",
        summary="Get a conversation",
        parameters=[CONVERSATION_ID],
        responses={200: shapes.ConversationSerializer, **ON_A_CONVERSATION},
    )
    def get(self, request: Request, conversation_id: str) -> Response:
        return Response(async_to_sync(pipeline.agent_conversation)(self.agent, conversation_id))


class AgentMessagesView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_list_messages",
        summary="List a conversation's messages after a seq",
        description="Oldest first, at most 500; when has_more is true, ask again after the last.",
        parameters=[CONVERSATION_ID, ListMessagesQuerySerializer],
        responses={200: MessageListSerializer, **ON_A_CONVERSATION},
    )
    def get(self, request: Request, conversation_id: str) -> Response:
        query = ListMessagesQuerySerializer(data=request.query_params).parsed()
        entry, messages, has_more = async_to_sync(pipeline.agent_history)(
            self.agent, conversation_id, query["after_seq"]
        )
        return Response(
            {
                "conversation_id": entry["conversation_id"],
                "messages": messages,
                "has_more": has_more,
            }
        )

    @documented(
        operation_id="livechat_agent_post_message",
        summary="Reply to the visitor",
        description=(
            "Stores the agent's message (role agent, is_manual, the agent's name as "
            "sender_name) and sends it to the visitor's sockets and the dashboards (201). "
            "The same client_id again returns the stored message (200)."
        ),
        parameters=[CONVERSATION_ID],
        request=shapes.AgentMessageRequestSerializer,
        responses={
            201: OpenApiResponse(shapes.AgentPostedMessageSerializer, "Stored."),
            200: OpenApiResponse(
                shapes.AgentPostedMessageSerializer, "Stored before (same client_id)."
            ),
            **ON_A_CONVERSATION,
            413: OpenApiResponse(ErrorSerializer, description="MESSAGE_TOO_LONG."),
        },
    )
    def post(self, request: Request, conversation_id: str) -> Response:
        body = shapes.AgentMessageRequestSerializer(data=request.data).parsed()
        result = async_to_sync(pipeline.post_agent_message)(
            self.agent,
            conversation_id,
            content=body.get("message"),
            client_id=body.get("client_id"),
        )
        return Response({"message": result.message}, status=201 if result.created else 200)


class AgentAssignView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_assign",
        summary="Assign a conversation",
        description=(
            "To the caller (no agent_id), to another agent of the website (agent_id), or to "
            "nobody (agent_id null). The dashboards are told, and the assignee, when it is "
            "someone else, gets assigned_to_you. A conversation of a website the caller "
            "does not serve is answered like a missing one (404 NOT_FOUND)."
        ),
        parameters=[CONVERSATION_ID],
        request=shapes.AssignRequestSerializer,
        responses={200: shapes.ConversationSerializer, **ON_A_CONVERSATION},
    )
    def post(self, request: Request, conversation_id: str) -> Response:
        body = shapes.AssignRequestSerializer(data=request.data).parsed()
        assignee = body.get("agent_id", pipeline.ME)
        entry = async_to_sync(pipeline.assign_conversation)(self.agent, conversation_id, assignee)
        return Response(entry)


class AgentResolveView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_resolve",
        summary="Resolve a conversation",
        description="The visitor's sockets get a status event, the dashboards too.",
        parameters=[CONVERSATION_ID],
        request=None,
        responses={200: shapes.ConversationSerializer, **ON_A_CONVERSATION},
    )
    def post(self, request: Request, conversation_id: str) -> Response:
        return Response(async_to_sync(pipeline.resolve_conversation)(self.agent, conversation_id))


class AgentReopenView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_reopen",
        summary="Reopen a conversation",
        description="The visitor's sockets get a status event, the dashboards too.",
        parameters=[CONVERSATION_ID],
        request=None,
        responses={200: shapes.ConversationSerializer, **ON_A_CONVERSATION},
    )
    def post(self, request: Request, conversation_id: str) -> Response:
        return Response(async_to_sync(pipeline.reopen_conversation)(self.agent, conversation_id))


class AgentMarkReadView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_mark_read",
        summary="Mark a conversation read up to a seq",
        description="Moves the caller's read marker forward; their dashboards are told.",
        parameters=[CONVERSATION_ID],
        request=shapes.MarkReadRequestSerializer,
        responses={200: shapes.ReadMarkerSerializer, **ON_A_CONVERSATION},
    )
    def post(self, request: Request, conversation_id: str) -> Response:
        body = shapes.MarkReadRequestSerializer(data=request.data).parsed()
        read = async_to_sync(pipeline.mark_read)(self.agent, conversation_id, body.get("seq"))
        return Response(read)


class AgentRatingsView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_ratings",
        summary="Satisfaction ratings",
        description=(
            "The dashboard's ratings frame without its type: the average rating and count "
            "per website the agent serves, and per agent (of the conversations assigned to "
            "them)."
        ),
        responses={200: shapes.RatingsSerializer, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        summary = async_to_sync(pipeline.ratings_summary)(self.agent)
        return Response({k: v for k, v in summary.items() if k != "type"})
