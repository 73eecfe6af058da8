from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars

from conversations.models import Message
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
    list_filter = ("role", "status")
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
