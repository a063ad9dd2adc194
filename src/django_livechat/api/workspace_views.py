"""The agent HTTP API of the agent's workspace: private notes, canned replies, labels.

The same authentication, scoping and errors as :mod:`.agent_views` (whose base view these
use), through the same pipeline calls as the dashboard socket. Another website's notes,
labels and canned replies are answered exactly like missing ones (404 ``NOT_FOUND``).
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response

from django_livechat import pipeline
from django_livechat.api import agent_serializers as shapes
from django_livechat.api.agent_views import (
    BAD_REQUEST,
    CONVERSATION_ID,
    FORBIDDEN,
    ON_A_CONVERSATION,
    AgentAPIView,
)
from django_livechat.api.schema import documented
from django_livechat.api.serializers import ErrorSerializer

WEBSITE_ID = OpenApiParameter(
    "website_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The website."
)
REPLY_ID = OpenApiParameter(
    "reply_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The canned reply."
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="NOT_FOUND: none such among the websites the agent serves and their own.",
)
NO_PERMISSION = OpenApiResponse(
    ErrorSerializer,
    description="FORBIDDEN: not an agent, a missing CSRF token, or the permission it needs.",
)
ON_ONE = {400: BAD_REQUEST, 403: NO_PERMISSION, 404: NOT_FOUND}


class AgentNotesView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_list_notes",
        summary="List a conversation's private notes",
        description="Oldest first (the newest 200). Notes are for agents only.",
        parameters=[CONVERSATION_ID],
        responses={200: shapes.NoteListSerializer, **ON_A_CONVERSATION},
    )
    def get(self, request: Request, conversation_id: str) -> Response:
        frame = async_to_sync(pipeline.list_notes)(self.agent, conversation_id)
        return Response({k: v for k, v in frame.items() if k != "type"})

    @documented(
        operation_id="livechat_agent_post_note",
        summary="Add a private note",
        description=(
            "Stores a note on the conversation (never sent to the visitor) and sends it to "
            "the website's dashboards (201). The same client_id again returns the stored "
            "note (200)."
        ),
        parameters=[CONVERSATION_ID],
        request=shapes.NoteRequestSerializer,
        responses={
            201: OpenApiResponse(shapes.PostedNoteSerializer, "Stored."),
            200: OpenApiResponse(shapes.PostedNoteSerializer, "Stored before (same client_id)."),
            **ON_A_CONVERSATION,
        },
    )
    def post(self, request: Request, conversation_id: str) -> Response:
        body = shapes.NoteRequestSerializer(data=request.data).parsed()
        result = async_to_sync(pipeline.add_note)(
            self.agent, conversation_id, text=body.get("text"), client_id=body.get("client_id")
        )
        return Response({"note": result.note}, status=201 if result.created else 200)


class AgentConversationLabelsView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_set_labels",
        summary="Set a conversation's labels",
        description=(
            "Replaces the conversation's labels (labels of its website); the dashboards get "
            "the conversation."
        ),
        parameters=[CONVERSATION_ID],
        request=shapes.SetLabelsRequestSerializer,
        responses={200: shapes.ConversationSerializer, **ON_A_CONVERSATION},
    )
    def put(self, request: Request, conversation_id: str) -> Response:
        body = shapes.SetLabelsRequestSerializer(data=request.data).parsed()
        entry = async_to_sync(pipeline.set_labels)(self.agent, conversation_id, body["labels"])
        return Response(entry)


class AgentLabelsView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_list_labels",
        summary="List a website's labels",
        parameters=[WEBSITE_ID],
        responses={200: shapes.LabelSerializer(many=True), **ON_ONE},
    )
    def get(self, request: Request, website_id: str) -> Response:
        return Response(async_to_sync(pipeline.list_labels)(self.agent, website_id))

    @documented(
        operation_id="livechat_agent_create_label",
        summary="Create a label",
        description="Needs the django_livechat.add_label permission.",
        parameters=[WEBSITE_ID],
        request=shapes.LabelRequestSerializer,
        responses={201: shapes.LabelSerializer, **ON_ONE},
    )
    def post(self, request: Request, website_id: str) -> Response:
        body = shapes.LabelRequestSerializer(data=request.data).parsed()
        label = async_to_sync(pipeline.create_label)(
            self.agent, website_id, name=body["name"], color=body.get("color")
        )
        return Response(label, status=201)


class AgentCannedRepliesView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_list_canned",
        summary="List the canned replies",
        description="Those of the websites the agent serves and the agent's own, by shortcut.",
        parameters=[shapes.CannedQuerySerializer],
        responses={200: shapes.CannedReplySerializer(many=True), **ON_ONE},
    )
    def get(self, request: Request) -> Response:
        query = shapes.CannedQuerySerializer(data=request.query_params).parsed()
        replies = async_to_sync(pipeline.list_canned)(self.agent, query.get("website"))
        return Response(replies)

    @documented(
        operation_id="livechat_agent_create_canned",
        summary="Create a canned reply",
        description=(
            "The caller's own by default; with personal false and a website_id, the "
            "website's (needs the django_livechat.change_cannedreply permission)."
        ),
        request=shapes.CannedReplyRequestSerializer,
        responses={201: shapes.CannedReplySerializer, **ON_ONE},
    )
    def post(self, request: Request) -> Response:
        body = shapes.CannedReplyRequestSerializer(data=request.data).parsed()
        reply = async_to_sync(pipeline.create_canned)(
            self.agent,
            shortcut=body["shortcut"],
            text=body["text"],
            website_id=body.get("website_id"),
            personal=body.get("personal"),
        )
        return Response(reply, status=201)


class AgentCannedReplyView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_change_canned",
        summary="Change a canned reply",
        description=(
            "The caller's own, or a website's with the django_livechat.change_cannedreply "
            "permission."
        ),
        parameters=[REPLY_ID],
        request=shapes.CannedReplyChangeSerializer,
        responses={200: shapes.CannedReplySerializer, **ON_ONE},
    )
    def patch(self, request: Request, reply_id: str) -> Response:
        body = shapes.CannedReplyChangeSerializer(data=request.data).parsed()
        reply = async_to_sync(pipeline.update_canned)(
            self.agent, reply_id, shortcut=body.get("shortcut"), text=body.get("text")
        )
        return Response(reply)

    @documented(
        operation_id="livechat_agent_delete_canned",
        summary="Delete a canned reply",
        description="As changing it.",
        parameters=[REPLY_ID],
        request=None,
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request: Request, reply_id: str) -> Response:
        async_to_sync(pipeline.delete_canned)(self.agent, reply_id)
        return Response(status=204)
