"""Reads of the safety flags for the staff pages (monitoring), which counted them among the error
events before flags became their own model: the same numbers, from SafetyFlag."""

import datetime

from django.db.models import Count, Max, Min, OuterRef, QuerySet, Subquery, UUIDField

from conversations.models import SafetyFlag

# How a flag was shown among the error events, and still is on the errors page.
FLAG_SEVERITY = "warning"


def safety_flags_since(since: datetime.datetime | None = None) -> QuerySet[SafetyFlag]:
    flags = SafetyFlag.objects.all()
    return flags if since is None else flags.filter(created_at__gte=since)


def safety_flag_groups(*, since: datetime.datetime | None = None) -> list[dict]:
    """The flags as rows of the errors page's groups, one per kind (one query)."""
    flags = safety_flags_since(since)
    latest_session = (
        flags.filter(kind=OuterRef("kind")).order_by("-created_at").values("session_id")[:1]
    )
    rows = (
        flags.order_by()
        .values("kind")
        .annotate(
            count=Count("id"),
            first_seen=Min("created_at"),
            last_seen=Max("created_at"),
            sessions=Count("session", distinct=True),
            latest_session=Subquery(latest_session, output_field=UUIDField()),
        )
    )
    return [
        row | {"kind": SafetyFlag.EVENT_KIND_PREFIX + row["kind"], "severity": FLAG_SEVERITY}
        for row in rows
    ]
