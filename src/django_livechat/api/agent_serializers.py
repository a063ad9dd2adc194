"""Request and response shapes of the agent HTTP API (see :mod:`.agent_views`).

As in :mod:`.serializers`, request serializers only pick fields out and the pipeline
validates them, with the same rules and error codes as the dashboard socket; response
serializers describe the dicts the pipeline returns.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from django_livechat.api.serializers import (
    ClientIdText,
    MessageSerializer,
    MessageText,
    QueryInteger,
    RequestSerializer,
    UUIDValue,
    _Untouched,
    whole,
)
from django_livechat.models import Conversation
from django_livechat.pipeline.canned import SHORTCUT
from django_livechat.pipeline.inbox import MAX_LABEL_ID
from django_livechat.pipeline.labels import COLOR_PATTERN, MAX_LABELS
from django_livechat.pipeline.labels import MAX_NAME_LENGTH as MAX_LABEL_NAME_LENGTH
from django_livechat.pipeline.validation import INBOX_LIMIT, MAX_INBOX_LIMIT, MAX_SEQ, MESSAGE_TEXT

# ---------------------------------------------------------------- requests


class SeqValue(_Untouched):
    """A ``seq`` a client holds."""

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 0, "maximum": MAX_SEQ}


class CursorValue(_Untouched):
    """The ``cursor`` of an earlier inbox answer."""

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}


class UserIdValue(_Untouched):
    def openapi_schema(self) -> dict[str, Any]:
        return {"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": True}


class LabelIdValue(_Untouched):
    """A label's id."""

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "maximum": MAX_LABEL_ID}


class AssigneeValue(_Untouched):
    """``me``, ``none`` or a user id (one that is no one's matches nothing)."""

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "minLength": 1}


class ListConversationsQuerySerializer(RequestSerializer):
    """The query string of the inbox."""

    website_id = UUIDValue(required=False, help_text="Only this website's conversations.")
    status = serializers.ChoiceField(
        choices=Conversation.Status.choices, required=False, help_text="Only open or resolved."
    )
    limit = QueryInteger(
        min_value=1,
        max_value=MAX_INBOX_LIMIT,
        default=INBOX_LIMIT,
        help_text=f"At most this many (1 to {MAX_INBOX_LIMIT}).",
    )
    changed_since = CursorValue(
        required=False,
        help_text=(
            "The cursor of an earlier answer: only the conversations that changed since "
            "(new, new messages, status, assignment, the caller's read marker)."
        ),
    )
    website = UUIDValue(required=False, help_text="The same as website_id.")
    # The metaclass takes declared fields out of the class: no clash with Field.label.
    label = LabelIdValue(  # type: ignore[assignment]
        required=False, help_text="Only the conversations with this label."
    )
    assignee = AssigneeValue(
        required=False,
        help_text="Only those assigned to the caller (me), to nobody (none), or to a user id.",
    )

    def parsed(self) -> dict[str, Any]:
        query = super().parsed()
        website = query.pop("website", None)
        if website is not None and "website_id" not in query:
            query["website_id"] = website
        return query


@extend_schema_serializer(component_name="LivechatAgentMessageRequest")
class AgentMessageRequestSerializer(RequestSerializer):
    """An agent's reply."""

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


@extend_schema_serializer(component_name="LivechatAssignRequest")
class AssignRequestSerializer(RequestSerializer):
    """Whom to assign the conversation to."""

    agent_id = UserIdValue(
        required=False,
        allow_null=True,
        help_text=(
            "The user id of an agent of the conversation's website; null for nobody; "
            "left out for the agent who calls."
        ),
    )


@extend_schema_serializer(component_name="LivechatMarkReadRequest")
class MarkReadRequestSerializer(RequestSerializer):
    """How far the agent has read."""

    seq = SeqValue(help_text="The seq of the last message read; the marker never moves back.")


# ---------------------------------------------------------------- responses


