"""The agent's download of a conversation's transcript (text or JSON)."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request

from django_livechat.api.agent_views import BAD_REQUEST, CONVERSATION_ID, AgentAPIView
from django_livechat.api.attachments import AnyAccept
from django_livechat.api.schema import documented
from django_livechat.api.serializers import ErrorSerializer
from django_livechat.data import transcript

FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=list(transcript.FORMATS),
    default="txt",
    description="txt: a text to read; json: the conversation and its messages as data.",
)
NOTES = OpenApiParameter(
    "notes",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["0", "1"],
    default="0",
    description="1: with the private notes (for agents only: never hand it to the visitor).",
)


FORBIDDEN = OpenApiResponse(
    ErrorSerializer, description="FORBIDDEN: not logged in, or not an agent."
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="NOT_FOUND: no such conversation on the websites the agent serves.",
)


class AgentTranscriptView(AgentAPIView):
    # A download whatever the client accepts; and ?format= is ours, not DRF's override.
    content_negotiation_class = AnyAccept  # type: ignore[assignment]

    @documented(
        operation_id="livechat_agent_transcript",
        summary="Download a conversation's transcript",
        description=(
            "A file (Content-Disposition: attachment) with the conversation's messages, "
            "times in the website's time zone and attachments by name; private notes only "
            "with notes=1. A conversation of a website the agent does not serve is "
            "NOT_FOUND, as one that does not exist."
        ),
        parameters=[CONVERSATION_ID, FORMAT, NOTES],
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="format=txt"),
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="format=json"
            ),
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, conversation_id: str) -> HttpResponse:
        found = async_to_sync(transcript.agent_transcript)(
            self.agent,
            conversation_id,
            fmt=request.query_params.get("format", "txt"),
            notes=request.query_params.get("notes"),
        )
        response = HttpResponse(found.text, content_type=found.content_type)
        response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
