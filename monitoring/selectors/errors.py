"""The errors page: events grouped by kind and severity, and the latest events."""

import datetime

from django.db.models import Count, Max, Min, OuterRef, Subquery, UUIDField

from conversations.selectors import safety_flag_groups
from monitoring.models import ErrorEvent


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
