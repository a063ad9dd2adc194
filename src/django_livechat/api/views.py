"""The API views: parse the request, authorize, hand over to the pipeline.

They are sync DRF views (the host may serve them over WSGI or ASGI) and call the async
pipeline through ``async_to_sync``; under ASGI that runs on the server's event loop, so the
pipeline's writer and channel layer are the same as the sockets'. Errors come out as
``{"type": "error", "code", "message"}`` (see :mod:`django_livechat.api.exceptions`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_livechat import pipeline, ratelimit
from django_livechat.api import serializers
from django_livechat.api.agent_serializers import SeqValue
from django_livechat.api.authentication import VisitorTokenAuthentication, visitor_session
from django_livechat.api.exceptions import exception_handler
from django_livechat.api.schema import LivechatAutoSchema, documented
from django_livechat.errors import ChatError

ERROR = serializers.ErrorSerializer
FORBIDDEN = OpenApiResponse(
    ERROR,
    description=(
        "FORBIDDEN: a visitor token that is not valid (forged, expired, for another website "
        "or conversation), or an origin the website does not allow."
    ),
)
NOT_IDENTIFIED = OpenApiResponse(
    ERROR,
    description=(
        "NOT_IDENTIFIED: no bearer token. Create a conversation first and send the "
        "visitor_token it returned."
    ),
)
BAD_REQUEST = OpenApiResponse(ERROR, description="INVALID_JSON or INVALID_MESSAGE.")


class LivechatJSONParser(JSONParser):
    """DRF's JSON parser, with JSON nested too deep to decode a parse error (not a 500)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("The JSON is nested too deeply.") from None


class LivechatAPIView(APIView):
    """Everything DRF would take from the host's ``REST_FRAMEWORK`` settings, fixed here."""

    renderer_classes = [JSONRenderer]
    parser_classes = [LivechatJSONParser]
    authentication_classes = [VisitorTokenAuthentication]
    permission_classes = [AllowAny]  # the views check request.auth themselves
    throttle_classes = []  # the pipeline has the rate limits (django_livechat.ratelimit)
    content_negotiation_class = DefaultContentNegotiation
    versioning_class = None
    metadata_class = None  # OPTIONS is a CORS preflight, which django-cors-headers answers
    schema = LivechatAutoSchema()

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response | None]:
        return exception_handler

    def handle_exception(self, exc: Exception) -> Response:
        # A refused message names its client_id, whichever step refused it (the token
        # check happens before the view), so the client knows which pending one it was.
        if isinstance(exc, ChatError) and self.request.method == "POST":
            exc.about(posted_client_id(self.request))
        response = super().handle_exception(exc)
        if response.status_code == 401:
            # A 401 says how to authenticate (RFC 9110); DRF does it for its own only.
            authenticate = self.get_authenticate_header(self.request)
            if authenticate:
                response["WWW-Authenticate"] = authenticate
        return response


def posted_client_id(request: Request) -> object:
    """The ``client_id`` of a JSON body, if it has one (never raises)."""
    try:
        data = request.data
    except Exception:
        return None
    return data.get("client_id") if isinstance(data, dict) else None


def origin(request: Request) -> str | None:
    """The ``Origin`` header; the pipeline refuses one the website does not allow."""
    return request.headers.get("Origin")


def client_address(request: Request) -> str | None:
    """The client's address for the rate limits (``X-Forwarded-For`` only from trusted
    proxies: :func:`django_livechat.ratelimit.client_address`)."""
    return ratelimit.client_address(
        request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR")
    )


