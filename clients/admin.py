from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from clients.cards import V2_ONLY_FIELDS, CardError, card_part_validate
from clients.models import ClientProfile


class ClientProfileAdminForm(forms.ModelForm):
    """Staff edit the card's disclosures, risk and voice as raw JSON: each is checked as an
    import would check it, so the prompts never meet a disclosure without a level or keywords."""

    class Meta:
        model = ClientProfile
        fields = V2_ONLY_FIELDS  # the admin's fieldsets add the rest

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in V2_ONLY_FIELDS:
            if name not in cleaned:
                continue
            try:
                cleaned[name] = card_part_validate(name, cleaned[name])
            except CardError as error:
                self.add_error(name, str(error))
        return cleaned


@admin.register(ClientProfile)
class ClientProfileAdmin(admin.ModelAdmin):
    form = ClientProfileAdminForm
    list_display = (
        "name",
        "owner",
        "is_published",
        "difficulty",
        "communication_style",
        "resistance_level",
        "session_count",
        "updated_at",
    )
    list_filter = ("is_published", "difficulty", "communication_style", "resistance_level")
    search_fields = ("name", "presenting_problem", "owner__username", "owner__last_name")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = ("id", "created_at", "updated_at", "session_count")
    actions = ["publish", "unpublish"]
    fieldsets = (
        (None, {"fields": ("id", "owner", "is_published", "created_at", "updated_at")}),
        (
            "Who the client is",
            {
                "fields": (
                    "name",
                    "age",
                    "pronouns",
                    "occupation",
                    "cultural_background",
                    "presenting_problem",
                    "background_history",
                    "personality",
                    "emotional_state",
                )
            },
        ),
        (
            "How the client talks",
            {
                "fields": (
                    "communication_style",
                    "resistance_level",
                    "core_beliefs",
                    "coping_strategies",
                    "disclosures",
                    "risk",
                    "voice",
                    "goals",
                    "opening_statement",
                )
            },
        ),
        (
            "Teaching",
            {
                "fields": (
                    "difficulty",
                    "learning_objectives",
                    "session_time_limit_minutes",
                    "content_warnings",
                    "teacher_notes",
                    "session_count",
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClientProfile]:
        return super().get_queryset(request).annotate(_session_count=Count("practice_sessions"))

    @admin.display(description="Sessions", ordering="_session_count")
    def session_count(self, client: ClientProfile) -> int:
        return getattr(client, "_session_count", 0)

    @admin.action(description="Publish to students")
    def publish(self, request: HttpRequest, queryset: QuerySet[ClientProfile]) -> None:
        count = queryset.update(is_published=True)
        messages.success(request, f"Published {count} client(s).")

    @admin.action(description="Unpublish (hide from students)")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[ClientProfile]) -> None:
        count = queryset.update(is_published=False)
        messages.success(request, f"Unpublished {count} client(s).")
