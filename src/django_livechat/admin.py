"""Admin for websites, conversations and messages.

Conversations and messages are the chat's record: the admin shows them read-only and
leaves writing to the pipeline, which keeps ``seq`` and idempotency intact.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from django_livechat.models import Conversation, Message, Website


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Website)
class WebsiteAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "is_active", "created_at"]
    list_filter = ["is_active", "created_at"]
    search_fields = ["name", "id", "allowed_origins"]
    filter_horizontal = ["agents"]
    readonly_fields = ["id", "created_at"]
    fields = [
        "id",
        "name",
        "is_active",
        "allowed_origins",
        "auto_response_text",
        "agents",
        "identity_secret",
        "created_at",
    ]


class MessageInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    ordering = ["seq"]
    fields = ["seq", "role", "content", "is_auto", "is_manual", "sender", "created_at"]
    readonly_fields = ["seq", "role", "content", "is_auto", "is_manual", "sender", "created_at"]
    show_change_link = True


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "website",
        "visitor_identifier",
        "status",
        "assigned_agent",
        "last_seq",
        "last_message_at",
    ]
    list_filter = ["status", "website", "created_at", "last_message_at"]
    search_fields = ["id", "visitor_identifier", "website__name", "messages__content"]
    list_select_related = ["website", "assigned_agent"]
    readonly_fields = [
        "id",
        "website",
        "visitor_identifier",
        "metadata",
        "status",
        "assigned_agent",
        "last_seq",
        "created_at",
        "updated_at",
        "last_message_at",
    ]
    inlines = [MessageInline]
    date_hierarchy = "created_at"

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        # Searching message content spans a many-relation: keep rows unique.
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["conversation", "seq", "role", "short_content", "is_auto", "created_at"]
    list_filter = ["role", "is_auto", "is_manual", "conversation__website", "created_at"]
    search_fields = ["content", "client_id", "conversation__id", "conversation__visitor_identifier"]
    list_select_related = ["conversation"]
    readonly_fields = [
        "id",
        "conversation",
        "seq",
        "role",
        "content",
        "client_id",
        "is_auto",
        "is_manual",
        "sender",
        "metadata",
        "created_at",
    ]

    @admin.display(description="content")
    def short_content(self, obj: Message) -> str:
        return obj.content if len(obj.content) <= 80 else obj.content[:79] + "…"
