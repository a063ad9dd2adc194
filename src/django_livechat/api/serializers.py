"""Request and response shapes of the HTTP API.

Request serializers only pick the known fields out of the JSON body and describe them for
the schema: their fields hand values over untouched, because the pipeline validates them,
for HTTP exactly as for the socket (same rules, same error codes). Response serializers
describe what the pipeline (:mod:`django_livechat.pipeline.frames`) already returns; the
views send those dicts as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from django_livechat import errors
from django_livechat.errors import ChatError
from django_livechat.models import Message

# ---------------------------------------------------------------- requests


class _Untouched(serializers.Field):  # type: ignore[type-arg]
    """A JSON value handed to the pipeline as sent; only its presence is checked here."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(OpenApiTypes.UUID)
class UUIDValue(_Untouched):
    pass


@extend_schema_field(OpenApiTypes.STR)
class TextValue(_Untouched):
    pass


@extend_schema_field({"type": "object", "additionalProperties": True})
class ObjectValue(_Untouched):
    pass


class RequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Picks a request's fields out; :meth:`parsed` raises :class:`ChatError` like the socket."""

    #: Error code when a field is missing or null (default ``INVALID_MESSAGE``).
    error_codes: ClassVar[dict[str, str]] = {}

    def parsed(self) -> dict[str, Any]:
        """The fields present, or :class:`ChatError` (``INVALID_JSON`` for a non-object)."""
        if not isinstance(self.initial_data, Mapping):
            raise ChatError(errors.INVALID_JSON, "The body must be a JSON object.")
        if not self.is_valid():
            field, problems = next(iter(self.errors.items()))
            raise ChatError(
                self.error_codes.get(field, errors.INVALID_MESSAGE), f"{field}: {problems[0]}"
            )
        return dict(self.validated_data)


@extend_schema_serializer(component_name="LivechatOpenConversationRequest")
class OpenConversationRequestSerializer(RequestSerializer):
    """Create a conversation, or rejoin one with its ``visitor_token``."""

    error_codes = {"website_id": errors.INVALID_WEBSITE}

    website_id = UUIDValue(help_text="The website whose chat this is.")
    user_identifier = TextValue(
        required=False,
        allow_null=True,
        help_text="Who the visitor is on the host site (up to 255 characters).",
    )
    identifier_hash = TextValue(
        required=False,
        allow_null=True,
        help_text=(
            "Hex HMAC-SHA256 of user_identifier keyed with the website's identity secret; "
            "when it matches, the conversation's metadata records identity_verified true."
        ),
    )
    metadata = ObjectValue(
        required=False,
        allow_null=True,
        help_text="Free-form JSON object (up to 8 KiB) stored with a new conversation.",
    )
    conversation_id = UUIDValue(
        required=False,
        allow_null=True,
        help_text="Rejoin this conversation; needs its visitor_token.",
    )
    visitor_token = TextValue(
        required=False,
        allow_null=True,
        help_text="The token a previous call returned; rejoins its conversation.",
    )


@extend_schema_serializer(component_name="LivechatPostMessageRequest")
class PostMessageRequestSerializer(RequestSerializer):
    """A visitor message."""

    message = TextValue(
        help_text="The text, non-empty, at most LIVECHAT['MAX_MESSAGE_LENGTH'] characters."
    )
    client_id = TextValue(
        required=False,
        allow_null=True,
        help_text=(
            "The sender's idempotency key (1 to 64 printable characters): posting the same "
            "client_id again returns the stored message instead of storing a second one."
        ),
    )


class ListMessagesQuerySerializer(RequestSerializer):
    """The query string of the message list."""

    after_seq = serializers.IntegerField(
        min_value=0,
        default=0,
        help_text="Only messages with a greater seq; 0 (the default) for all of them.",
    )


# ---------------------------------------------------------------- responses


@extend_schema_serializer(component_name="LivechatMessage")
class MessageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A stored message, as the socket's ``chat_message`` event carries it."""

    message_id = serializers.UUIDField()
    conversation_id = serializers.UUIDField()
    seq = serializers.IntegerField(min_value=1, help_text="Gap-free position in the conversation.")
    role = serializers.ChoiceField(choices=Message.Role.choices)
    message = serializers.CharField(help_text="The text.")
    client_id = serializers.CharField(allow_null=True)
    timestamp = serializers.DateTimeField()
    is_auto = serializers.BooleanField(help_text="Sent by the automatic responder.")
    is_manual = serializers.BooleanField()
    sender_name = serializers.CharField(required=False, help_text="The agent's display name.")


@extend_schema_serializer(component_name="LivechatIdentified")
class IdentifiedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The visitor's conversation, as the socket's ``identified`` event carries it."""

    type = serializers.ChoiceField(choices=["identified"])
    conversation_id = serializers.UUIDField()
    website_id = serializers.UUIDField()
    user_identifier = serializers.CharField(allow_blank=True)
    visitor_token = serializers.CharField(
        help_text="Send as 'Authorization: Bearer <visitor_token>'; keep it to rejoin."
    )
    status = serializers.ChoiceField(choices=["success"])
    conversation_status = serializers.ChoiceField(
        choices=["open", "resolved"],
        help_text="Whether agents have marked the conversation resolved.",
    )


@extend_schema_serializer(component_name="LivechatPostedMessage")
class PostedMessageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The stored visitor message and the automatic reply to it."""

    message = MessageSerializer(help_text="The visitor's stored message.")
    reply = MessageSerializer(
        allow_null=True,
        help_text="The automatic reply, or null (none, the responder failed, or a repeat).",
    )


@extend_schema_serializer(component_name="LivechatMessageList")
class MessageListSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A page of the conversation's messages."""

    conversation_id = serializers.UUIDField()
    messages = MessageSerializer(many=True, help_text="Oldest first.")
    has_more = serializers.BooleanField(help_text="More follow: ask again after the last seq.")


@extend_schema_serializer(component_name="LivechatError")
class ErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A refused request, as the socket's ``error`` event carries it."""

    type = serializers.ChoiceField(choices=["error"])
    code = serializers.ChoiceField(choices=list(errors.HTTP_STATUS))
    message = serializers.CharField()
    retry_after = serializers.FloatField(
        required=False,
        help_text="RATE_LIMITED and UNAVAILABLE: seconds until the message may be sent again.",
    )
    client_id = serializers.CharField(
        required=False, help_text="The refused message's client_id, when a message was refused."
    )