class ConversationsView(LivechatAPIView):
    """``POST``: the socket's ``identify`` frame in, its ``identified`` event out.

    The answer keeps ``"type": "identified"`` so that a widget handles it with the same
    code as the socket's event: 201 for a new conversation, 200 for a rejoined one.
    """

    # The token of a rejoin travels in the body, as in the identify frame.
    authentication_classes = []

    @documented(
        operation_id="livechat_open_conversation",
        summary="Create or rejoin a conversation",
        description=(
            "Without visitor_token a new conversation starts (201); with it, its "
            "conversation is rejoined (200). The body is the socket's identify frame and so "
            "is the answer, type included; keep visitor_token for the other calls. A "
            "visitor_token with a user_identifier gives an anonymous conversation that "
            "identity (200, same conversation, a new token); when the conversation belongs "
            "to another identifier, a new conversation starts (201)."
        ),
        request=serializers.OpenConversationRequestSerializer,
        responses={
            201: OpenApiResponse(serializers.IdentifiedSerializer, "A new conversation."),
            200: OpenApiResponse(serializers.IdentifiedSerializer, "The conversation rejoined."),
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: OpenApiResponse(ERROR, description="INVALID_WEBSITE: unknown or inactive."),
            429: OpenApiResponse(
                ERROR,
                description=(
                    "RATE_LIMITED: too many new conversations from this address; the "
                    "Retry-After header says when to retry."
                ),
            ),
        },
    )
    def post(self, request: Request) -> Response:
        body = serializers.OpenConversationRequestSerializer(data=request.data).parsed()
        session = async_to_sync(pipeline.open_conversation)(
            origin=origin(request), address=client_address(request), **body
        )
        return Response(session.identified_event(), status=201 if session.created else 200)


class MessagesView(LivechatAPIView):
    """The conversation is the one the bearer token is for; no id travels in the URL."""

    @documented(
        operation_id="livechat_list_messages",
        summary="List messages after a seq",
        description=(
            "What a polling client calls: the conversation's messages with seq > after_seq, "
            "oldest first, at most 500; when has_more is true, ask again after the last one. "
            "agents_online says how many of the website's agents have a dashboard open."
        ),
        parameters=[serializers.ListMessagesQuerySerializer],
        responses={
            200: serializers.VisitorMessageListSerializer,
            400: BAD_REQUEST,
            401: NOT_IDENTIFIED,
            403: FORBIDDEN,
        },
    )
    def get(self, request: Request) -> Response:
        session = visitor_session(request)
        query = serializers.ListMessagesQuerySerializer(data=request.query_params).parsed()
        return Response(async_to_sync(pipeline.poll)(session, query["after_seq"]))

    @documented(
        operation_id="livechat_post_message",
        summary="Post a visitor message",
        description=(
            "Stores the message, sends it to the conversation's sockets and the website's "
            "dashboards, and answers with it and the automatic reply (201). The same "
            "client_id again returns the stored message, never a second one (200, reply "
            "null: poll for what followed)."
        ),
        request=serializers.PostMessageRequestSerializer,
        responses={
            201: OpenApiResponse(serializers.PostedMessageSerializer, "Stored."),
            200: OpenApiResponse(
                serializers.PostedMessageSerializer, "Stored before (same client_id)."
            ),
            400: BAD_REQUEST,
            401: NOT_IDENTIFIED,
            403: FORBIDDEN,
            413: OpenApiResponse(ERROR, description="MESSAGE_TOO_LONG."),
            429: OpenApiResponse(
                ERROR, description="RATE_LIMITED; the Retry-After header says when to retry."
            ),
            503: OpenApiResponse(
                ERROR,
                description=(
                    "UNAVAILABLE: the database did not take the message; nothing was stored. "
                    "Send it again (same client_id) after Retry-After seconds."
                ),
            ),
        },
    )
    def post(self, request: Request) -> Response:
        session = visitor_session(request)
        body = serializers.PostMessageRequestSerializer(data=request.data).parsed()
        result = async_to_sync(pipeline.post_visitor_message)(
            session,
            content=body.get("message"),
            client_id=body.get("client_id"),
            background=False,
            address=client_address(request),
        )
        return Response(
            {"message": result.message, "reply": result.reply},
            status=201 if result.created else 200,
        )


class WidgetSettingsView(LivechatAPIView):
    """A website's widget look and texts, for a widget that no template tag configured.

    Public (no token, CORS for the websites' origins), in the request's language."""

    authentication_classes = []

    @documented(
        operation_id="livechat_widget_settings",
        summary="A website's widget settings",
        description=(
            "The theme, colour, position and texts of the website's widget (the website's "
            "own settings over LIVECHAT's over the built-in texts), the texts in the "
            "request's Accept-Language, how many agents are online, whether the website "
            "is open (business hours) and its pre-chat form (null: none)."
        ),
        parameters=[
            OpenApiParameter(
                "website_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The website."
            )
        ],
        responses={
            200: serializers.WidgetSettingsSerializer,
            403: OpenApiResponse(
                ERROR, description="FORBIDDEN: an origin the website does not allow."
            ),
            404: OpenApiResponse(ERROR, description="INVALID_WEBSITE: unknown or inactive."),
        },
    )
    def get(self, request: Request, website_id: str) -> Response:
        website, agents_online = async_to_sync(pipeline.widget_website)(
            website_id, origin=origin(request)
        )
        with translation.override(translation.get_language_from_request(request)):
            look = pipeline.widget_look(website)
        answer = {
            "website_id": str(website.pk),
            **look,
            "agents_online": agents_online,
            **pipeline.site_owner_config(website),
        }
        response = Response(answer)
        response["Vary"] = "Accept-Language, Origin"
        return response


