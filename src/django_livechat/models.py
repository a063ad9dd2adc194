"""Data model: websites that embed the widget, their conversations and messages."""

from __future__ import annotations

import datetime
import re
import secrets
import uuid
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from django_livechat.conf import livechat_settings
from django_livechat.origins import normalize_origin, validate_origin_list

#: Colour names CSS knows beyond the hex and functional forms (the common ones; a
#: colour the browser does not know would leave the widget in its default colour).
_CSS_COLOR_NAMES = """
    black silver gray grey white maroon red purple fuchsia green lime olive yellow navy blue
    teal aqua orange aliceblue antiquewhite aquamarine azure beige bisque blanchedalmond
    blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk
    crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgrey darkgreen darkkhaki
    darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
    darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue
    dimgray dimgrey dodgerblue firebrick floralwhite forestgreen gainsboro ghostwhite gold
    goldenrod greenyellow honeydew hotpink indianred indigo ivory khaki lavender
    lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow
    lightgray lightgrey lightgreen lightpink lightsalmon lightseagreen lightskyblue
    lightslategray lightslategrey lightsteelblue lightyellow limegreen linen magenta
    mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen mediumslateblue
    mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream mistyrose
    moccasin navajowhite oldlace olivedrab orangered orchid palegoldenrod palegreen
    paleturquoise palevioletred papayawhip peachpuff peru pink plum powderblue rebeccapurple
    rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell sienna skyblue
    slateblue slategray slategrey snow springgreen steelblue tan thistle tomato turquoise
    violet wheat whitesmoke yellowgreen
"""
CSS_COLOR_NAMES = frozenset(_CSS_COLOR_NAMES.split())
_CSS_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_CSS_FUNCTION = re.compile(r"^(?:rgb|rgba|hsl|hsla)\(\s*[0-9.,%\s/+-]+(?:deg)?[0-9.,%\s/+-]*\)$")


def is_css_color(value: object) -> bool:
    """Whether ``value`` is a CSS colour the widget can use: hex, rgb()/hsl(), or a name."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(
        _CSS_HEX.match(text) or _CSS_FUNCTION.match(text) or text.lower() in CSS_COLOR_NAMES
    )


def validate_css_color(value: str) -> None:
    if value and not is_css_color(value):
        raise ValidationError(
            _("Enter a CSS colour: #0b6e4f, rgb(11, 110, 79) or a name such as teal."),
            code="invalid_color",
        )


def generate_identity_secret() -> str:
    """A fresh secret for HMAC visitor identity verification."""
    return secrets.token_urlsafe(32)


# Business hours and the pre-chat form (issue 11): the JSON formats the admin accepts.

#: The keys of ``Website.business_hours``, Monday first (``date.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")
#: At most this many custom questions in a pre-chat form.
MAX_PRECHAT_FIELDS = 5
PRECHAT_FIELD_TYPES = ("text", "textarea", "select", "checkbox")
#: Names the form itself uses, which a custom question cannot take.
PRECHAT_RESERVED_NAMES = frozenset({"name", "email", "consent", "consent_at"})
_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def minutes_of(hhmm: str) -> int:
    """``"HH:MM"`` (``"24:00"`` is the end of the day) as minutes after midnight."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def validate_time_zone(value: str) -> None:
    """An IANA time zone name (blank: ``TIME_ZONE``)."""
    if not value:
        return
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("%(value)s is not a time zone name such as Europe/Berlin."),
            code="invalid_time_zone",
            params={"value": value},
        ) from None


def validate_business_hours(value: object) -> None:
    """``{"mon": [["09:00", "12:00"], ["13:00", "17:30"]], ...}``: each range starts before
    it ends, ranges of a day do not overlap; a night shift is two ranges on two days."""
    if not isinstance(value, dict):
        raise ValidationError(_("Business hours must be an object of weekdays."), code="invalid")
    for day, ranges in value.items():
        if day not in WEEKDAYS:
            raise ValidationError(
                _("%(day)s is not a weekday; use mon, tue, wed, thu, fri, sat or sun."),
                code="invalid_day",
                params={"day": day},
            )
        if not isinstance(ranges, list):
            raise ValidationError(
                _("The hours of %(day)s must be a list of [opens, closes] pairs."),
                code="invalid_ranges",
                params={"day": day},
            )
        previous_end = -1
        for pair in sorted(ranges, key=lambda p: str(p[0]) if isinstance(p, list) and p else ""):
            if not (
                isinstance(pair, list)
                and len(pair) == 2
                and all(isinstance(t, str) and _HHMM.match(t) for t in pair)
            ):
                raise ValidationError(
                    _(
                        'Each range of %(day)s must be ["HH:MM", "HH:MM"], for example '
                        '["09:00", "17:30"].'
                    ),
                    code="invalid_range",
                    params={"day": day},
                )
            start, end = minutes_of(pair[0]), minutes_of(pair[1])
            if start >= end or start < previous_end:
                raise ValidationError(
                    _(
                        "The ranges of %(day)s must each open before they close and must not "
                        "overlap."
                    ),
                    code="invalid_range",
                    params={"day": day},
                )
            previous_end = end


