"""Reads for the teacher's history and review pages.

Every query here is a fixed number of queries whatever the number of rows: aggregates and
annotations, never a query per session.
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import (
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
)
from django.db.models.functions import Coalesce

from accounts.models import User
from config.filters import DayFilter, IdFilter
from conversations.models import Message, SafetyFlag, TurnState
from reviews.models import SessionReview
from reviews.skill_summary import SkillSummary, skill_summary
from sessions_app.models import PracticeSession, SessionReflection


def sessions_for_teacher(*, teacher: User) -> QuerySet[PracticeSession]:
    """The teacher's own tests and every session students held with the teacher's clients."""
    return PracticeSession.objects.filter(client_profile__owner=teacher)


def awaiting_review(sessions: QuerySet[PracticeSession]) -> QuerySet[PracticeSession]:
    """The sessions a teacher still owes feedback on ("to review", "Not reviewed").

    A student's practice session (not a teacher's test or preview) that has ended, completed or
    abandoned, after at least one student turn, and whose feedback has not been released: no
    review yet, or a draft the student cannot see. docs/teaching.md says the same."""
    student_turns = Message.objects.filter(session=OuterRef("pk"), role=Message.Role.STUDENT)
    return (
        sessions.filter(kind=PracticeSession.Kind.PRACTICE)
        .exclude(status=PracticeSession.Status.ACTIVE)
        .filter(Exists(student_turns))
        .filter(Q(review__isnull=True) | Q(review__released_at__isnull=True))
    )


def sessions_to_review_count(*, teacher: User) -> int:
    """How many sessions with the teacher's clients await review (one query)."""
    return awaiting_review(sessions_for_teacher(teacher=teacher)).count()


REVIEW_STATES = [("pending", "Not reviewed")]
# The history's kinds: a preview (a teacher test marked ClientPreview) is told apart.
HISTORY_KINDS = [*PracticeSession.Kind.choices, ("preview", "Preview")]


def _kind(sessions: QuerySet, name: str, kind: str) -> QuerySet:
    if kind == "preview":
        return sessions.filter(preview__isnull=False)
    return sessions.filter(kind=kind)


def _review(sessions: QuerySet, name: str, state: str) -> QuerySet:
    return awaiting_review(sessions)  # "pending", the one state offered


