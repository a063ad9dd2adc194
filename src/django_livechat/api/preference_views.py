"""The agent's own preferences (``api/agent/preferences/``): email about new chats."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers as drf
from rest_framework.request import Request
from rest_framework.response import Response

from django_livechat.api.agent_views import FORBIDDEN, AgentAPIView
from django_livechat.api.schema import documented
from django_livechat.api.serializers import ErrorSerializer, RequestSerializer, TextValue
from django_livechat.notifications import preferences

CHOICES = ", ".join(preferences.CHOICES)


@extend_schema_serializer(component_name="LivechatAgentPreferences")
class PreferencesSerializer(drf.Serializer):  # type: ignore[type-arg]
    email_notifications = drf.ChoiceField(
        choices=list(preferences.CHOICES),
        help_text=(
            "Email about a new conversation on a website where no agent is online: off, "
            "immediate (one email each) or daily (one digest a day)."
        ),
    )


@extend_schema_serializer(component_name="LivechatAgentPreferencesRequest")
class PreferencesRequestSerializer(RequestSerializer):
    email_notifications = TextValue(help_text=f"One of {CHOICES}.")


class AgentPreferencesView(AgentAPIView):
    @documented(
        operation_id="livechat_agent_preferences",
        summary="The agent's preferences",
        description="Whether and how the agent is emailed about new conversations.",
        responses={200: PreferencesSerializer, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        return Response(preferences.preferences_of(request.user))

    @documented(
        operation_id="livechat_agent_set_preferences",
        summary="Change the agent's preferences",
        description=f"email_notifications: {CHOICES}.",
        # Documented with the enum; parsed leniently below, so that any other value gets
        # the API's own INVALID_MESSAGE rather than DRF's error shape.
        request=PreferencesSerializer,
        responses={
            200: PreferencesSerializer,
            400: OpenApiResponse(ErrorSerializer, description="INVALID_MESSAGE."),
            403: FORBIDDEN,
        },
    )
    def put(self, request: Request) -> Response:
        body: dict[str, Any] = PreferencesRequestSerializer(data=request.data).parsed()
        return Response(preferences.set_preferences(request.user, body.get("email_notifications")))
