"""The daily metrics page (and its export and report command): one row per day."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Avg, Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone

from config.days import day_bounds
from conversations.models import Message, SafetyFlag
from monitoring.models import ErrorEvent
from sessions_app.models import PracticeSession
from sessions_app.money import money, money_text


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