def validate_closed_dates(value: object) -> None:
    """``["2026-12-25", ...]``: days closed whatever the weekly hours say."""
    if not isinstance(value, list):
        raise ValidationError(_("Closed dates must be a list of dates."), code="invalid")
    for item in value:
        if not is_iso_date(item):
            raise ValidationError(
                _("%(value)s is not a date written YYYY-MM-DD."),
                code="invalid_date",
                params={"value": item},
            )


def is_iso_date(value: object) -> bool:
    """Whether ``value`` is a ``"YYYY-MM-DD"`` date."""
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def validate_responder_path(value: object) -> None:
    """A website's responder: blank, or the dotted path of an importable callable."""
    if not value:
        return
    try:
        found = import_string(str(value))
    except ImportError as error:
        raise ValidationError(
            _("%(path)s cannot be imported: %(error)s"), params={"path": value, "error": error}
        ) from error
    if not callable(found):
        raise ValidationError(_("%(path)s is not callable."), params={"path": value})


def validate_prechat_fields(value: object) -> None:
    """Up to :data:`MAX_PRECHAT_FIELDS` questions: ``{"name": slug, "label": str, "type":
    "text" | "textarea" | "select" | "checkbox", "required": bool, "options": [str]}``."""
    if not isinstance(value, list):
        raise ValidationError(_("The pre-chat fields must be a list."), code="invalid")
    if len(value) > MAX_PRECHAT_FIELDS:
        raise ValidationError(
            _("A pre-chat form has at most %(max)d custom fields."),
            code="too_many",
            params={"max": MAX_PRECHAT_FIELDS},
        )
    names: set[str] = set()
    for field in value:
        name = field.get("name") if isinstance(field, dict) else None
        if not isinstance(name, str) or not _SLUG.match(name) or name in PRECHAT_RESERVED_NAMES:
            raise ValidationError(
                _(
                    "Each pre-chat field needs a name of lower-case letters, digits and _ "
                    "(not name, email or consent)."
                ),
                code="invalid_name",
            )
        if name in names:
            raise ValidationError(
                _("Two pre-chat fields are named %(name)s."),
                code="duplicate",
                params={"name": name},
            )
        names.add(name)
        assert isinstance(field, dict)
        label, kind, options = field.get("label"), field.get("type"), field.get("options")
        problem = None
        if not isinstance(label, str) or not label.strip() or len(label) > 200:
            problem = _("needs a label of 1 to 200 characters")
        elif kind not in PRECHAT_FIELD_TYPES:
            problem = _("needs a type: text, textarea, select or checkbox")
        elif not isinstance(field.get("required", False), bool):
            problem = _("must have true or false as required")
        elif kind == "select" and not (
            isinstance(options, list)
            and 0 < len(options) <= 50
            and all(isinstance(o, str) and o.strip() and len(o) <= 200 for o in options)
        ):
            problem = _("is a select and needs a list of options")
        elif set(field) - {"name", "label", "type", "required", "options"}:
            problem = _("has keys other than name, label, type, required and options")
        if problem is not None:
            raise ValidationError(
                _("The pre-chat field %(name)s %(problem)s."),
                code="invalid_field",
                params={"name": name, "problem": problem},
            )


