"""Request and response shapes of the HTTP API.

Request serializers only pick the known fields out of the JSON body and describe them for
the schema: their fields hand values over untouched, because the pipeline validates them,
for HTTP exactly as for the socket (same rules, same error codes). Response serializers
describe what the pipeline (:mod:`django_livechat.pipeline.frames`) already returns; the
views send those dicts as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from django.http import QueryDict
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from django_livechat import errors
from django_livechat.conf import livechat_settings
from django_livechat.errors import ChatError
from django_livechat.models import Message
from django_livechat.pipeline import validation

# ---------------------------------------------------------------- requests

INTEGER = re.compile(r"-?[0-9]+")


def whole(pattern: str) -> str:
    """A :mod:`~django_livechat.pipeline.validation` pattern as a JSON Schema ``pattern``
    (which matches anywhere unless anchored)."""
    return f"^{pattern}$"


class _Untouched(serializers.Field):  # type: ignore[type-arg]
    """A JSON value handed to the pipeline as sent; only its presence is checked here.

    :meth:`openapi_schema` states what the pipeline accepts, from the same limits and
    patterns (:mod:`django_livechat.api.schema` asks for it when the schema is served, so
    it follows the settings).
    """

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value

    def openapi_schema(self) -> dict[str, Any]:
        return {}


class UUIDValue(_Untouched):
    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "uuid"}


class TextValue(_Untouched):
    """Any text."""

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string"}


class EmailValue(_Untouched):
    """An email address, checked by the pipeline with Django's validator."""

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "email", "maxLength": 254}


class NameText(_Untouched):
    """A visitor's name: storable text of up to 200 characters."""

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": 200, "pattern": whole(validation.FORM_TEXT)}


class RatingValue(_Untouched):
    """A rating from 1 to 5."""

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "maximum": 5}


class IdentifierText(_Untouched):
    """A visitor's ``user_identifier``."""

    def openapi_schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "maxLength": validation.MAX_IDENTIFIER_LENGTH,
            "pattern": whole(validation.STORABLE_TEXT),
        }


class MessageText(_Untouched):
    """A message's text: not blank, no NUL, at most ``MAX_MESSAGE_LENGTH`` characters."""

    def openapi_schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "minLength": 1,
            "maxLength": livechat_settings.MAX_MESSAGE_LENGTH,
            "pattern": whole(validation.MESSAGE_TEXT),
        }


class ClientIdText(_Untouched):
    """A sender's idempotency key."""

    def openapi_schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "minLength": 1,
            "maxLength": validation.MAX_CLIENT_ID_LENGTH,
            "pattern": whole(validation.CLIENT_ID),
        }


class ObjectValue(_Untouched):
    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": True}


class QueryInteger(serializers.IntegerField):
    """An integer in a query string, written as one: DRF's own field also takes ``1.0``,
    `` 1`` and digits of other scripts, which the schema's ``integer`` does not allow."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and not INTEGER.fullmatch(data):
            self.fail("invalid")
        value: int = super().to_internal_value(data)
        return value


class RequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Picks a request's fields out; :meth:`parsed` raises :class:`ChatError` like the socket.

    A query string is read as plain values (the last of a repeated parameter), so an empty
    parameter is a value to check, not a parameter left out.
    """

    #: Error code when a field is missing or null (default ``INVALID_MESSAGE``).
    error_codes: ClassVar[dict[str, str]] = {}

    def __init__(self, instance: Any = None, data: Any = serializers.empty, **kwargs: Any) -> None:
        if isinstance(data, QueryDict):
            data = data.dict()
        super().__init__(instance, data=data, **kwargs)

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
    user_identifier = IdentifierText(
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
        help_text=(
            "The token a previous call returned; rejoins its conversation (with a "
            "user_identifier: gives an anonymous conversation that identity)."
        ),
    )
    name = IdentifierText(
        required=False,
        allow_null=True,
        help_text="The visitor's name, stored in the conversation's metadata (up to 255).",
    )
    email = IdentifierText(
        required=False,
        allow_null=True,
        help_text="The visitor's email address, stored in the metadata (up to 255).",
    )
    prechat = ObjectValue(
        required=False,
        allow_null=True,
        help_text=(
            "The pre-chat form's answers for a new conversation: {name, email, consent, "
            "fields: {name: value}}; INVALID_PRECHAT with per-field messages when not valid."
        ),
    )
    resume_token = TextValue(
        required=False,
        allow_null=True,
        help_text="The livechat_resume token of an emailed link: rejoins its conversation.",
    )


@extend_schema_serializer(component_name="LivechatContactRequest")
class ContactRequestSerializer(RequestSerializer):
    """The visitor's email address, so that replies reach them."""

    email = EmailValue(help_text="An email address (up to 254 characters).")
    name = NameText(
        required=False, allow_null=True, help_text="The visitor's name (up to 200 characters)."
    )


