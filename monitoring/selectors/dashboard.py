"""The live dashboard: one snapshot of activity, usage, latency and errors."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMinute
from django.utils import timezone

from config.days import start_of_day
from conversations.models import Message
from conversations.selectors import safety_flags_since
from monitoring.models import ErrorEvent
from monitoring.selectors.stats import average, percentile
from sessions_app.models import PracticeSession

TOKEN_KINDS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens")
# Latency percentiles are taken over at most this many recent replies.
LATENCY_SAMPLE = 2000
CHART_MINUTES = 60
FAILED_STATUSES = (Message.Status.FAILED, Message.Status.INTERRUPTED)


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
    """Messages per minute over the last hour, oldest first; the page draws it
    (monitoring.charts.minute_chart)."""

    minutes: list[tuple[datetime.datetime, int]]
    peak: int
    total_messages: int
    cost: Decimal


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
    """Messages per minute over the last hour, a zero for each quiet minute (one query)."""
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
    minutes = [
        (minute, per_minute.get(minute, 0))
        for minute in (
            (start + datetime.timedelta(minutes=index)).astimezone(datetime.UTC)
            for index in range(CHART_MINUTES)
        )
    ]
    total, peak = sum(per_minute.values()), max(per_minute.values(), default=0)
    return Chart(minutes, peak, total, cost)


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