class Website(models.Model):
    """A site that embeds the chat widget and the agents who answer its visitors."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    allowed_origins = models.JSONField(
        _("allowed origins"),
        default=list,
        blank=True,
        validators=[validate_origin_list],
        help_text=_(
            'Origins allowed to embed the widget, for example ["https://www.example.com"].'
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    identity_secret = models.CharField(
        _("identity secret"),
        max_length=128,
        default=generate_identity_secret,
        help_text=_("Key for the HMAC-SHA256 that verifies a visitor's identity."),
    )
    auto_response_text = models.TextField(
        _("auto-response text"),
        blank=True,
        help_text=_("Overrides LIVECHAT['AUTO_RESPONSE_TEXT'] for this website when set."),
    )
    # Bot responders (issue 13).
    responder = models.CharField(
        _("responder"),
        max_length=200,
        blank=True,
        help_text=_(
            "The dotted path of this website's responder, such as myproject.bots.answer; "
            "blank: LIVECHAT['RESPONDER']."
        ),
    )
    bot_enabled = models.BooleanField(
        _("automatic replies"),
        default=True,
        help_text=_("Off: no automatic replies on this website, and a reply in progress stops."),
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agents"),
        related_name="livechat_websites",
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The widget's look and texts; blank falls back to LIVECHAT, then the built-ins.
    widget_color = models.CharField(
        _("widget colour"),
        max_length=64,
        blank=True,
        validators=[validate_css_color],
        help_text=_("The brand colour of the widget (for example #0b6e4f); blank: the default."),
    )
    widget_position = models.CharField(
        _("widget position"),
        max_length=8,
        blank=True,
        choices=[("left", _("Bottom left")), ("right", _("Bottom right"))],
        help_text=_("Where the chat button sits; blank: the default."),
    )
    widget_theme = models.CharField(
        _("widget theme"),
        max_length=8,
        blank=True,
        choices=[
            ("light", _("Light")),
            ("dark", _("Dark")),
            ("auto", _("The visitor's preference")),
        ],
        help_text=_("Light or dark colours; blank: the default."),
    )
    widget_title = models.CharField(
        _("widget title"),
        max_length=80,
        blank=True,
        help_text=_("The heading of the chat panel; blank: the default."),
    )
    widget_greeting = models.CharField(
        _("widget greeting"),
        max_length=300,
        blank=True,
        help_text=_("The first line a visitor reads in the panel; blank: the default."),
    )
    widget_away_text = models.CharField(
        _("widget away text"),
        max_length=300,
        blank=True,
        help_text=_("Shown when no agent is online; blank: the default."),
    )
    # Business hours, pre-chat form and email (issue 11).
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_(
            "The time zone of the business hours, such as Europe/Berlin; blank: TIME_ZONE."
        ),
    )
    business_hours = models.JSONField(
        _("business hours"),
        default=dict,
        blank=True,
        help_text=_(
            'Opening times per weekday, for example {"mon": [["09:00", "17:30"]]}; a day that '
            "is missing is closed; empty: always open."
        ),
    )
    closed_dates = models.JSONField(
        _("closed dates"),
        default=list,
        blank=True,
        help_text=_('Days closed despite the hours, for example ["2026-12-25"].'),
    )
    reply_time = models.CharField(
        _("usual reply time"),
        max_length=80,
        blank=True,
        help_text=_(
            'Shown while open as "We usually reply within …", for example "a few minutes".'
        ),
    )
    prechat_enabled = models.BooleanField(
        _("pre-chat form"),
        default=False,
        help_text=_("Ask new visitors for their name and email before the first message."),
    )
    prechat_fields = models.JSONField(
        _("pre-chat custom fields"),
        default=list,
        blank=True,
        help_text=_(
            'Up to five more questions, for example [{"name": "order", "label": "Order number", '
            '"type": "text", "required": false}]; types: text, textarea, select (with '
            '"options"), checkbox.'
        ),
    )
    prechat_consent_text = models.CharField(
        _("pre-chat consent text"),
        max_length=500,
        blank=True,
        help_text=_("A checkbox the visitor must tick, such as a privacy notice; blank: none."),
    )
    email_followup = models.BooleanField(
        _("email unseen replies"),
        default=True,
        help_text=_("Email an agent's reply to a visitor who left an address and has not seen it."),
    )
    notify_agents = models.BooleanField(
        _("email agents"),
        default=True,
        help_text=_("Email the agents about a new conversation when none of them is online."),
    )
    auto_assign = models.BooleanField(
        _("assign automatically"),
        default=False,
        help_text=_(
            "Assign each new conversation to one of the agents online, in turn (round robin)."
        ),
    )
    retention_days = models.PositiveIntegerField(
        _("keep conversations for (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Conversations with no message for this many days are deleted by "
            "livechat_apply_retention; blank: LIVECHAT['RETENTION_DAYS'] (by default, for ever)."
        ),
    )

    class Meta:
        verbose_name = _("website")
        verbose_name_plural = _("websites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        # Store origins canonically (and once) so comparisons against Origin headers are exact.
        validate_origin_list(self.allowed_origins)
        self.allowed_origins = list(
            dict.fromkeys(normalize_origin(o) for o in self.allowed_origins)
        )
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        problems: dict[str, list[ValidationError]] = {}
        for field, validate in (
            ("time_zone", validate_time_zone),
            ("business_hours", validate_business_hours),
            ("closed_dates", validate_closed_dates),
            ("prechat_fields", validate_prechat_fields),
            ("responder", validate_responder_path),
        ):
            try:
                validate(getattr(self, field))
            except ValidationError as error:
                problems[field] = [error]
        if problems:
            raise ValidationError(problems)


class Conversation(models.Model):
    """One visitor's thread with a website's support team."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    website = models.ForeignKey(
        Website,
        on_delete=models.CASCADE,
        related_name="conversations",
        verbose_name=_("website"),
    )
    visitor_identifier = models.CharField(_("visitor identifier"), max_length=255, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    assigned_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="livechat_assigned_conversations",
        verbose_name=_("assigned agent"),
    )
    # The seq of the newest message: the per-conversation counter that
    # django_livechat.store increments under a row (or database) lock.
    last_seq = models.PositiveIntegerField(_("last sequence number"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    # Set by the store with a conversation's first agent message: responders ask "has a
    # person answered here?" of the conversation they are handed, without a query.
    agent_replied_at = models.DateTimeField(
        _("agent replied at"), null=True, blank=True, editable=False
    )
    # What the visitor told (pre-chat form, the email prompt) and saw, and their rating
    # (issue 11).
    visitor_name = models.CharField(_("visitor name"), max_length=200, blank=True)
    visitor_email = models.EmailField(_("visitor email"), blank=True)
    prechat = models.JSONField(_("pre-chat answers"), default=dict, blank=True)
    visitor_read_seq = models.PositiveIntegerField(
        _("last sequence number the visitor saw"), default=0
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    # The agent's workspace (issue 12).
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    # Bot responders (issue 13): the visitor asked for a person, the responder handed
    # over, or an agent took the conversation; the responder is not called after it.
    handoff_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    labels: models.ManyToManyField[Label, Any] = models.ManyToManyField(
        "Label", blank=True, related_name="conversations", verbose_name=_("labels")
    )

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        # Conversations without messages last, on every database.
        ordering = [models.F("last_message_at").desc(nulls_last=True), "-created_at"]
        permissions = [("reply_conversation", _("Can reply to live chat conversations"))]
        indexes = [
            # The inbox: a website's open conversations by last activity.
            models.Index(
                fields=["website", "status", "-last_message_at"],
                name="livechat_conv_inbox_idx",
            ),
            # The dashboards' catch-up: what changed since a moment.
            models.Index(fields=["website", "updated_at"], name="livechat_conv_changed_idx"),
        ]

    def __str__(self) -> str:
        who = self.visitor_identifier or _("anonymous visitor")
        # The website's name, not its UUID (the admin's lists select it with the row).
        return f"{who} @ {self.website}"


class Message(models.Model):
    """One message of a conversation, numbered gap-free by ``seq``."""

    class Role(models.TextChoices):
        USER = "user", _("Visitor")
        ASSISTANT = "assistant", _("Assistant")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("conversation"),
    )
    seq = models.PositiveIntegerField(_("sequence number"), validators=[MinValueValidator(1)])
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    content = models.TextField(_("content"))
    # NULL (not "") when absent, so the conditional unique constraint skips it.
    client_id = models.CharField(  # noqa: DJ001
        _("client id"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("Chosen by the sender; a retried send with the same id is stored once."),
    )
    is_auto = models.BooleanField(_("automatic"), default=False)
    is_manual = models.BooleanField(_("manual"), default=False)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="livechat_messages",
        verbose_name=_("sender"),
    )
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        # By the column, not the relation: ordering by "conversation" would join the
        # conversations table to sort by its own Meta.ordering.
        ordering = ["conversation_id", "seq"]
        constraints = [
            # Also the index behind "a conversation's messages after seq N".
            models.UniqueConstraint(
                fields=["conversation", "seq"], name="livechat_message_unique_seq"
            ),
            # One namespace of client_ids per sender role: a visitor's key can never name
            # the automatic reply (auto:<id>) or an agent's message.
            models.UniqueConstraint(
                fields=["conversation", "role", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="livechat_message_unique_role_client_id",
            ),
        ]
        indexes = [
            # "Has an agent replied here?" (the default responder, per visitor message)
            # without reading the whole conversation. Not a partial index: SQLite cannot
            # use one for a condition that arrives as a bound parameter.
            models.Index(fields=["conversation", "role"], name="livechat_message_role_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.role}: {self.content[:50]}"


class PendingReply(models.Model):
    """A visitor message whose automatic reply is still to be made.

    Stored in the same transaction as the message (unless the reply was stored with it)
    and deleted in the one that stores the reply, or when the responder has answered
    nothing or failed. ``claimed_until`` is the lease of the server process working on it:
    once it passes (the process died), any process may claim the message and answer it,
    so every visitor message gets its reply once, across crashes and restarts.
    """

    message = models.OneToOneField(
        Message,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="pending_reply",
        verbose_name=_("message"),
    )
    claimed_until = models.DateTimeField(_("claimed until"), db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)

    class Meta:
        verbose_name = _("pending reply")
        verbose_name_plural = _("pending replies")

    def __str__(self) -> str:
        return f"reply to {self.message_id} (attempt {self.attempts})"


class ReadMarker(models.Model):
    """How far one agent has read one conversation: the dashboard's unread counts."""

    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="read_markers",
        verbose_name=_("conversation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="livechat_read_markers",
        verbose_name=_("agent"),
    )
    last_read_seq = models.PositiveIntegerField(_("last read sequence number"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("read marker")
        verbose_name_plural = _("read markers")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="livechat_readmarker_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.conversation_id} up to #{self.last_read_seq}"


class AgentPresence(models.Model):
    """One open dashboard socket of an agent, for one website it serves.

    Written when the socket opens, refreshed by its heartbeat and deleted when it closes;
    a row whose process died expires at ``expires_at``. The number of distinct users with
    an unexpired row for a website is its ``agents_online``, in every server process.
    """

    channel_name = models.CharField(_("channel name"), max_length=200)
    website = models.ForeignKey(
        Website,
        on_delete=models.CASCADE,
        related_name="agent_presences",
        verbose_name=_("website"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="livechat_presences",
        verbose_name=_("agent"),
    )
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    # The conversation this dashboard has open, for the other agents to see (issue 12).
    viewing = models.ForeignKey(
        "Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("viewing"),
    )

    class Meta:
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presences")
        constraints = [
            models.UniqueConstraint(
                fields=["channel_name", "website"], name="livechat_presence_unique"
            ),
        ]
        indexes = [
            # agents_online: a website's unexpired rows.
            models.Index(fields=["website", "expires_at"], name="livechat_presence_count_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.website_id} until {self.expires_at:%H:%M:%S}"


# --- Issue 11: what site owners expect (hours, pre-chat, email follow-up, attachments,
# ratings). The behaviour lives in the pipeline and its own modules; these are the tables.

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class AttachmentStorage(LazyObject):  # type: ignore[type-arg]
    """``storages[LIVECHAT["ATTACHMENT_STORAGE"]]``, looked up on first use and again after
    ``STORAGES`` or ``LIVECHAT`` change (as Django's own ``default_storage`` is): a field's
    storage is fixed when the model class is made, the settings are not."""

    def _setup(self) -> None:
        self._wrapped = storages[livechat_settings.ATTACHMENT_STORAGE]

    def reset(self) -> None:
        self._wrapped = empty  # type: ignore[assignment]


_attachment_storage = AttachmentStorage()


def attachment_storage() -> Storage:
    """The storage of attachments: an alias of ``STORAGES`` ("default" unless
    ``LIVECHAT["ATTACHMENT_STORAGE"]`` names another), so django-storages works unchanged."""
    return _attachment_storage  # type: ignore[return-value]


@receiver(setting_changed)
def _storage_settings_changed(*, setting: str, **kwargs: object) -> None:
    if setting in ("STORAGES", "LIVECHAT"):
        _attachment_storage.reset()


class Attachment(models.Model):
    """A file a visitor or an agent sent; its message is stored by the pipeline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the scan")
        CLEAN = "clean", _("Clean")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("conversation"),
    )
    message = models.OneToOneField(
        Message,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachment",
        verbose_name=_("message"),
    )
    role = models.CharField(_("sent by"), max_length=16, choices=Message.Role.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file = models.FileField(
        _("file"),
        upload_to="livechat/attachments/%Y/%m/",
        storage=attachment_storage,
        max_length=300,
    )
    thumbnail = models.FileField(
        _("thumbnail"),
        upload_to="livechat/thumbnails/%Y/%m/",
        storage=attachment_storage,
        max_length=300,
        blank=True,
    )
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name


class EmailOutbox(models.Model):
    """An email to send, written in the transaction of what caused it and sent once by a
    background sender (claimed with a lease, like :class:`PendingReply`)."""

    class Kind(models.TextChoices):
        VISITOR_REPLY = "visitor_reply", _("Unseen reply, to the visitor")
        AGENT_NEW_CONVERSATION = "agent_new_conversation", _("New conversation, to an agent")
        AGENT_DIGEST = "agent_digest", _("Daily digest, to an agent")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conversation"),
    )
    send_after = models.DateTimeField(_("send after"), db_index=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["send_after"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to}"


class EmailOptOut(models.Model):
    """An address that asked for no more email from the chat (the unsubscribe link)."""

    address = models.EmailField(_("address"), unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("email opt-out")
        verbose_name_plural = _("email opt-outs")

    def __str__(self) -> str:
        return self.address

    def save(self, *args: object, **kwargs: object) -> None:
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class AgentPreference(models.Model):
    """How an agent wants to hear about new conversations when nobody is present."""

    class EmailNotifications(models.TextChoices):
        OFF = "off", _("Never")
        IMMEDIATE = "immediate", _("At once")
        DAILY = "daily", _("A daily digest")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="livechat_preference",
        verbose_name=_("user"),
    )
    email_notifications = models.CharField(
        _("email notifications"),
        max_length=16,
        choices=EmailNotifications.choices,
        default=EmailNotifications.IMMEDIATE,
    )
    last_digest_at = models.DateTimeField(_("last digest at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent preference")
        verbose_name_plural = _("agent preferences")

    def __str__(self) -> str:
        return str(self.user)


# --- Issue 12: the agent's workspace (canned replies, private notes, labels).


class CannedReply(models.Model):
    """A prepared answer an agent inserts with ``/shortcut``: a website's (``owner`` empty,
    shared by its agents) or an agent's own (``owner`` set; ``website`` empty: on every
    website they serve). Its text may hold placeholders such as ``{visitor_name}``."""

    website = models.ForeignKey(
        Website,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        verbose_name=_("website"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="livechat_canned_replies",
        verbose_name=_("owner"),
    )
    shortcut = models.SlugField(_("shortcut"), max_length=40, allow_unicode=True)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["shortcut"]
        constraints = [
            models.UniqueConstraint(
                fields=["website", "shortcut"],
                condition=models.Q(owner__isnull=True),
                name="livechat_canned_website_unique",
            ),
            models.UniqueConstraint(
                fields=["owner", "website", "shortcut"],
                condition=models.Q(owner__isnull=False),
                name="livechat_canned_owner_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"

    def clean(self) -> None:
        # Not a CheckConstraint: its keyword differs between the Django releases supported.
        if self.website_id is None and self.owner_id is None:
            raise ValidationError(_("A canned reply belongs to a website, an agent, or both."))


class Note(models.Model):
    """A private note on a conversation: agents only. Not a :class:`Message`, so that no
    visitor path (socket, HTTP, history, email) can carry it, and visitors' ``seq``
    stays without holes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="notes",
        verbose_name=_("conversation"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="livechat_notes",
        verbose_name=_("author"),
    )
    text = models.TextField(_("text"))
    client_id = models.CharField(_("client id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("private note")
        verbose_name_plural = _("private notes")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="livechat_note_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "author", "client_id"],
                condition=~models.Q(client_id=""),
                name="livechat_note_client_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Label(models.Model):
    """A website's label for conversations (``billing``, ``bug``...)."""

    website = models.ForeignKey(
        Website, on_delete=models.CASCADE, related_name="labels", verbose_name=_("website")
    )
    name = models.CharField(_("name"), max_length=40)
    color = models.CharField(
        _("colour"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour such as #1f6feb."))],
    )

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["website", "name"], name="livechat_label_unique"),
        ]

    def __str__(self) -> str:
        return self.name
