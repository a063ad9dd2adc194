"""The agents' search over HTTP: ``GET api/agent/search/?q=...`` (see
:mod:`django_livechat.pipeline.search`), the dashboard socket's ``search`` for scripts."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from django_livechat import pipeline
from django_livechat.api.agent_views import BAD_REQUEST, FORBIDDEN, AgentAPIView
from django_livechat.api.schema import documented
from django_livechat.api.serializers import (
    ErrorSerializer,
    QueryInteger,
    RequestSerializer,
    UUIDValue,
    _Untouched,
    whole,
)
from django_livechat.pipeline.search import (
    MAX_QUERY_LENGTH,
    MIN_QUERY_LENGTH,
    QUERY_TEXT,
    SEARCH_LIMIT,
)


class QueryText(_Untouched):
    """What to search for."""

    def openapi_schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "maxLength": MAX_QUERY_LENGTH,
            "pattern": whole(QUERY_TEXT),
        }


class SearchQuerySerializer(RequestSerializer):
    """The query string of a search."""

    q = QueryText(
        help_text=(
            f"Words to find ({MIN_QUERY_LENGTH} to {MAX_QUERY_LENGTH} "
            'characters): "a phrase", -excluded; every word must occur.'
        )
    )
    website = UUIDValue(required=False, help_text="Only this website's conversations.")
    limit = QueryInteger(
        min_value=1,
        max_value=SEARCH_LIMIT,
        default=SEARCH_LIMIT,
        help_text=f"At most this many results (1 to {SEARCH_LIMIT}).",
    )


@extend_schema_serializer(component_name="LivechatSearchResult")
class SearchResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A conversation a search found, at its newest hit."""

    conversation_id = serializers.UUIDField()
    website_id = serializers.UUIDField()
    seq = serializers.IntegerField(
        allow_null=True,
        help_text="The hit message's seq; null for a hit on the visitor's name, email or "
        "identifier.",
    )
    snippet = serializers.CharField(help_text="Plain text around the hit (escape it to show).")
    visitor_name = serializers.CharField(allow_blank=True)
    visitor_email = serializers.CharField(allow_blank=True)
    visitor_identifier = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField(
        help_text="When the hit message was sent (the conversation's last activity for a "
        "hit on the visitor)."
    )
    # Text, not a choice: drf-spectacular would name a third "status" enum.
    status = serializers.CharField(help_text="The conversation's: open or resolved.")


@extend_schema_serializer(component_name="LivechatSearchResults")
class SearchResultsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    query = serializers.CharField(help_text="The query as searched (trimmed).")
    results = SearchResultSerializer(many=True)


class AgentSearchView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_search",
        summary="Search the agent's conversations",
        description=(
            "Message text (PostgreSQL: full-text search, web search syntax), the visitor's "
            "name, email and identifier, across the websites the agent serves: one result "
            "per conversation (its newest hit), newest first, at most 50."
        ),
        parameters=[SearchQuerySerializer],
        responses={
            200: SearchResultsSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: OpenApiResponse(ErrorSerializer, description="NOT_FOUND: no such website."),
        },
    )
    def get(self, request: Request) -> Response:
        query = SearchQuerySerializer(data=request.query_params).parsed()
        frame = async_to_sync(pipeline.search)(
            self.agent, query.get("q"), website_id=query.get("website"), limit=query["limit"]
        )
        return Response({k: v for k, v in frame.items() if k != "type"})