@extend_schema_serializer(component_name="LivechatAgent")
class AgentSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An agent as visitors and other agents see them."""

    user_id = UserIdValue(help_text="The user's primary key.")
    name = serializers.CharField(help_text="The full name, else the username.")


@extend_schema_serializer(component_name="LivechatLabel")
class LabelSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A website's label."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    color = serializers.CharField(allow_blank=True, help_text="#rrggbb, or empty.")


@extend_schema_serializer(component_name="LivechatPreviousConversation")
class PreviousConversationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An earlier conversation of the same visitor (returning visitors)."""

    conversation_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    # Text, not an enum: the schema has one status enum, that of the conversation.
    status = serializers.CharField(help_text="open or resolved.")
    last_message = MessageSerializer(allow_null=True)
    rating = serializers.IntegerField(allow_null=True)


@extend_schema_serializer(component_name="LivechatConversation")
class ConversationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A conversation as the inbox lists it, for the agent who asks."""

    conversation_id = serializers.UUIDField()
    website_id = serializers.UUIDField()
    website_name = serializers.CharField()
    visitor_identifier = serializers.CharField(allow_blank=True)
    metadata = serializers.DictField(
        help_text="What the widget sent (page, browser …) and identity_verified."
    )
    status = serializers.ChoiceField(choices=Conversation.Status.choices)
    assigned_agent = AgentSerializer(allow_null=True)
    last_seq = serializers.IntegerField(help_text="The seq of the newest message; 0 for none.")
    created_at = serializers.DateTimeField()
    last_message_at = serializers.DateTimeField(allow_null=True)
    unread = serializers.IntegerField(help_text="The visitor's messages after last_read_seq.")
    last_read_seq = serializers.IntegerField(help_text="This agent's read marker.")
    last_message = MessageSerializer(
        allow_null=True, help_text="The newest message, its text cut to 140 characters."
    )
    visitor_name = serializers.CharField(allow_blank=True)
    visitor_email = serializers.CharField(allow_blank=True)
    prechat = serializers.DictField(
        help_text="The pre-chat form's answers by field name, and consent_at."
    )
    prechat_fields = serializers.ListField(
        child=serializers.DictField(), help_text="The website's pre-chat questions (labels)."
    )
    rating = serializers.IntegerField(allow_null=True, min_value=1, max_value=5)
    rating_comment = serializers.CharField(allow_blank=True)
    assigned_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was last assigned to someone."
    )
    labels = LabelSerializer(many=True, help_text="Its labels, by name.")
    previous = PreviousConversationSerializer(
        many=True,
        required=False,
        help_text="One conversation (and history): the visitor's earlier ones, newest first.",
    )


@extend_schema_serializer(component_name="LivechatRatingAverage")
class RatingAverageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    website_id = serializers.UUIDField(required=False)
    user_id = serializers.JSONField(required=False, help_text="The agent's user id.")
    name = serializers.CharField()
    average = serializers.FloatField()
    count = serializers.IntegerField()


@extend_schema_serializer(component_name="LivechatRatings")
class RatingsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Satisfaction: averages per website the agent serves and per agent."""

    websites = RatingAverageSerializer(many=True)
    agents = RatingAverageSerializer(many=True)


@extend_schema_serializer(component_name="LivechatConversationList")
class ConversationListSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The inbox: open conversations first, then by last activity."""

    conversations = ConversationSerializer(many=True)
    has_more = serializers.BooleanField(help_text="More follow: ask with a larger limit.")
    cursor = serializers.CharField(
        help_text="Pass as changed_since to get only what changed after this answer."
    )
    changed_since = serializers.CharField(
        required=False, help_text="The changed_since asked for: merge, do not replace."
    )
    filters = serializers.DictField(
        required=False,
        help_text=(
            "The filters asked for (website_id, status, label, assignee), when any: the "
            "conversations that pass them, to merge into the inbox, not to replace it."
        ),
    )


@extend_schema_serializer(component_name="LivechatAgentPostedMessage")
class AgentPostedMessageSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The stored agent message."""

    message = MessageSerializer()


@extend_schema_serializer(component_name="LivechatReadMarker")
class ReadMarkerSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The agent's read marker after the call."""

    conversation_id = serializers.UUIDField()
    last_read_seq = serializers.IntegerField()
    unread = serializers.IntegerField()


# ---------------------------------------------------------------- the agent's workspace


class NoteText(_Untouched):
    """A private note's text: not blank, at most ``MAX_MESSAGE_LENGTH`` characters."""

    def openapi_schema(self) -> dict[str, Any]:
        return MessageText().openapi_schema()