class HistoryFilter(django_filters.FilterSet):
    """The teacher's history filters. A value that is wrong (an unknown kind, a date out of
    bounds, an id too long) leaves its filter out; the query-string names are the ones
    bookmarks carry ("from" and "to" are Python keywords, hence the declared names)."""

    client = django_filters.UUIDFilter(field_name="client_profile_id")
    student = IdFilter(field_name="student_id")
    kind = django_filters.ChoiceFilter(choices=HISTORY_KINDS, method=_kind)
    status = django_filters.ChoiceFilter(choices=PracticeSession.Status.choices)
    review = django_filters.ChoiceFilter(choices=REVIEW_STATES, method=_review)
    date_from = DayFilter(field_name="started_at", edge="start")
    date_to = DayFilter(field_name="started_at", edge="end")

    def __init__(self, data: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.filters["from"] = self.filters.pop("date_from")
        self.filters["to"] = self.filters.pop("date_to")

    def shown(self) -> dict[str, Any]:
        """The filters in force by name, as the form shows them: text, a date, or "" if none."""
        self.is_valid()  # cleans the form once, if bound
        data = getattr(self.form, "cleaned_data", {})
        return {name: _shown(data.get(name)) for name in self.filters}


def _shown(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value or ""
    return str(value)


def history_filter(sessions: QuerySet[PracticeSession], query: Mapping[str, str]) -> HistoryFilter:
    """The query string's filters over `sessions`: `.qs` the filtered sessions and the
    filters in force (`.shown()`, for the form)."""
    return HistoryFilter(query, queryset=sessions)


def _count_per_session(rows: QuerySet) -> Coalesce:
    """A correlated count for each session row. Joining messages and error events and counting
    distinct made rows of their product: 3,000 refusal events on one session took the page
    from 0.09 s to 40 s. A subquery per row reads only that session's rows, by index."""
    counted = rows.order_by().values("session_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def history_rows(sessions: QuerySet[PracticeSession]) -> QuerySet[PracticeSession]:
    """One query for a page of rows, with everything the table shows."""
    return (
        sessions.select_related("student", "client_profile", "review", "preview")
        .annotate(
            turns=_count_per_session(
                Message.objects.filter(session=OuterRef("pk"), role=Message.Role.STUDENT)
            ),
            safety_flags=_count_per_session(SafetyFlag.objects.filter(session=OuterRef("pk"))),
        )
        .order_by("-started_at")
    )


def history_totals(sessions: QuerySet[PracticeSession]) -> dict[str, Any]:
    """Totals over every filtered session (not just the page): two queries."""
    totals = sessions.aggregate(
        sessions=Count("pk"),
        tokens=Sum("total_tokens"),
        cost=Sum("estimated_cost"),
    )
    turns = Message.objects.filter(
        session__in=sessions.values("pk"), role=Message.Role.STUDENT
    ).count()
    return {
        "sessions": totals["sessions"] or 0,
        "turns": turns,
        "tokens": totals["tokens"] or 0,
        "cost": totals["cost"] or Decimal(0),
    }


def history_choices(*, teacher: User) -> dict[str, list[tuple[str, str]]]:
    """The client and student options for the filters: only people and clients in the history."""
    sessions = sessions_for_teacher(teacher=teacher)
    clients = (
        sessions.values_list("client_profile_id", "client_profile__name")
        .distinct()
        .order_by("client_profile__name")
    )
    students = (
        User.objects.filter(practice_sessions__in=sessions.values("pk"))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return {
        "clients": [(str(pk), name) for pk, name in clients],
        "students": [(str(user.pk), user.display_name) for user in students],
    }


def safety_flags(*, session: PracticeSession) -> QuerySet[SafetyFlag]:
    """The session's flags, oldest first, each with the turn it was raised on (one query)."""
    return (
        SafetyFlag.objects.filter(session=session).select_related("message").order_by("created_at")
    )


def turn_states(*, session: PracticeSession) -> list[TurnState]:
    """The session's state log, turn by turn (one query): for its teacher's review only."""
    return list(TurnState.objects.filter(session=session).order_by("turn", "created_at"))


def session_skill_summary(
    *, session: PracticeSession, states: list[TurnState] | None = None
) -> SkillSummary | None:
    """The computed skill summary of an ended session from its state log's codes (one query,
    or none when the caller has read the log already: `states`; none while the session is
    active). None when there is no log: a session from before the log, or one with no student
    turn, shows nothing."""
    if session.is_active:
        return None
    if states is not None:
        turn_codes = [state.codes for state in states]
    else:
        turn_codes = list(
            TurnState.objects.filter(session=session)
            .order_by("turn", "created_at")
            .values_list("codes", flat=True)
        )
    return skill_summary(turn_codes) if turn_codes else None


def review_of(session: PracticeSession) -> SessionReview | None:
    try:
        return session.review
    except SessionReview.DoesNotExist:
        return None


def reflection_of(session: PracticeSession) -> SessionReflection | None:
    try:
        return session.reflection
    except SessionReflection.DoesNotExist:
        return None


def reflection_items(reflection: Any) -> list[tuple[str, str]]:
    """The reflection's written answers as (question, answer), whatever its fields are called."""
    if reflection is None or not hasattr(reflection, "_meta"):
        return []
    items = []
    for field in reflection._meta.fields:
        if isinstance(field, (TextField, CharField)) and not field.choices:
            value = getattr(reflection, field.attname, "")
            if value:
                label = str(field.verbose_name)
                items.append((label[:1].upper() + label[1:], str(value)))
    return items
