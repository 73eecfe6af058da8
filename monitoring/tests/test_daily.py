import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations.models import Message
from monitoring.models import ErrorEvent
from monitoring.selectors import daily_metrics
from monitoring.services import error_record
from monitoring.tests.helpers import reply
from sessions_app.models import PracticeSession
from sessions_app.services import session_end, session_start

DAILY = "/monitor/daily/"


def _move(session: PracticeSession, moment: datetime.datetime) -> None:
    PracticeSession.objects.filter(pk=session.pk).update(started_at=moment)
    Message.objects.filter(session=session).update(timestamp=moment)


def test_one_row_per_day_with_the_seeds_numbers(practice_session, other_student, client_profile):
    reply(practice_session, cost="0.0001", first_token_ms=600, total_ms=1000, input_tokens=100)
    reply(practice_session, cost="0.0002", first_token_ms=1000, total_ms=3000, input_tokens=100)
    session_end(session=practice_session)
    error_record(kind="provider.overloaded", severity="critical", message="m")
    yesterday_session = session_start(student=other_student, client=client_profile)
    reply(yesterday_session)
    _move(yesterday_session, timezone.now() - datetime.timedelta(days=1))
    today = timezone.localdate()
    days = daily_metrics(since=today - datetime.timedelta(days=2), until=today)
    assert [d.day for d in days] == [today - datetime.timedelta(days=n) for n in (2, 1, 0)]
    assert days[0].sessions_created == 0
    assert days[1].sessions_created == 1
    assert days[1].messages_sent == 1
    latest = days[2]
    assert latest.sessions_created == 1
    assert latest.conversations_completed == 1
    assert latest.messages_sent == 2
    assert latest.replies == 2
    assert latest.tokens == 340
    assert latest.cost == Decimal("0.0003")
    assert latest.errors == 1
    assert latest.critical_errors == 1
    assert latest.first_token_avg_ms == 800
    assert latest.full_reply_avg_ms == 2000


def test_days_are_cut_at_midnight_in_the_time_zone(settings, practice_session):
    settings.TIME_ZONE = "America/New_York"
    reply(practice_session)
    # 03:00 UTC is 22:00 or 23:00 the evening before in New York.
    moment = datetime.datetime(2026, 3, 10, 3, 0, tzinfo=datetime.UTC)
    _move(practice_session, moment)
    days = daily_metrics(since=datetime.date(2026, 3, 9), until=datetime.date(2026, 3, 10))
    assert [d.sessions_created for d in days] == [1, 0]
    assert [d.messages_sent for d in days] == [1, 0]


def test_practice_only_leaves_out_tests_and_demo(teacher, practice_session, client_profile):
    test = session_start(
        student=teacher, client=client_profile, kind=PracticeSession.Kind.TEACHER_TEST
    )
    reply(test)
    demo = session_start(student=practice_session.student, client=client_profile)
    PracticeSession.objects.filter(pk=demo.pk).update(demo_mode=True)
    # Tests run on the demo provider: this one stands for a conversation with Claude.
    PracticeSession.objects.filter(pk=practice_session.pk).update(demo_mode=False)
    reply(practice_session)
    error_record(kind="x", severity="warning", message="m", session_id=test.pk)
    today = timezone.localdate()
    everything = daily_metrics(since=today, until=today)[0]
    practice = daily_metrics(since=today, until=today, practice_only=True)[0]
    assert (everything.sessions_created, practice.sessions_created) == (3, 1)
    assert (everything.messages_sent, practice.messages_sent) == (2, 1)
    assert (everything.errors, practice.errors) == (1, 0)


def test_the_page_shows_the_range_and_totals(client, staff, practice_session):
    reply(practice_session, cost="0.0042")
    client.force_login(staff)
    response = client.get(DAILY)
    assert response.status_code == 200
    assert len(response.context["days"]) == 14
    assert response.context["totals"].cost == Decimal("0.0042")
    assert b"$0.004200" in response.content
    week = client.get(DAILY, {"since": "2026-01-01", "until": "2026-01-07"})
    assert len(week.context["days"]) == 7


def test_the_page_query_count_does_not_grow_with_rows_or_days(client, staff, practice_session):
    client.force_login(staff)
    with CaptureQueriesContext(connection) as few:
        client.get(DAILY, {"since": "2026-01-01", "until": "2026-01-02"})
    for _ in range(5):
        reply(practice_session)
        error_record(kind="k", severity="warning", message="m")
    with CaptureQueriesContext(connection) as many:
        client.get(DAILY, {"since": "2025-01-01", "until": "2026-01-01"})
    assert len(many) == len(few)


def test_a_too_long_range_is_refused_politely(client, staff, db):
    client.force_login(staff)
    response = client.get(DAILY, {"since": "2020-01-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert b"Choose at most a year." in response.content
    assert len(response.context["days"]) == 14


def test_the_command_prints_text(practice_session):
    reply(practice_session, cost="0.0005")
    out = StringIO()
    call_command("daily_report", stdout=out)
    text = out.getvalue()
    assert f"Daily metrics for {timezone.localdate().isoformat()} (UTC)" in text
    assert "Messages sent:" in text
    assert "$0.000500" in text


def test_the_command_prints_a_day_without_cost_as_money_not_0E_10(db):
    out = StringIO()
    call_command("daily_report", "--date", "2026-01-31", stdout=out)
    assert "Cost:                               $0.000000" in out.getvalue()
    assert "E-10" not in out.getvalue()
    out = StringIO()
    call_command("daily_report", "--date", "2026-01-31", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["days"][0]["cost_usd"] == "0"


def test_the_command_prints_json_for_several_days(practice_session):
    reply(practice_session, cost="0.0005", first_token_ms=700)
    ErrorEvent.objects.create(kind="k", severity="critical", message="m")
    out = StringIO()
    call_command("daily_report", "--format", "json", "--days", "3", stdout=out)
    data = json.loads(out.getvalue())
    assert data["time_zone"] == "UTC"
    assert len(data["days"]) == 3
    today = data["days"][-1]
    assert today["date"] == timezone.localdate().isoformat()
    assert today["cost_usd"] == "0.0005"
    assert today["first_token_avg_ms"] == 700
    assert today["critical_errors"] == 1


def test_the_command_takes_a_date(db):
    out = StringIO()
    call_command("daily_report", "--date", "2026-01-31", "--days", "2", stdout=out)
    assert "2026-01-30" in out.getvalue()
    assert "2026-01-31" in out.getvalue()


@pytest.mark.django_db
def test_the_command_refuses_a_silly_number_of_days():
    with pytest.raises(CommandError, match="between 1 and 366"):
        call_command("daily_report", "--days", "0")


def test_finished_days_come_from_the_cache_and_today_is_live(practice_session, client_profile):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    today = timezone.localdate()
    before = daily_metrics(since=yesterday, until=today)
    assert [d.sessions_created for d in before] == [0, 1]
    moved = session_start(student=practice_session.student, client=client_profile)
    _move(moved, timezone.now() - datetime.timedelta(days=1))
    session_start(student=practice_session.student, client=client_profile)
    with CaptureQueriesContext(connection) as queries:
        after = daily_metrics(since=yesterday, until=today)
    assert [d.sessions_created for d in after] == [0, 2]  # yesterday as cached, today live
    assert len(queries) == 6  # five aggregates (safety flags one of them) and the first-token p95


def test_a_backwards_range_on_the_daily_page_says_so_and_shows_the_default_days(client, staff):
    client.force_login(staff)
    response = client.get("/monitor/daily/", {"since": "2026-02-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert b"The start date comes after the end date." in response.content
    assert len(response.context["days"]) == 14