class ShortcutText(_Untouched):
    """A canned reply's shortcut: letters, digits, ``-`` and ``_`` (a leading ``/`` is
    dropped)."""

    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": whole(SHORTCUT)}


class BooleanValue(_Untouched):
    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


class LabelIdsValue(_Untouched):
    def openapi_schema(self) -> dict[str, Any]:
        return {
            "type": "array",
            "maxItems": MAX_LABELS,
            "items": {"type": "integer", "minimum": 1, "maximum": MAX_LABEL_ID},
        }


class LabelNameText(_Untouched):
    """A label's name: not blank, no NUL, at most 40 characters."""

    def openapi_schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "maxLength": MAX_LABEL_NAME_LENGTH,
            "pattern": whole(MESSAGE_TEXT),
        }


class ColorText(_Untouched):
    def openapi_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": whole(COLOR_PATTERN)}


@extend_schema_serializer(component_name="LivechatNoteRequest")
class NoteRequestSerializer(RequestSerializer):
    """A private note: agents only, never sent to the visitor."""

    text = NoteText(help_text="Not blank, at most LIVECHAT['MAX_MESSAGE_LENGTH'] characters.")
    client_id = ClientIdText(
        required=False,
        allow_null=True,
        help_text="The sender's idempotency key: the same again returns the stored note.",
    )


@extend_schema_serializer(component_name="LivechatCannedReplyRequest")
class CannedReplyRequestSerializer(RequestSerializer):
    """A new canned reply: the caller's own unless personal is false."""

    shortcut = ShortcutText(help_text="What follows / in the reply box.")
    text = NoteText(help_text="The reply; {visitor_name} and the like are filled in.")
    website_id = UUIDValue(
        required=False,
        allow_null=True,
        help_text="The website (required for a website's reply; else the caller's own for it).",
    )
    personal = BooleanValue(
        required=False,
        allow_null=True,
        help_text=(
            "false: the website's reply, for all its agents (needs the "
            "django_livechat.change_cannedreply permission)."
        ),
    )


@extend_schema_serializer(component_name="LivechatCannedReplyChange")
class CannedReplyChangeSerializer(RequestSerializer):
    """What to change of a canned reply."""

    shortcut = ShortcutText(required=False, allow_null=True)
    text = NoteText(required=False, allow_null=True)


class CannedQuerySerializer(RequestSerializer):
    """The query string of the canned replies."""

    website = UUIDValue(
        required=False,
        help_text="Only those for this website: its own and the caller's for it or for all.",
    )


@extend_schema_serializer(component_name="LivechatLabelRequest")
class LabelRequestSerializer(RequestSerializer):
    """A new label of the website."""

    name = LabelNameText(help_text=f"Not blank, at most {MAX_LABEL_NAME_LENGTH} characters.")
    color = ColorText(
        required=False, allow_null=True, help_text="A colour such as #1f6feb, or empty."
    )


@extend_schema_serializer(component_name="LivechatSetLabelsRequest")
class SetLabelsRequestSerializer(RequestSerializer):
    """The conversation's labels (the set is replaced)."""

    labels = LabelIdsValue(help_text="Ids of labels of the conversation's website.")


@extend_schema_serializer(component_name="LivechatNote")
class NoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A private note."""

    id = serializers.UUIDField()
    conversation_id = serializers.UUIDField()
    text = serializers.CharField()
    author = AgentSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    client_id = serializers.CharField(allow_blank=True)


@extend_schema_serializer(component_name="LivechatPostedNote")
class PostedNoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = NoteSerializer()


@extend_schema_serializer(component_name="LivechatNoteList")
class NoteListSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A conversation's notes, oldest first."""

    conversation_id = serializers.UUIDField()
    notes = NoteSerializer(many=True)


@extend_schema_serializer(component_name="LivechatCannedReply")
class CannedReplySerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A canned reply: a website's, or the caller's own (personal)."""

    id = serializers.IntegerField()
    shortcut = serializers.CharField()
    text = serializers.CharField()
    website_id = serializers.UUIDField(allow_null=True)
    personal = serializers.BooleanField()
