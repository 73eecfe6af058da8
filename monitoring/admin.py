from django.contrib import admin
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars

from config.admin_dates import BoundedDatesAdmin
from monitoring.admin_exports import export_actions
from monitoring.models import ErrorEvent, TeacherFeedback


@admin.register(ErrorEvent)
class ErrorEventAdmin(BoundedDatesAdmin, admin.ModelAdmin):
    """Recorded by the code, read by staff; old events may be deleted."""

    list_display = ("created_at", "severity", "kind", "excerpt", "status_code", "user", "session")
    list_filter = ("severity", "kind")
    search_fields = ("kind", "message", "user__username", "=session__id")
    list_select_related = ("user", "session", "session__student")
    date_hierarchy = "created_at"
    list_per_page = 100
    actions = export_actions()
    readonly_fields = (
        "created_at",
        "kind",
        "severity",
        "message",
        "status_code",
        "session",
        "user",
        "details",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Message")
    def excerpt(self, event: ErrorEvent) -> str:
        return truncatechars(event.message, 100)


@admin.register(TeacherFeedback)
class TeacherFeedbackAdmin(BoundedDatesAdmin, admin.ModelAdmin):
    """Written by teachers through /feedback/; read (and exported) here."""

    list_display = ("created_at", "teacher", "overall_impression", "client_quality")
    list_select_related = ("teacher",)
    date_hierarchy = "created_at"
    search_fields = ("teacher__username", "what_worked", "needs_improvement", "feature_requests")
    readonly_fields = (
        "created_at",
        "teacher",
        "overall_impression",
        "client_quality",
        "what_worked",
        "needs_improvement",
        "feature_requests",
    )
    fields = readonly_fields
    actions = export_actions()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
