"""The teacher's session history: scope, filters, totals, pagination, bounded queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import add_exchange, make_client, make_user
from conversations.models import SafetyFlag
from monitoring.models import ErrorEvent
from sessions_app.models import PracticeSession
from sessions_app.services import preview_start, session_start

HISTORY = "/teach/sessions/"


def test_it_lists_student_sessions_and_tests_with_the_teachers_clients_only(
    client, teacher, other_teacher, student, held_session
):
    theirs = make_client(other_teacher, name="Not Mine")
    session_start(student=student, client=theirs)
    session_start(student=teacher, client=held_session.client_profile, kind="teacher_test")
    client.force_login(teacher)
    response = client.get(HISTORY)
    page = response.content.decode()
    assert response.context["totals"]["sessions"] == 2
    assert "Not Mine" not in page
    assert "Teacher test" in page


def test_totals_add_up_turns_tokens_and_cost(client, teacher, held_session):
    client.force_login(teacher)
    totals = client.get(HISTORY).context["totals"]
    assert totals["turns"] == 2
    assert totals["tokens"] == held_session.total_tokens == 2 * 1240
    assert totals["cost"] == Decimal("0.0002469134")


def test_previews_are_labelled_and_counted_in_the_totals(client, teacher, client_profile):
    preview = preview_start(client=client_profile, teacher=teacher)
    add_exchange(preview, "Hello.", "Hi.")
    client.force_login(teacher)
    response = client.get(HISTORY + "?kind=preview")
    assert response.context["totals"]["sessions"] == 1
    assert response.context["totals"]["cost"] == Decimal("0.0001234567")
    assert "<td>Preview</td>" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=practice", {"stu-a", "stu-b"}),
        ("kind=teacher_test", {"tea"}),
        ("status=completed", {"stu-b"}),
        ("status=active", {"stu-a", "tea"}),
        ("client={other}", {"stu-b"}),
        ("student={stu_a}", {"stu-a"}),
        ("from={today}", {"stu-a", "tea"}),
        ("to={yesterday}", {"stu-b"}),
        ("from={yesterday}&to={yesterday}", {"stu-b"}),
        ("kind=nonsense&status=bogus&client=not-a-uuid&from=never", {"stu-a", "stu-b", "tea"}),
    ],
)
def test_the_filters(client, teacher, query, expected):
    a, b = make_user("stu-a"), make_user("stu-b")
    one, other = make_client(teacher, name="One"), make_client(teacher, name="Other")
    session_start(student=a, client=one)
    old = session_start(student=b, client=other)
    old.status = "completed"
    old.save(update_fields=["status"])
    yesterday = timezone.now() - timedelta(days=1)
    PracticeSession.objects.filter(pk=old.pk).update(started_at=yesterday)
    session_start(student=teacher, client=one, kind="teacher_test")
    query = query.format(
        other=other.id,
        stu_a=a.id,
        today=timezone.localdate().isoformat(),
        yesterday=timezone.localtime(yesterday).date().isoformat(),
    )
    client.force_login(teacher)
    rows = client.get(f"{HISTORY}?{query}").context["page"].object_list
    assert {row.student.username for row in rows} == expected


def test_it_is_paginated_keeping_the_filters(client, teacher, student, client_profile):
    for _ in range(30):
        session_start(student=student, client=client_profile)
    client.force_login(teacher)
    first = client.get(HISTORY + "?kind=practice")
    assert len(first.context["page"].object_list) == 25
    assert "?kind=practice&amp;page=2" in first.content.decode()
    second = client.get(HISTORY + "?kind=practice&page=2")
    assert len(second.context["page"].object_list) == 5
    assert second.context["totals"]["sessions"] == 30


def _queries_for(client, teacher, student, client_profile, sessions: int) -> int:
    for index in range(sessions):
        session = session_start(student=student, client=client_profile)
        add_exchange(session, f"Hello {index}", "Hi.")
    client.force_login(teacher)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HISTORY).status_code == 200
    return len(captured)


def test_the_query_count_does_not_grow_with_the_rows(client, teacher, student, client_profile):
    few = _queries_for(client, teacher, student, client_profile, 2)
    many = _queries_for(client, teacher, student, client_profile, 20)
    assert few == many


def test_the_history_page_does_not_slow_down_with_thousands_of_error_events(
    client, teacher, student, client_profile
):
    session = session_start(student=student, client=client_profile)
    for index in range(30):
        add_exchange(session, f"Hello {index}", "Hi.")
    client.force_login(teacher)
    with CaptureQueriesContext(connection) as without_events:
        client.get(HISTORY)
    ErrorEvent.objects.bulk_create(
        ErrorEvent(kind="limit.user_rate", severity="warning", message="m", session=session)
        for _ in range(2000)
    )
    SafetyFlag.objects.bulk_create(SafetyFlag(session=session) for _ in range(3))
    with CaptureQueriesContext(connection) as with_events:
        response = client.get(HISTORY)
    [row] = response.context["page"].object_list
    assert (row.turns, row.safety_flags) == (30, 3)
    assert len(with_events) == len(without_events)
    # The rows' query reads each session's events on their own, never joined to its messages.
    rows_sql = next(q["sql"] for q in with_events if "LIMIT" in q["sql"] and "turns" in q["sql"])
    assert 'JOIN "monitoring_errorevent"' not in rows_sql
    assert 'JOIN "conversations_safetyflag"' not in rows_sql
    assert 'JOIN "conversations_message"' not in rows_sql


def test_students_get_403(client, student):
    client.force_login(student)
    assert client.get(HISTORY).status_code == 403
