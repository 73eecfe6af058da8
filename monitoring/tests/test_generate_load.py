from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from conversations.models import Message
from monitoring.models import ErrorEvent
from sessions_app.models import PracticeSession

PAGES = ["/monitor/", "/monitor/live/", "/monitor/sessions/", "/monitor/daily/", "/monitor/errors/"]
# The most queries each page may make, whatever the size of the tables (session and user
# lookups included). The numbers come from the pages' code: aggregates, never a loop.
QUERY_LIMITS = {
    "/monitor/": 12,
    "/monitor/live/": 12,
    "/monitor/sessions/": 8,
    "/monitor/daily/": 14,  # cold: finished days and today, six queries each
    "/monitor/errors/": 6,
}


@pytest.mark.django_db
def test_it_makes_sessions_with_consistent_totals():
    out = StringIO()
    call_command(
        "generate_load",
        "--sessions",
        "30",
        "--messages-per-session",
        "6",
        "--students",
        "4",
        stdout=out,
    )
    assert "30 sessions, 180 messages" in out.getvalue()
    assert PracticeSession.objects.count() == 30
    assert Message.objects.count() == 180
    assert ErrorEvent.objects.exists()
    session = PracticeSession.objects.filter(total_tokens__gt=0).first()
    sums = Message.objects.filter(session=session).aggregate(t=Sum("token_count"), c=Sum("cost"))
    assert session.total_tokens == sums["t"]
    assert session.estimated_cost == Decimal(sums["c"]).quantize(Decimal("1e-10"))
    numbers = list(
        Message.objects.filter(session=session)
        .order_by("sequence_number")
        .values_list("sequence_number", flat=True)
    )
    assert numbers == [1, 2, 3, 4, 5, 6]


@pytest.mark.django_db
def test_it_refuses_nonsense():
    with pytest.raises(CommandError, match="--sessions must be at least 1"):
        call_command("generate_load", "--sessions", "0")


@pytest.mark.postgres
def test_pages_make_a_bounded_number_of_queries_on_a_large_database(postgres, client, staff):
    call_command(
        "generate_load", "--sessions", "600", "--messages-per-session", "40", stdout=StringIO()
    )
    client.force_login(staff)
    counts = {}
    for path in PAGES:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counts[path] = len(queries)
    session = PracticeSession.objects.first()
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/monitor/sessions/{session.pk}/")
    assert len(queries) <= 7
    assert all(counts[path] <= QUERY_LIMITS[path] for path in PAGES), counts
