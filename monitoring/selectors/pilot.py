"""The pilot's scorecard: the seed's end-of-week goals over a range of days."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Sum

from config.days import day_bounds
from conversations.models import Message
from monitoring.models import ErrorEvent, TeacherFeedback
from sessions_app.models import PracticeSession
from sessions_app.money import money, usd


@dataclass
class Goal:
    """One end-of-week goal. `met` is None when there is nothing to measure yet (no completed
    conversation, no reply): that is not a failure, and the page says so differently."""

    label: str
    target: str
    value: str
    met: bool | None
    note: str = ""

    @property
    def result(self) -> str:
        if self.met is None:
            return "unmeasured"
        return "met" if self.met else "not_met"


def pilot_scorecard(
    *,
    since: datetime.date,
    until: datetime.date,
    include_tests: bool = False,
    include_demo: bool = False,
) -> list[Goal]:
    """The seed's end-of-week goals over [since, until] (days in TIME_ZONE)."""
    start, end = day_bounds(since)[0], day_bounds(until)[1]
    sessions = PracticeSession.objects.all()
    if not include_tests:
        sessions = sessions.filter(kind=PracticeSession.Kind.PRACTICE)
    if not include_demo:
        sessions = sessions.filter(demo_mode=False)
    completed = sessions.filter(
        status=PracticeSession.Status.COMPLETED, ended_at__gte=start, ended_at__lt=end
    ).aggregate(n=Count("id"), cost=Sum("estimated_cost"))
    teachers = (
        TeacherFeedback.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("teacher")
        .distinct()
        .count()
    )
    replies = Message.objects.filter(
        session__in=sessions.values("pk"),
        role=Message.Role.CLIENT,
        status=Message.Status.COMPLETE,
        timestamp__gte=start,
        timestamp__lt=end,
    ).aggregate(first=Avg("first_token_ms"), full=Avg("total_ms"), n=Count("id"))
    last_day_start, last_day_end = day_bounds(until)
    critical = ErrorEvent.objects.filter(
        severity=ErrorEvent.Severity.CRITICAL,
        created_at__gte=last_day_start,
        created_at__lt=last_day_end,
    ).count()
    n = completed["n"]
    per_conversation = money(completed["cost"]) / n if n else None
    first = replies["first"]
    return [
        Goal("Completed conversations", "at least 10", str(n), n >= 10),
        Goal("Teachers who gave feedback", "at least 5", str(teachers), teachers >= 5),
        Goal(
            "Cost per completed conversation",
            "under $0.01",
            "no completed conversations" if per_conversation is None else usd(per_conversation),
            None if per_conversation is None else per_conversation < Decimal("0.01"),
        ),
        Goal(
            "Average time to first token",
            "under 3 s",
            "no replies" if first is None else f"{first / 1000:.2f} s",
            None if first is None else first < 3000,
            ""
            if replies["full"] is None
            else f"Full reply: {replies['full'] / 1000:.2f} s on average ({replies['n']} replies).",
        ),
        Goal(
            f"Critical errors on {until:%Y-%m-%d}",
            "none",
            str(critical),
            critical == 0,
        ),
    ]
