import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring.models import ErrorEvent
from monitoring.services import error_record

ERRORS = "/monitor/errors/"


def _aged(event: ErrorEvent, days: int) -> None:
    ErrorEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_errors_are_grouped_by_kind_with_counts_and_the_latest_session(
    client, staff, practice_session
):
    first = error_record(kind="provider.overloaded", severity="critical", message="a")
    _aged(first, 2)
    error_record(
        kind="provider.overloaded",
        severity="critical",
        message="b",
        session_id=practice_session.pk,
    )
    error_record(kind="limit.user_rate", severity="warning", message="c")
    client.force_login(staff)
    response = client.get(ERRORS)
    assert response.status_code == 200
    groups = {g["kind"]: g for g in response.context["groups"]}
    assert groups["provider.overloaded"]["count"] == 2
    assert groups["provider.overloaded"]["latest_session"] == practice_session.pk
    assert groups["provider.overloaded"]["first_seen"] < groups["provider.overloaded"]["last_seen"]
    assert groups["limit.user_rate"]["count"] == 1
    assert f"/monitor/sessions/{practice_session.pk}/".encode() in response.content


def test_the_period_severity_and_kind_filters(client, staff, db):
    old = error_record(kind="provider.timeout", severity="critical", message="old")
    _aged(old, 10)
    error_record(kind="limit.user_rate", severity="warning", message="new")
    client.force_login(staff)
    week = client.get(ERRORS, {"period": "week"})
    assert [g["kind"] for g in week.context["groups"]] == ["limit.user_rate"]
    everything = client.get(ERRORS, {"period": "all", "severity": "critical"})
    assert [e.kind for e in everything.context["events"]] == ["provider.timeout"]
    by_kind = client.get(ERRORS, {"period": "all", "kind": "limit.user_rate"})
    assert [e.kind for e in by_kind.context["events"]] == ["limit.user_rate"]


def test_nonsense_filters_fall_back_to_defaults(client, staff, db):
    client.force_login(staff)
    response = client.get(ERRORS, {"period": "forever", "severity": "bad"})
    assert response.status_code == 200
    assert response.context["period"] == "week"
    assert response.context["severity"] == ""


def test_the_query_count_does_not_grow_with_events(client, staff, practice_session):
    client.force_login(staff)
    error_record(kind="a", severity="info", message="m", session_id=practice_session.pk)
    with CaptureQueriesContext(connection) as few:
        client.get(ERRORS)
    for n in range(6):
        error_record(
            kind=f"k{n}",
            severity="warning",
            message="m",
            session_id=practice_session.pk,
            user_id=practice_session.student_id,
        )
    with CaptureQueriesContext(connection) as many:
        client.get(ERRORS)
    assert len(many) == len(few)


def test_messages_are_escaped(client, staff, db):
    error_record(kind="x", severity="info", message="<img src=x onerror=alert(1)>")
    client.force_login(staff)
    body = client.get(ERRORS).content.decode()
    assert "<img src=x" not in body


def test_teachers_and_students_may_not_see_errors(client, teacher, student):
    for user in (teacher, student):
        client.force_login(user)
        assert client.get(ERRORS).status_code == 403


def test_a_repeated_refusal_shows_as_one_event_with_its_count(client, staff, student):
    from monitoring.services import error_record_repeated

    for _ in range(5):
        error_record_repeated(
            kind="socket.too_fast", severity="warning", message="Flood.", user_id=student.pk
        )
    [event] = ErrorEvent.objects.filter(kind="socket.too_fast")
    assert event.details["count"] >= 2  # brought up to date at most once a second
    client.force_login(staff)
    assert b"times within a minute" in client.get("/monitor/errors/?period=day").content
