from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars

from conversations.models import Message, SafetyFlag
from sessions_app.admin import ReadOnlyAdmin
from sessions_app.money import usd


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = (
        "timestamp",
        "session",
        "sequence_number",
        "role",
        "status",
        "excerpt",
        "token_count",
        "cost_display",
        "total_ms",
    )
    list_filter = ("role", "status", "filtered_reason")
    search_fields = ("content", "session__student__username", "=session__id")
    list_select_related = ("session", "session__student")
    date_hierarchy = "timestamp"
    list_per_page = 100
    readonly_fields = (
        "id",
        "session",
        "sequence_number",
        "role",
        "status",
        "content",
        "filtered_reason",
        "original_content",
        "timestamp",
        "client_msg_id",
        "token_count",
        "input_tokens",
        "output_tokens",
        "cache_write_tokens",
        "cache_read_tokens",
        "cost_display",
        "first_token_ms",
        "total_ms",
        "lease_expires_at",
    )
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).select_related("session", "session__student")

    def get_ordering(self, request: HttpRequest) -> list[str]:
        # Filtered to one session (the link from the session page) it reads as a transcript.
        if "session" in request.GET:
            return ["sequence_number"]
        return ["-timestamp"]

    @admin.display(description="Content")
    def excerpt(self, message: Message) -> str:
        return truncatechars(message.content, 80)

    @admin.display(description="Cost", ordering="cost")
    def cost_display(self, message: Message) -> str:
        return usd(message.cost)


@admin.register(SafetyFlag)
class SafetyFlagAdmin(ReadOnlyAdmin):
    """Raised by the engine, read here; deleted only with its session (monitoring.datacare)."""

    list_display = ("created_at", "kind", "session", "message_number")
    list_filter = ("kind",)
    search_fields = ("session__student__username", "=session__id")
    list_select_related = ("session", "session__student", "message")
    date_hierarchy = "created_at"
    list_per_page = 100
    readonly_fields = ("created_at", "kind", "session", "message")
    fields = readonly_fields

    @admin.display(description="Message", ordering="message__sequence_number")
    def message_number(self, flag: SafetyFlag) -> str:
        return "-" if flag.message is None else f"#{flag.message.sequence_number}"
