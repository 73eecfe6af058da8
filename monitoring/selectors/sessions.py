"""The session logs: the filtered list (and its exports) and one session's log."""

from collections.abc import Mapping

import django_filters
from django import forms
from django.db.models import Count, QuerySet

from clients.models import ClientProfile
from config.bounds import refuse_backwards
from config.filters import DayFilter
from conversations.models import Message, SafetyFlag
from monitoring.models import ErrorEvent
from sessions_app.models import PracticeSession


class _SessionFilterForm(forms.Form):
    def clean(self) -> dict:
        data = super().clean()
        refuse_backwards(data.get("since"), data.get("until"))
        return data


class SessionFilter(django_filters.FilterSet):
    """The staff session logs' filters; the query-string names are the ones bookmarks carry."""

    status = django_filters.ChoiceFilter(choices=PracticeSession.Status.choices, empty_label="Any")
    kind = django_filters.ChoiceFilter(choices=PracticeSession.Kind.choices, empty_label="Any")
    client = django_filters.ModelChoiceFilter(
        field_name="client_profile",
        queryset=ClientProfile.objects.only("id", "name").order_by("name"),
        empty_label="Any",
    )
    user = django_filters.CharFilter(
        field_name="student__username", max_length=150, label="Student (username)"
    )
    since = DayFilter(field_name="started_at", edge="start", label="From")
    until = DayFilter(field_name="started_at", edge="end", label="To")

    class Meta:
        form = _SessionFilterForm

    def sessions(self) -> QuerySet[PracticeSession]:
        """The filtered sessions; all of them while any filter is wrong (the page shows why)."""
        return self.qs if self.is_valid() else self.queryset


def session_filter(query: Mapping[str, str] | None) -> SessionFilter:
    """The filters of a query string, over every session newest first (student and client
    joined). An empty query is unbound: no errors to show."""
    sessions = PracticeSession.objects.select_related("student", "client_profile").order_by(
        "-started_at"
    )
    return SessionFilter(query or None, queryset=sessions)


def sessions_filtered(query: Mapping[str, str] | None = None) -> QuerySet[PracticeSession]:
    """Sessions for the logs and exports, newest first, as session_filter(query) keeps them."""
    return session_filter(query).sessions()


def session_log(session_id) -> dict:
    """The staff session log, for the page, its polling fallback and its socket: the session
    with its student and client, its transcript, its errors and its safety flags (four
    queries). Raises PracticeSession.DoesNotExist.

    Not "messages": that name is the messages framework's, which base.html shows as a banner."""
    session = PracticeSession.objects.select_related("student", "client_profile").get(pk=session_id)
    return {
        "session": session,
        "transcript": list(Message.objects.filter(session=session).order_by("sequence_number")),
        "errors": list(ErrorEvent.objects.filter(session=session).order_by("created_at")),
        "safety_flags": list(SafetyFlag.objects.filter(session=session).select_related("message")),
    }


def message_counts(session_ids: list) -> dict:
    """Messages per session for one page of sessions (one query over the page's ids)."""
    rows = (
        Message.objects.filter(session_id__in=session_ids)
        .values("session_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["session_id"]: row["n"] for row in rows}
