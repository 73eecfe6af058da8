"""Reads for the staff pages. Every function runs a fixed number of queries, whatever the size
of the tables: aggregates in the database, and Python only over bounded slices."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import (
    Avg,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    UUIDField,
    Window,
)
from django.db.models.functions import RowNumber, TruncDate, TruncMinute
from django.utils import timezone

from conversations.models import Message, SafetyFlag
from conversations.selectors import safety_flag_groups, safety_flags_since
from monitoring.charts import Bar, BarChart, bar_chart
from monitoring.models import ErrorEvent
from sessions_app.models import PracticeSession
from sessions_app.money import money_text, usd

TOKEN_KINDS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens")
# Latency percentiles are taken over at most this many recent replies.
LATENCY_SAMPLE = 2000
CHART_MINUTES = 60
FAILED_STATUSES = (Message.Status.FAILED, Message.Status.INTERRUPTED)


def percentile(values: list[int], fraction: float) -> int | None:
    """Nearest-rank percentile of a list of integers; None for an empty list."""
    if not values:
        return None
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


MONEY_PLACES = Decimal("1e-10")


def money(value: Decimal | None) -> Decimal:
    """Sums come back with the database's precision (SQLite: many places); keep the model's."""
    return (value or Decimal(0)).quantize(MONEY_PLACES)


def average(values: list[int]) -> int | None:
    return round(sum(values) / len(values)) if values else None


def start_of_day(moment: datetime.datetime | None = None) -> datetime.datetime:
    """Midnight of `moment`'s day in TIME_ZONE, as an aware datetime."""
    local = timezone.localtime(moment or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class Usage:
    input_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = Decimal(0)

    @property
    def total_tokens(self) -> int:
        return sum(getattr(self, kind) for kind in TOKEN_KINDS)

    @classmethod
    def from_aggregate(cls, row: dict) -> Usage:
        return cls(
            **{kind: row.get(kind) or 0 for kind in TOKEN_KINDS}, cost=row.get("cost") or Decimal(0)
        )


def _usage_sums(cost_field: str) -> dict:
    return {kind: Sum(kind) for kind in TOKEN_KINDS} | {"cost": Sum(cost_field)}


@dataclass
class Chart:
    svg: BarChart
    peak: int
    total_messages: int
    cost: Decimal

    @property
    def bars(self) -> list[Bar]:
        return self.svg.bars


@dataclass
class Snapshot:
    at: datetime.datetime
    active_sessions: int
    messages_last_minute: int
    today: Usage
    total: Usage
    replies_last_hour: int
    failed_replies_last_hour: int
    errors_last_hour: int
    critical_last_hour: int
    first_token_avg_ms: int | None
    first_token_p95_ms: int | None
    total_avg_ms: int | None
    total_p95_ms: int | None
    chart: Chart = field(repr=False)

    @property
    def error_rate(self) -> float | None:
        """The share of the last hour's replies that failed or were cut off."""
        if not self.replies_last_hour:
            return None
        return self.failed_replies_last_hour / self.replies_last_hour


def _chart(now: datetime.datetime) -> Chart:
    """Messages per minute over the last hour, as SVG bar geometry with a time axis."""
    end = now.replace(second=0, microsecond=0)
    start = end - datetime.timedelta(minutes=CHART_MINUTES - 1)
    rows = (
        Message.objects.filter(timestamp__gte=start)
        .exclude(role=Message.Role.SYSTEM)
        .annotate(minute=TruncMinute("timestamp"))
        .values("minute")
        .annotate(n=Count("id"), cost=Sum("cost"))
        .order_by("minute")
    )
    per_minute: dict[datetime.datetime, int] = {}
    cost = Decimal(0)
    for row in rows:
        minute = row["minute"].astimezone(datetime.UTC).replace(second=0, microsecond=0)
        per_minute[minute] = per_minute.get(minute, 0) + row["n"]
        cost += row["cost"] or 0
    points = []
    for index in range(CHART_MINUTES):
        minute = (start + datetime.timedelta(minutes=index)).astimezone(datetime.UTC)
        label = f"{timezone.localtime(minute):%H:%M}"
        points.append((label, label, per_minute.get(minute, 0)))
    total, peak = sum(per_minute.values()), max(per_minute.values(), default=0)
    svg = bar_chart(
        points,
        key="minutes",
        title="Messages per minute, last 60 minutes",
        description=(
            f"{points[0][0]} to {points[-1][0]}: {total} messages in all, "
            f"at most {peak} in one minute."
        ),
        fmt=lambda value: f"{value:,}",
        x_title=f"time in {timezone.get_current_timezone_name()}, now on the right",
        x_label_every=15,
    )
    return Chart(svg, peak, total, cost)


def dashboard_snapshot(now: datetime.datetime | None = None) -> Snapshot:
    """Everything the live dashboard shows, in ten queries."""
    now = now or timezone.now()
    hour_ago = now - datetime.timedelta(hours=1)
    minute_ago = now - datetime.timedelta(minutes=1)
    replies = Message.objects.filter(role=Message.Role.CLIENT, timestamp__gte=hour_ago)
    reply_counts = replies.exclude(status=Message.Status.STREAMING).aggregate(
        n=Count("id"), failed=Count("id", filter=Q(status__in=FAILED_STATUSES))
    )
    timings = list(
        replies.filter(status=Message.Status.COMPLETE, first_token_ms__isnull=False)
        .order_by("-timestamp")
        .values_list("first_token_ms", "total_ms")[:LATENCY_SAMPLE]
    )
    first = [row[0] for row in timings]
    full = [row[1] for row in timings if row[1] is not None]
    errors = ErrorEvent.objects.filter(created_at__gte=hour_ago).aggregate(
        n=Count("id"), critical=Count("id", filter=Q(severity=ErrorEvent.Severity.CRITICAL))
    )
    return Snapshot(
        at=now,
        active_sessions=PracticeSession.objects.filter(
            status=PracticeSession.Status.ACTIVE
        ).count(),
        messages_last_minute=Message.objects.filter(timestamp__gte=minute_ago)
        .exclude(role=Message.Role.SYSTEM)
        .count(),
        today=Usage.from_aggregate(
            Message.objects.filter(timestamp__gte=start_of_day(now)).aggregate(
                **_usage_sums("cost")
            )
        ),
        # The running accumulator: session totals are kept with F() as each reply is stored.
        total=Usage.from_aggregate(
            PracticeSession.objects.aggregate(**_usage_sums("estimated_cost"))
        ),
        replies_last_hour=reply_counts["n"],
        failed_replies_last_hour=reply_counts["failed"],
        errors_last_hour=errors["n"] + safety_flags_since(hour_ago).count(),
        critical_last_hour=errors["critical"],
        first_token_avg_ms=average(first),
        first_token_p95_ms=percentile(first, 0.95),
        total_avg_ms=average(full),
        total_p95_ms=percentile(full, 0.95),
        chart=_chart(now),
    )


# --- Errors ---------------------------------------------------------------------------------


def error_groups(*, since: datetime.datetime | None = None) -> list[dict]:
    """One row per kind and severity: count, first and last seen, the latest session; the
    safety flags as their own rows (two queries)."""
    events = ErrorEvent.objects.all()
    if since is not None:
        events = events.filter(created_at__gte=since)
    latest_session = (
        events.filter(kind=OuterRef("kind"), severity=OuterRef("severity"), session__isnull=False)
        .order_by("-created_at")
        .values("session_id")[:1]
    )
    groups = list(
        events.values("kind", "severity").annotate(
            count=Count("id"),
            first_seen=Min("created_at"),
            last_seen=Max("created_at"),
            sessions=Count("session", distinct=True),
            latest_session=Subquery(latest_session, output_field=UUIDField()),
        )
    )
    groups += safety_flag_groups(since=since)
    return sorted(groups, key=lambda group: group["last_seen"], reverse=True)


def error_events(
    *,
    kind: str = "",
    severity: str = "",
    since: datetime.datetime | None = None,
    limit: int = 200,
) -> list[ErrorEvent]:
    """The latest events, newest first, at most `limit`."""
    events = ErrorEvent.objects.select_related("user").order_by("-created_at")
    if since is not None:
        events = events.filter(created_at__gte=since)
    if kind:
        events = events.filter(kind=kind)
    if severity:
        events = events.filter(severity=severity)
    return list(events[:limit])


# --- Sessions -------------------------------------------------------------------------------


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The start of `day` and of the next day in TIME_ZONE."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def sessions_filtered(
    *,
    status: str = "",
    kind: str = "",
    client=None,
    user: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
):
    """Sessions for the logs and exports, newest first, with student and client joined."""
    sessions = PracticeSession.objects.select_related("student", "client_profile").order_by(
        "-started_at"
    )
    if status:
        sessions = sessions.filter(status=status)
    if kind:
        sessions = sessions.filter(kind=kind)
    if client is not None:
        sessions = sessions.filter(client_profile=client)
    if user:
        sessions = sessions.filter(student__username=user)
    if since:
        sessions = sessions.filter(started_at__gte=day_bounds(since)[0])
    if until:
        sessions = sessions.filter(started_at__lt=day_bounds(until)[1])
    return sessions


