import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations.models import Message
from monitoring.charts import minute_chart
from monitoring.models import ErrorEvent
from monitoring.selectors import dashboard_snapshot, percentile
from monitoring.services import error_record
from monitoring.tests.helpers import reply
from sessions_app.services import session_end, session_start

DASHBOARD = "/monitor/"
LIVE = "/monitor/live/"


def test_staff_see_the_live_numbers(client, staff, practice_session, other_student, client_profile):
    ended = session_start(student=other_student, client=client_profile)
    reply(ended, cost="0.0002", first_token_ms=500, total_ms=1500)
    session_end(session=ended)
    reply(practice_session, cost="0.0001", first_token_ms=900, total_ms=2500)
    client.force_login(staff)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    snap = response.context["snap"]
    assert snap.active_sessions == 1
    assert snap.messages_last_minute == 4
    assert snap.today.cost == Decimal("0.0003")
    assert snap.total.cost == Decimal("0.0003")
    assert snap.total.input_tokens == 200
    assert snap.first_token_avg_ms == 700
    assert snap.total_p95_ms == 2500
    assert b'ws-connect="/ws/monitor/"' in response.content
    assert b"$0.000300" in response.content


def test_the_fragment_is_the_live_block_alone(client, staff, practice_session):
    reply(practice_session)
    client.force_login(staff)
    response = client.get(LIVE)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="live-metrics"')
    assert 'hx-trigger="every 5s"' in body
    assert "hx-swap-oob" not in body
    assert "<html" not in body
    assert "no-cache" in response["Cache-Control"]


def test_the_error_rate_counts_failed_and_cut_off_replies(practice_session):
    reply(practice_session)
    reply(practice_session, status=Message.Status.FAILED)
    reply(practice_session, status=Message.Status.INTERRUPTED)
    reply(practice_session)
    error_record(kind="provider.overloaded", severity=ErrorEvent.Severity.CRITICAL, message="m")
    error_record(kind="limit.user_rate", severity=ErrorEvent.Severity.WARNING, message="m")
    snap = dashboard_snapshot()
    assert snap.replies_last_hour == 4
    assert snap.error_rate == 0.5
    assert snap.errors_last_hour == 2
    assert snap.critical_last_hour == 1


def test_today_starts_at_midnight_in_the_time_zone(settings, practice_session):
    settings.TIME_ZONE = "Pacific/Auckland"
    old = reply(practice_session, cost="0.0005")
    Message.objects.filter(session=practice_session).update(
        timestamp=timezone.now() - datetime.timedelta(days=2)
    )
    reply(practice_session, cost="0.0001")
    snap = dashboard_snapshot()
    assert snap.today.cost == Decimal("0.0001")
    assert snap.total.cost == Decimal("0.0006")
    assert old.pk


def test_the_chart_has_a_bar_for_the_busy_minute(practice_session):
    reply(practice_session)
    reply(practice_session)
    chart = dashboard_snapshot().chart
    bars = minute_chart(chart).bars
    assert len(bars) == 60
    assert chart.total_messages == 4
    assert chart.peak == 4
    assert bars[-1].value == 4
    assert bars[-1].height > 0


def test_an_empty_database_shows_dashes(client, staff):
    client.force_login(staff)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["snap"].first_token_p95_ms is None
    assert "\N{EN DASH}" in response.content.decode()


def test_the_query_count_does_not_grow_with_rows(client, staff, practice_session, client_profile):
    client.force_login(staff)
    reply(practice_session)
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    for n in range(5):
        other = session_start(student=practice_session.student, client=client_profile)
        reply(other)
        error_record(kind=f"k{n}", severity="warning", message="m", session_id=other.pk)
    with CaptureQueriesContext(connection) as many:
        client.get(DASHBOARD)
    assert len(many) == len(few)


def test_percentile_is_nearest_rank():
    assert percentile([], 0.95) is None
    assert percentile([5], 0.95) == 5
    assert percentile(list(range(1, 101)), 0.95) == 95
    assert percentile(list(range(1, 21)), 0.5) == 10


def test_a_teacher_may_not_see_it(client, teacher):
    client.force_login(teacher)
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(LIVE).status_code == 403


def test_a_student_may_not_see_it(client, student):
    client.force_login(student)
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(LIVE).status_code == 403


def test_anonymous_users_go_to_login(client, db):
    for path in (DASHBOARD, LIVE):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
