"""Sessions and transcripts are records: staff read them here, and only the services write them."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from config.admin_dates import BoundedDatesAdmin
from conversations.models import Message
from monitoring.admin_exports import export_actions
from sessions_app.models import PracticeSession
from sessions_app.money import usd

# Past this many messages the session page shows a link to the paginated message list instead.
INLINE_MESSAGE_LIMIT = 200


def duration_text(duration: timedelta | None) -> str:
    if duration is None:
        return "-"
    seconds = max(int(duration.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"


class ReadOnlyAdmin(BoundedDatesAdmin, admin.ModelAdmin):
    """Viewable and exportable; never added, changed or deleted here (transcripts stay whole)."""

    actions = export_actions()

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class MessageInline(admin.TabularInline):
    model = Message
    fields = (
        "sequence_number",
        "role",
        "status",
        "content",
        "token_count",
        "cost_text",
        "timestamp",
    )
    readonly_fields = fields
    ordering = ("sequence_number",)
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Cost")
    def cost_text(self, message: Message) -> str:
        return usd(message.cost)


@admin.register(PracticeSession)
class PracticeSessionAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "student",
        "client_name",
        "kind",
        "status",
        "turn_count",
        "duration_display",
        "total_tokens",
        "cost_display",
        "demo_mode",
    )
    list_filter = ("status", "kind", "demo_mode", "model", "prompt_version")
    search_fields = ("=id", "student__username", "student__last_name", "client_profile__name")
    list_select_related = ("student", "client_profile")
    date_hierarchy = "started_at"
    list_per_page = 50
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "student",
                    "client_profile",
                    "kind",
                    "status",
                    "started_at",
                    "ended_at",
                    "last_activity_at",
                    "duration_display",
                    "messages_link",
                )
            },
        ),
        ("Model", {"fields": ("model", "prompt_version", "demo_mode")}),
        (
            "Usage",
            {
                "fields": (
                    "turn_count",
                    "total_tokens",
                    "input_tokens",
                    "output_tokens",
                    "cache_write_tokens",
                    "cache_read_tokens",
                    "cost_display",
                )
            },
        ),
        ("Client", {"fields": ("client_snapshot", "client_state"), "classes": ["collapse"]}),
    )
    # Nothing here is editable: every field shown is read-only, computed ones included.
    readonly_fields = tuple(name for _, options in fieldsets for name in options["fields"])
    inlines = [MessageInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PracticeSession]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                _turn_count=Count("messages", filter=Q(messages__role=Message.Role.STUDENT)),
                _message_count=Count("messages"),
            )
        )

    def get_inlines(self, request: HttpRequest, obj: PracticeSession | None) -> list:
        # A very long transcript would make one enormous page: link to the paginated list.
        if obj is not None and getattr(obj, "_message_count", 0) > INLINE_MESSAGE_LIMIT:
            return []
        return self.inlines

    @admin.display(description="Client", ordering="client_profile__name")
    def client_name(self, session: PracticeSession) -> str:
        return session.client_name

    @admin.display(description="Student turns", ordering="_turn_count")
    def turn_count(self, session: PracticeSession) -> int:
        return getattr(session, "_turn_count", 0)

    @admin.display(description="Duration")
    def duration_display(self, session: PracticeSession) -> str:
        return duration_text(session.duration)

    @admin.display(description="Cost", ordering="estimated_cost")
    def cost_display(self, session: PracticeSession) -> str:
        return usd(session.estimated_cost)

    @admin.display(description="Messages")
    def messages_link(self, session: PracticeSession) -> str:
        url = reverse("admin:conversations_message_changelist") + f"?session={session.pk}"
        return format_html(
            '<a href="{}">All {} messages, page by page</a>',
            url,
            getattr(session, "_message_count", 0),
        )