def session_log(session_id) -> dict:
    """The staff session log, for the page, its polling fallback and its socket: the session
    with its student and client, its transcript, its errors and its safety flags (four
    queries). Raises
    PracticeSession.DoesNotExist.

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


# --- Daily metrics --------------------------------------------------------------------------


@dataclass
class Day:
    day: datetime.date
    sessions_created: int = 0
    conversations_completed: int = 0
    messages_sent: int = 0  # student turns
    replies: int = 0  # client replies, any status
    tokens: int = 0
    cost: Decimal = Decimal(0)
    errors: int = 0
    critical_errors: int = 0
    first_token_avg_ms: int | None = None
    full_reply_avg_ms: int | None = None
    first_token_p95_ms: int | None = None

    def as_record(self) -> dict:
        """The day as an export row: a real date and Decimal money (each writer formats them)."""
        return {
            "date": self.day,
            "sessions_created": self.sessions_created,
            "conversations_completed": self.conversations_completed,
            "messages_sent": self.messages_sent,
            "replies": self.replies,
            "tokens_used": self.tokens,
            "cost_usd": self.cost,
            "errors": self.errors,
            "critical_errors": self.critical_errors,
            "first_token_avg_ms": self.first_token_avg_ms,
            "full_reply_avg_ms": self.full_reply_avg_ms,
        }

    def as_json(self) -> dict:
        return self.as_record() | {"date": self.day.isoformat(), "cost_usd": money_text(self.cost)}


def _by_day(queryset, field_name: str, **aggregates) -> dict[datetime.date, dict]:
    zone = timezone.get_current_timezone()
    rows = (
        queryset.annotate(day=TruncDate(field_name, tzinfo=zone))
        .values("day")
        .annotate(**aggregates)
        .order_by("day")
    )
    return {row["day"]: row for row in rows}


def _p95_by_day(replies, field_name: str) -> dict[datetime.date, int]:
    """Nearest-rank 95th percentile of `field_name` per day, in the database (one query).

    Rows are ranked within their day; the one kept is the first whose rank reaches 95% of the
    day's count (rank*100 >= n*95 > (rank-1)*100), the same answer as `percentile`."""
    zone = timezone.get_current_timezone()
    ranked = (
        replies.filter(**{f"{field_name}__isnull": False})
        .annotate(day=TruncDate("timestamp", tzinfo=zone))
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("day")], order_by=F(field_name).asc()),
            n=Window(Count("id"), partition_by=[F("day")]),
        )
        .annotate(rank_100=F("rank") * 100, n_95=F("n") * 95)
        .filter(rank_100__gte=F("n_95"), rank_100__lt=F("n_95") + 100)
        .values_list("day", field_name)
    )
    return dict(ranked)