@extend_schema_serializer(component_name="LivechatRatingRequest")
class RatingRequestSerializer(RequestSerializer):
    """The visitor's rating of their resolved conversation."""

    rating = RatingValue(help_text="A whole number from 1 to 5.")
    comment = TextValue(
        required=False, allow_null=True, help_text="Optional, up to 2000 characters."
    )


def agents_online_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, help_text="How many of the website's agents have a dashboard open."
    )


@extend_schema_serializer(component_name="LivechatPostMessageRequest")
class PostMessageRequestSerializer(RequestSerializer):
    """A visitor message."""

    message = MessageText(
        help_text="The text: not blank, at most LIVECHAT['MAX_MESSAGE_LENGTH'] characters."
    )
    client_id = ClientIdText(
        required=False,
        allow_null=True,
        help_text=(
            "The sender's idempotency key (1 to 64 characters, no control characters): "
            "posting the same client_id again returns the stored message instead of storing "
            "a second one."
        ),
    )


class ListMessagesQuerySerializer(RequestSerializer):
    """The query string of the message list."""

    after_seq = QueryInteger(
        min_value=0,
        max_value=validation.MAX_SEQ,
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


@extend_schema_serializer(component_name="LivechatAvailability")
class AvailabilitySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Whether the website is open (business hours)."""

    open = serializers.BooleanField()
    reply_time = serializers.CharField(
        allow_null=True, help_text='"We usually reply within …": such as "a few minutes".'
    )
    next_open = serializers.DateTimeField(
        allow_null=True, help_text="When it opens next, while closed (null: open, or never)."
    )


@extend_schema_serializer(component_name="LivechatPrechatForm")
class PrechatFormSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The pre-chat form the widget shows before a new visitor's first message."""

    consent_text = serializers.CharField(allow_null=True)
    email_required = serializers.BooleanField()


# ``fields`` is a Serializer's own attribute, so the field of that name is declared apart.
PrechatFormSerializer._declared_fields["fields"] = serializers.ListField(
    child=serializers.DictField(),
    help_text="Custom questions: {name, label, type, required, options}.",
)


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
    agents_online = agents_online_field()
    rated = serializers.BooleanField(
        help_text=(
            "Whether the visitor rated the conversation: a client that rejoins a resolved, "
            "unrated conversation asks for the rating."
        )
    )
    handoff_at = serializers.DateTimeField(
        allow_null=True,
        help_text=(
            "When the conversation was handed to a person (null: not yet): a rejoining "
            "client no longer offers to ask for one."
        ),
    )
    availability = AvailabilitySerializer(required=False)


@extend_schema_serializer(component_name="LivechatContactSaved")
class ContactSavedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The answer to ``contact``."""

    type = serializers.ChoiceField(choices=["contact_saved"])
    email = serializers.EmailField()
    name = serializers.CharField(required=False)


@extend_schema_serializer(component_name="LivechatRated")
class RatedSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The answer to ``rate``."""

    type = serializers.ChoiceField(choices=["rated"])
    conversation_id = serializers.UUIDField()
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="LivechatHandoff")
class HandoffSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The answer to ``handoff``: when the conversation went to a person."""

    type = serializers.ChoiceField(choices=["handoff"])
    conversation_id = serializers.UUIDField()
    handoff_at = serializers.DateTimeField(
        help_text="When it was handed over; the first time only (a repeat changes nothing)."
    )
    by = serializers.ChoiceField(choices=["visitor", "bot", "agent"])


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


@extend_schema_serializer(component_name="LivechatVisitorMessageList")
class VisitorMessageListSerializer(MessageListSerializer):
    """A page of the conversation's messages, and who is online to answer."""

    agents_online = agents_online_field()
    availability = AvailabilitySerializer(
        help_text="Whether the website is open now: a polling client notices opening and closing."
    )


@extend_schema_serializer(component_name="LivechatWidgetSettings")
class WidgetSettingsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A website's widget look and texts, for a widget the template tag did not configure."""

    website_id = serializers.UUIDField()
    theme = serializers.ChoiceField(choices=["light", "dark", "auto"])
    color = serializers.CharField(help_text="A CSS colour.")
    position = serializers.ChoiceField(choices=["left", "right"])
    labels = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="Every text of the widget, in the request's Accept-Language.",
    )
    agents_online = agents_online_field()
    availability = AvailabilitySerializer()
    prechat = PrechatFormSerializer(allow_null=True)


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


ErrorSerializer._declared_fields["fields"] = serializers.DictField(
    child=serializers.CharField(),
    required=False,
    help_text="INVALID_PRECHAT: what is wrong, per field of the form.",
)
