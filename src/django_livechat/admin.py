"""Admin for websites, conversations and messages.

Scoping follows the dashboard's rule (:func:`django_livechat.permissions.served_websites`):
a superuser sees every website; any other staff user sees only the websites they serve as
an agent, and only those websites' conversations and messages, whatever model permissions
they hold. Another website's object answers 404, as one that does not exist; list filters
and relation choices offer only what is in scope. Who serves a website (its ``agents``) is
changed by superusers only; a website an agent adds is theirs.

Conversations and messages are the chat's record: the admin shows them read-only and
leaves writing to the pipeline, which keeps ``seq`` and idempotency intact.

A website's identity secret lets its holder mark any visitor as verified. The admin shows
it once, in a message on the page after the website is added or after the action
"Regenerate identity secret", and never again, to superusers neither: no form, list,
search or filter reads it. A lost secret is regenerated (and the host site updated).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core.handlers.asgi import ASGIRequest
from django.db.models import Model, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from django_livechat.data import erasure, export
from django_livechat.models import (
    AgentPreference,
    Attachment,
    CannedReply,
    Conversation,
    EmailOptOut,
    EmailOutbox,
    Label,
    Message,
    Note,
    Website,
    generate_identity_secret,
)
from django_livechat.permissions import served_websites

#: How each model's rows reach the website they belong to.
WEBSITE_PATHS: dict[type[Model], str] = {
    Website: "pk",
    Conversation: "website",
    Message: "conversation__website",
    Attachment: "conversation__website",
    Label: "website",
}


def in_scope(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    """The rows of ``queryset`` that belong to websites ``user`` may see in the admin."""
    if user.is_active and user.is_superuser:
        return queryset
    path = WEBSITE_PATHS[queryset.model]
    scoped: QuerySet[Any] = queryset.filter(**{f"{path}__in": served_websites(user)})
    return scoped


class WebsiteScopedAdmin(admin.ModelAdmin):
    """A model admin that shows a non-superuser only their own websites' rows."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return in_scope(super().get_queryset(request), request.user)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        found = super().get_object(request, object_id, from_field)
        if found is None:
            # Out of scope reads as missing, with no hint that it exists (Django's
            # default would redirect to the index with a message).
            raise Http404(f"No {self.opts.verbose_name} matches the given query.")
        return found

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        related = db_field.related_model
        if related in WEBSITE_PATHS and "queryset" not in kwargs:
            kwargs["queryset"] = in_scope(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class WebsiteListFilter(admin.RelatedFieldListFilter):
    """The filter by website, offering only the websites the user may see."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        websites = in_scope(Website.objects.all(), request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, limit_choices_to={"pk__in": websites}, ordering=ordering
        )


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WebsiteAdminForm(ModelForm):
    """A blank JSON field is its empty value (no hours, no dates, no questions), not null."""

    class Meta:
        model = Website
        exclude: list[str] = []

    def clean_business_hours(self) -> Any:
        return self.cleaned_data.get("business_hours") or {}

    def clean_closed_dates(self) -> Any:
        return self.cleaned_data.get("closed_dates") or []

    def clean_prechat_fields(self) -> Any:
        return self.cleaned_data.get("prechat_fields") or []


@admin.register(Website)
class WebsiteAdmin(WebsiteScopedAdmin):
    form = WebsiteAdminForm
    list_display = ["name", "id", "is_active", "created_at"]
    list_filter = ["is_active", "created_at"]
    search_fields = ["name", "id", "allowed_origins"]
    filter_horizontal = ["agents"]
    readonly_fields = ["id", "identity_secret_state", "created_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "id",
                    "name",
                    "is_active",
                    "allowed_origins",
                    "auto_response_text",
                    "agents",
                    "identity_secret_state",
                    "created_at",
                ]
            },
        ),
        (
            _("Widget appearance"),
            {
                "fields": [
                    "widget_color",
                    "widget_theme",
                    "widget_position",
                    "widget_title",
                    "widget_greeting",
                    "widget_away_text",
                ],
                "description": _(
                    "How this website's chat widget looks and what it says. A blank field "
                    "uses the LIVECHAT setting, else the built-in default; the template "
                    "tag's arguments on a page win over both."
                ),
            },
        ),
        (
            _("Business hours"),
            {
                "fields": ["time_zone", "business_hours", "closed_dates", "reply_time"],
                "description": _(
                    "When the website is open. Outside these hours the widget shows that "
                    "it is closed and the automatic reply says so; visitors can still "
                    "write. Empty hours: always open."
                ),
            },
        ),
        (
            _("Pre-chat form"),
            {
                "fields": ["prechat_enabled", "prechat_consent_text", "prechat_fields"],
                "description": _(
                    "Questions new visitors answer before their first message (never asked "
                    "of visitors your site identifies)."
                ),
            },
        ),
        (_("Email"), {"fields": ["email_followup", "notify_agents"]}),
        (_("Assignment and retention"), {"fields": ["auto_assign", "retention_days"]}),
        (
            _("Bot"),
            {
                "fields": ["bot_enabled", "responder"],
                "description": _(
                    "The automatic replies: off stops them on this website (and one on its "
                    "way). The responder is the dotted path of a function of your project; "
                    "blank: LIVECHAT['RESPONDER']. Only superusers may change it: it names "
                    "code the server runs."
                ),
            },
        ),
    ]
    actions = ["regenerate_identity_secret"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields.extend(["agents", "responder"])
        return fields

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # ?identity_secret__startswith=... would read the secret a character at a time.
        if lookup.split(LOOKUP_SEP)[0] == "identity_secret":
            return False
        since_django_50 = (request,) if request is not None else ()
        return super().lookup_allowed(lookup, value, *since_django_50)

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        if not change and not request.user.is_superuser:
            form.instance.agents.add(request.user)

    def response_add(
        self, request: HttpRequest, obj: Website, post_url_continue: str | None = None
    ) -> HttpResponse:
        self.show_identity_secret(request, obj)
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description=_("identity secret"))
    def identity_secret_state(self, obj: Website) -> str:
        if obj._state.adding:
            return gettext("Made when the website is saved, and shown once then.")
        return gettext(
            "Set. It was shown once, when it was made; if it is lost, select the website in "
            "the list and run the action “Regenerate identity secret”."
        )

    @admin.action(description=_("Regenerate identity secret"), permissions=["change"])
    def regenerate_identity_secret(self, request: HttpRequest, queryset: QuerySet[Website]) -> None:
        for website in queryset:
            website.identity_secret = generate_identity_secret()
            website.save(update_fields=["identity_secret"])
            self.log_change(request, website, gettext("Regenerated the identity secret."))
            self.show_identity_secret(request, website)

    def show_identity_secret(self, request: HttpRequest, website: Website) -> None:
        """The one time the secret is displayed: in a message on the next page."""
        messages.warning(
            request,
            format_html(
                gettext(
                    "The identity secret of “{}” is <code>{}</code>. Copy it now to the "
                    "server that computes your visitors' identifier hashes: it is not shown "
                    "again."
                ),
                website.name,
                website.identity_secret,
            ),
        )


#: Long unbroken text (a URL, a pasted token) breaks anywhere rather than widen the page.
WRAPPED = "white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word"


def wrapped(text: str) -> str:
    return format_html('<div style="{}">{}</div>', WRAPPED, text)


class WrappedContentMixin:
    @admin.display(description=_("content"))
    def wrapped_content(self, obj: Message) -> str:
        """The message's text, wrapped however long its words are."""
        return wrapped(obj.content)


class MessageInline(WrappedContentMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    ordering = ["seq"]
    fields = ["seq", "role", "wrapped_content", "is_auto", "is_manual", "sender", "created_at"]
    readonly_fields = [
        "seq",
        "role",
        "wrapped_content",
        "is_auto",
        "is_manual",
        "sender",
        "created_at",
    ]
    show_change_link = True


class NoteInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The agents' private notes, read only (agents write them in the dashboard)."""

    model = Note
    extra = 0
    can_delete = False
    ordering = ["created_at"]
    fields = ["author", "wrapped_text", "created_at"]
    readonly_fields = ["author", "wrapped_text", "created_at"]

    @admin.display(description=_("text"))
    def wrapped_text(self, obj: Note) -> str:
        return wrapped(obj.text)


def export_response(
    request: HttpRequest, queryset: QuerySet[Conversation], fmt: str
) -> StreamingHttpResponse:
    """The export of ``queryset`` (CSV or JSON Lines) as a download, streamed."""
    lines = export.export_lines(queryset, fmt)
    # Under ASGI, Django reads a synchronous iterator to its end before sending a byte:
    # an async one that reads a chunk at a time keeps a large export out of memory.
    content = _chunks_async(lines) if isinstance(request, ASGIRequest) else lines
    response = StreamingHttpResponse(content, content_type=export.CONTENT_TYPES[fmt])
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="conversations-{stamp}.{fmt}"'
    return response


async def _chunks_async(lines: Iterator[str]) -> AsyncIterator[str]:
    # Thread-sensitive: every chunk on the request's one thread, where its cursor lives.
    next_chunk = sync_to_async(_next_chunk, thread_sensitive=True)
    while chunk := await next_chunk(lines):
        yield chunk


def _next_chunk(lines: Iterator[str]) -> str:
    return "".join(itertools.islice(lines, 200))


def visitor_label(visitor: erasure.Visitor) -> str:
    if visitor.identifier:
        return gettext("Identifier %(identifier)s") % {"identifier": visitor.identifier}
    if visitor.email:
        return visitor.email
    return gettext("Anonymous visitor of %(conversation)s") % {
        "conversation": visitor.conversation_id
    }


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdminMixin, WebsiteScopedAdmin):
    list_display = [
        "id",
        "website",
        "visitor_identifier",
        "visitor_email",
        "status",
        "assigned_agent",
        "rating",
        "last_seq",
        "last_message_at",
    ]
    list_filter = [
        "status",
        ("website", WebsiteListFilter),
        "created_at",
        "last_message_at",
    ]
    search_fields = [
        "id",
        "visitor_identifier",
        "visitor_email",
        "visitor_name",
        "website__name",
        "messages__content",
    ]
    list_select_related = ["website", "assigned_agent"]
    readonly_fields = [
        "id",
        "website",
        "visitor_identifier",
        "visitor_name",
        "visitor_email",
        "metadata",
        "prechat",
        "status",
        "assigned_agent",
        "rating",
        "rating_comment",
        "rated_at",
        "last_seq",
        "created_at",
        "updated_at",
        "last_message_at",
    ]
    inlines = [MessageInline, NoteInline]
    date_hierarchy = "created_at"
    actions = ["export_csv", "export_jsonl", "erase_visitors"]

    @admin.action(description=_("Export selected conversations as CSV"), permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> Any:
        return export_response(request, queryset, "csv")

    @admin.action(
        description=_("Export selected conversations as JSON Lines"), permissions=["view"]
    )
    def export_jsonl(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> Any:
        return export_response(request, queryset, "jsonl")

    @admin.action(description=_("Erase these visitors' data"), permissions=["delete"])
    def erase_visitors(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> Any:
        """Everything of the selected conversations' visitors, on the websites the user
        may see, after a page that says what goes (``livechat_erase_visitor``'s dry run)."""
        user: Any = request.user
        within = None if user.is_active and user.is_superuser else served_websites(user)
        visitors = erasure.visitors_of(queryset, within)
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Erase these visitors' data"),
                "opts": self.opts,
                "visitors": visitors,
                "erasures": [
                    (visitor_label(v), erasure.erase_visitor(v, dry_run=True).removal)
                    for v in visitors
                ],
                "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "django_livechat/admin/erase_visitors.html", context)
        conversations = 0
        for visitor in visitors:
            conversations += erasure.erase_visitor(visitor).removal.conversations
        self.message_user(
            request,
            gettext("Erased %(visitors)d visitor(s): %(conversations)d conversation(s).")
            % {"visitors": len(visitors), "conversations": conversations},
        )
        return None

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        # Searching message content spans a many-relation: keep rows unique.
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False


@admin.register(Message)
class MessageAdmin(WrappedContentMixin, ReadOnlyAdminMixin, WebsiteScopedAdmin):
    list_display = [
        "conversation",
        "website",
        "seq",
        "role",
        "short_content",
        "is_auto",
        "created_at",
    ]
    list_filter = [
        "role",
        "is_auto",
        "is_manual",
        ("conversation__website", WebsiteListFilter),
        "created_at",
    ]
    search_fields = ["content", "client_id", "conversation__id", "conversation__visitor_identifier"]
    # The conversation's and the website's names, without a query per row.
    list_select_related = ["conversation__website"]
    fields = [
        "id",
        "conversation",
        "seq",
        "role",
        "wrapped_content",
        "client_id",
        "is_auto",
        "is_manual",
        "sender",
        "metadata",
        "created_at",
    ]
    readonly_fields = [
        "id",
        "conversation",
        "seq",
        "role",
        "wrapped_content",
        "client_id",
        "is_auto",
        "is_manual",
        "sender",
        "metadata",
        "created_at",
    ]

    @admin.display(description=_("content"))
    def short_content(self, obj: Message) -> str:
        text = obj.content if len(obj.content) <= 80 else obj.content[:79] + "…"
        return wrapped(text)

    @admin.display(description=_("website"), ordering="conversation__website__name")
    def website(self, obj: Message) -> str:
        return obj.conversation.website.name


#: The attachment admin's fields, all read only.
ATTACHMENT_FIELDS: tuple[str, ...] = (
    "id",
    "conversation",
    "message",
    "role",
    "uploaded_by",
    "name",
    "download",
    "content_type",
    "size",
    "sha256",
    "status",
    "created_at",
)


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdminMixin, WebsiteScopedAdmin):
    """Files sent in conversations, read-only like messages. The file is linked through
    the API's serving view (its safe headers, its access check), never the storage's own
    URL, which would serve a hostile upload as the storage sees fit."""

    list_display = ["name", "website", "role", "content_type", "size", "status", "created_at"]
    list_filter = ["status", "role", ("conversation__website", WebsiteListFilter), "created_at"]
    search_fields = ["name", "sha256", "conversation__id"]
    list_select_related = ["conversation__website"]
    # Everything is shown, nothing is editable: attachments are evidence.
    fields = ATTACHMENT_FIELDS
    readonly_fields = ATTACHMENT_FIELDS

    @admin.display(description=_("website"), ordering="conversation__website__name")
    def website(self, obj: Attachment) -> str:
        return obj.conversation.website.name

    @admin.display(description=_("file"))
    def download(self, obj: Attachment) -> str:
        if obj.status != str(Attachment.Status.CLEAN) or obj.message_id is None:
            return "-"
        url = reverse("django_livechat:api-attachment", kwargs={"attachment_id": str(obj.pk)})
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))


# ---------------------------------------------------------------- email (issue 11)


class SuperuserOnlyMixin:
    """Email rows span websites (a digest lists several): superusers only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


@admin.register(EmailOutbox)
class EmailOutboxAdmin(SuperuserOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the chat emailed or will email; failures keep their ``last_error``."""

    list_display = ["kind", "to", "subject", "send_after", "sent_at", "attempts", "last_error"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["to", "subject", "dedupe_key"]
    readonly_fields = [
        "kind",
        "to",
        "subject",
        "body_text",
        "body_html",
        "conversation",
        "dedupe_key",
        "send_after",
        "claimed_until",
        "attempts",
        "sent_at",
        "last_error",
        "created_at",
    ]
    actions = ["send_again"]

    @admin.action(description=_("Try the selected unsent emails again"))
    def send_again(self, request: HttpRequest, queryset: QuerySet[EmailOutbox]) -> None:
        count = queryset.filter(sent_at__isnull=True).update(
            attempts=0, claimed_until=None, send_after=timezone.now()
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d email will be sent again.",
                "%(count)d emails will be sent again.",
                count,
            )
            % {"count": count},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


@admin.register(EmailOptOut)
class EmailOptOutAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ["address", "created_at"]
    search_fields = ["address"]


@admin.register(AgentPreference)
class AgentPreferenceAdmin(SuperuserOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "email_notifications", "last_digest_at"]
    list_filter = ["email_notifications"]
    readonly_fields = ["last_digest_at"]
    raw_id_fields = ["user"]


# ---------------------------------------------------------------- the agent's workspace


@admin.register(Label)
class LabelAdmin(WebsiteScopedAdmin):
    list_display = ["name", "website", "color"]
    list_filter = [("website", WebsiteListFilter)]
    search_fields = ["name"]
    list_select_related = ["website"]


@admin.register(CannedReply)
class CannedReplyAdmin(WebsiteScopedAdmin):
    """Canned replies: a website's (no owner) and agents' own. A user other than a
    superuser sees those of the websites they serve and their own, and may make only
    their own personal ones (owner: themselves) or their websites' ones."""

    list_display = ["shortcut", "website", "owner", "updated_at"]
    list_filter = [("website", WebsiteListFilter)]
    search_fields = ["shortcut", "text"]
    list_select_related = ["website", "owner"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        replies: QuerySet[Any] = admin.ModelAdmin.get_queryset(self, request)
        user: Any = request.user
        if user.is_active and user.is_superuser:
            return replies
        scoped: QuerySet[Any] = replies.filter(
            Q(owner__isnull=True, website__in=served_websites(user)) | Q(owner=user.pk)
        )
        return scoped

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        user: Any = request.user
        if db_field.name == "owner" and not (user.is_active and user.is_superuser):
            kwargs["queryset"] = get_user_model()._default_manager.filter(pk=user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