DAILY_CACHE_SECONDS = 3600


def _daily_key(day: datetime.date, practice_only: bool) -> str:
    zone = timezone.get_current_timezone_name()
    return f"monitoring:daily:v2:{zone}:{day.isoformat()}:{int(practice_only)}"


def daily_metrics(
    *, since: datetime.date, until: datetime.date, practice_only: bool = False
) -> list[Day]:
    """One row per day from `since` to `until` (inclusive, days in TIME_ZONE).

    practice_only leaves out teacher tests and demo-mode sessions (the pilot's numbers).
    Finished days hardly change, so they are kept in the cache for an hour: a repeat visit
    aggregates only today. A cold range costs six queries over the whole range."""
    today = timezone.localdate()
    past = [since + datetime.timedelta(days=n) for n in range((until - since).days + 1)]
    past = [day for day in past if day < today]
    keys = {day: _daily_key(day, practice_only) for day in past}
    found = cache.get_many(list(keys.values())) if keys else {}
    rows = {day: found[key] for day, key in keys.items() if key in found}
    missing = [day for day in past if day not in rows]
    if missing:
        computed = _daily_rows(since=missing[0], until=missing[-1], practice_only=practice_only)
        fresh = {row.day: row for row in computed}
        rows |= fresh
        cache.set_many({keys[day]: row for day, row in fresh.items()}, timeout=DAILY_CACHE_SECONDS)
    if since <= today <= until:
        rows[today] = _daily_rows(since=today, until=today, practice_only=practice_only)[0]
    return [rows[day] for day in sorted(rows)]