class ContactView(LivechatAPIView):
    """The visitor's email address (and name), for replies by email."""

    @documented(
        operation_id="livechat_save_contact",
        summary="Leave an email address",
        description=(
            "The socket's contact frame: stores the visitor's email address (and name) on "
            "their conversation so that an agent's reply they have not seen can be emailed "
            "to them; the dashboards see it."
        ),
        request=serializers.ContactRequestSerializer,
        responses={
            200: serializers.ContactSavedSerializer,
            400: OpenApiResponse(ERROR, description="INVALID_PRECHAT (per field) or INVALID_JSON."),
            401: NOT_IDENTIFIED,
            403: FORBIDDEN,
        },
    )
    def post(self, request: Request) -> Response:
        session = visitor_session(request)
        body = serializers.ContactRequestSerializer(data=request.data).parsed()
        saved = async_to_sync(pipeline.save_contact)(session, body["email"], body.get("name"))
        return Response(saved)


class RatingView(LivechatAPIView):
    """The visitor rates their resolved conversation, once."""

    @documented(
        operation_id="livechat_rate",
        summary="Rate the conversation",
        description=(
            "The socket's rate frame: 1 to 5 and an optional comment, once the conversation "
            "is resolved; only one rating per conversation."
        ),
        request=serializers.RatingRequestSerializer,
        responses={
            200: serializers.RatedSerializer,
            400: OpenApiResponse(ERROR, description="INVALID_MESSAGE: not 1 to 5."),
            401: NOT_IDENTIFIED,
            403: FORBIDDEN,
            409: OpenApiResponse(
                ERROR, description="ALREADY_RATED, or NOT_RESOLVED: the conversation is open."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        session = visitor_session(request)
        body = serializers.RatingRequestSerializer(data=request.data).parsed()
        rated = async_to_sync(pipeline.rate)(session, body["rating"], body.get("comment"))
        return Response(rated)


class HandoffView(LivechatAPIView):
    """The visitor asks for a person (the socket's ``handoff`` frame)."""

    @documented(
        operation_id="livechat_handoff",
        summary="Ask for a person",
        description=(
            "The socket's handoff frame: the conversation goes from the automatic responder "
            "to a person. The responder is not called for it any more and a reply it is "
            "streaming stops (stored as far as it got, with a line saying so). The visitor's "
            "sockets and the dashboards get a handoff frame. Idempotent: a repeat changes "
            "nothing and answers the time of the first. No request body."
        ),
        request=None,
        responses={200: serializers.HandoffSerializer, 401: NOT_IDENTIFIED, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        session = visitor_session(request)
        frame, _ = async_to_sync(pipeline.request_handoff)(session)
        return Response(frame)


@extend_schema_serializer(component_name="LivechatSeenRequest")
class SeenRequestSerializer(serializers.RequestSerializer):
    """How far the visitor has seen their conversation."""

    seq = SeqValue(
        help_text="The seq of the last message on the visitor's screen; never moves back."
    )


class SeenView(LivechatAPIView):
    """The socket's ``seen`` frame: the visitor has seen the conversation up to ``seq``."""

    @documented(
        operation_id="livechat_seen",
        summary="Tell how far the visitor has seen",
        description=(
            "The widget calls this, throttled, while messages are on the visitor's screen. "
            "The position only moves forward and never past the last message; an agent "
            "reply the visitor has seen is not emailed to them. No body in the answer."
        ),
        request=SeenRequestSerializer,
        responses={204: None, 400: BAD_REQUEST, 401: NOT_IDENTIFIED, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        session = visitor_session(request)
        body = SeenRequestSerializer(data=request.data).parsed()
        async_to_sync(pipeline.mark_seen)(session, body.get("seq"))
        return Response(status=204)
