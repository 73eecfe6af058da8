from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from clients.cards import (
    CARD_FIELDS,
    CARD_FORMAT,
    V2_ONLY_FIELDS,
    CardError,
    card_part_validate,
    card_validate,
)
from clients.models import ClientProfile


class ClientProfileAdminForm(forms.ModelForm):
    """Staff edit the card's disclosures, risk and voice as raw JSON: each part is checked on its
    own, then the whole card as an import checks it, so staff are held to the card's rules (a
    disclosure has a level and keywords, and no secret is in view before its level)."""

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
        if not self.errors:
            self._check_whole_card(cleaned)
        return cleaned

    def _check_whole_card(self, cleaned: dict[str, Any]) -> None:
        """The card's rules across its fields, each problem on the field it names."""
        fields = {name: cleaned[name] for name in CARD_FIELDS if name in cleaned}
        # A field the admin does not show keeps the client's own value.
        fields |= {
            name: getattr(self.instance, name)
            for name in CARD_FIELDS
            if name not in fields and name not in self.fields
        }
        try:
            card_validate({"format": CARD_FORMAT} | fields, source="card")
        except CardError as error:
            for path, problem in error.problems or [("card", str(error))]:
                field = path.split(".")[0]
                self.add_error(field if field in self.fields else None, f"{path}: {problem}")


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