def _daily_rows(*, since: datetime.date, until: datetime.date, practice_only: bool) -> list[Day]:
    start, end = day_bounds(since)[0], day_bounds(until)[1]
    sessions = PracticeSession.objects.all()
    messages = Message.objects.filter(timestamp__gte=start, timestamp__lt=end)
    errors = ErrorEvent.objects.filter(created_at__gte=start, created_at__lt=end)
    flags = SafetyFlag.objects.filter(created_at__gte=start, created_at__lt=end)
    if practice_only:
        sessions = sessions.filter(kind=PracticeSession.Kind.PRACTICE, demo_mode=False)
        messages = messages.filter(
            session__kind=PracticeSession.Kind.PRACTICE, session__demo_mode=False
        )
        errors = errors.exclude(session__kind=PracticeSession.Kind.TEACHER_TEST).exclude(
            session__demo_mode=True
        )
        flags = flags.exclude(session__kind=PracticeSession.Kind.TEACHER_TEST).exclude(
            session__demo_mode=True
        )
    created = _by_day(
        sessions.filter(started_at__gte=start, started_at__lt=end), "started_at", n=Count("id")
    )
    completed = _by_day(
        sessions.filter(
            status=PracticeSession.Status.COMPLETED, ended_at__gte=start, ended_at__lt=end
        ),
        "ended_at",
        n=Count("id"),
    )
    complete_reply = Q(role=Message.Role.CLIENT, status=Message.Status.COMPLETE)
    usage = _by_day(
        messages,
        "timestamp",
        sent=Count("id", filter=Q(role=Message.Role.STUDENT)),
        replies=Count("id", filter=Q(role=Message.Role.CLIENT)),
        tokens=Sum("token_count"),
        cost=Sum("cost"),
        first=Avg("first_token_ms", filter=complete_reply),
        full=Avg("total_ms", filter=complete_reply),
    )
    first_p95 = _p95_by_day(messages.filter(complete_reply), "first_token_ms")
    failures = _by_day(
        errors,
        "created_at",
        n=Count("id"),
        critical=Count("id", filter=Q(severity=ErrorEvent.Severity.CRITICAL)),
    )
    flagged = _by_day(flags, "created_at", n=Count("id"))
    days = []
    day = since
    while day <= until:
        row = usage.get(day, {})
        days.append(
            Day(
                day=day,
                sessions_created=created.get(day, {}).get("n", 0),
                conversations_completed=completed.get(day, {}).get("n", 0),
                messages_sent=row.get("sent", 0),
                replies=row.get("replies", 0),
                tokens=row.get("tokens") or 0,
                cost=money(row.get("cost")),
                errors=failures.get(day, {}).get("n", 0) + flagged.get(day, {}).get("n", 0),
                critical_errors=failures.get(day, {}).get("critical", 0),
                first_token_avg_ms=None if row.get("first") is None else round(row["first"]),
                full_reply_avg_ms=None if row.get("full") is None else round(row["full"]),
                first_token_p95_ms=first_p95.get(day),
            )
        )
        day += datetime.timedelta(days=1)
    return days


def daily_totals(days: list[Day]) -> Day:
    """The range as one row; latency averaged over days weighted by replies."""
    total = Day(day=days[0].day if days else timezone.localdate())
    weighted_first = weighted_full = weight = 0
    for day in days:
        for name in (
            "sessions_created",
            "conversations_completed",
            "messages_sent",
            "replies",
            "tokens",
            "cost",
            "errors",
            "critical_errors",
        ):
            setattr(total, name, getattr(total, name) + getattr(day, name))
        if day.first_token_avg_ms is not None:
            weighted_first += day.first_token_avg_ms * day.replies
            weighted_full += (day.full_reply_avg_ms or 0) * day.replies
            weight += day.replies
    if weight:
        total.first_token_avg_ms = round(weighted_first / weight)
        total.full_reply_avg_ms = round(weighted_full / weight)
    return total


# --- Feedback, quality, pilot -----------------------------------------------------------------

REVIEW_RATINGS = [
    ("in_character_consistency", "In character"),
    ("educational_appropriateness", "Educationally appropriate"),
    ("response_relevance", "Relevant"),
    ("conversation_flow", "Flow"),
    ("boundary_maintenance", "Boundaries"),
]


def feedback_summary(*, comments_limit: int = 500) -> dict:
    """Teacher feedback and students' session feedback: counts, averages and the comments."""
    from monitoring.models import TeacherFeedback
    from sessions_app.models import SessionFeedback

    teacher = TeacherFeedback.objects.aggregate(
        n=Count("id"),
        teachers=Count("teacher", distinct=True),
        overall=Avg("overall_impression"),
        clients=Avg("client_quality"),
    )
    student = SessionFeedback.objects.aggregate(
        n=Count("id"),
        students=Count("session__student", distinct=True),
        ease=Avg("ease_of_use"),
        learning=Avg("learning_value"),
    )
    return {
        "teacher": teacher,
        "student": student,
        "teacher_comments": list(
            TeacherFeedback.objects.select_related("teacher").order_by("-created_at")[
                :comments_limit
            ]
        ),
        "student_comments": list(
            SessionFeedback.objects.select_related("session__student", "session__client_profile")
            .exclude(helped="", confusing="", suggestions="")
            .order_by("-created_at")[:comments_limit]
        ),
    }


def quality_by_client() -> list[dict]:
    """The five review ratings averaged per client, with the reviews marked best and worst."""
    from reviews.models import SessionReview

    rated = SessionReview.objects.filter(in_character_consistency__isnull=False)
    rows = list(
        rated.values("session__client_profile_id", "session__client_profile__name")
        .annotate(reviews=Count("id"), **{name: Avg(name) for name, _ in REVIEW_RATINGS})
        .order_by("session__client_profile__name")
    )
    examples: dict = {}
    marked = (
        SessionReview.objects.exclude(example="")
        .order_by("-updated_at")
        .values("session__client_profile_id", "example", "session_id")
    )
    for row in marked[:2000]:
        examples.setdefault(row["session__client_profile_id"], {}).setdefault(
            row["example"], []
        ).append(row["session_id"])
    for row in rows:
        row["ratings"] = [row[name] for name, _ in REVIEW_RATINGS]
        found = examples.get(row["session__client_profile_id"], {})
        row["best"] = found.get("best", [])[:5]
        row["worst"] = found.get("worst", [])[:5]
    return rows


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
    from monitoring.models import TeacherFeedback

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
