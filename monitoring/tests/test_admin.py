import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from monitoring.models import ErrorEvent
from monitoring.services import error_record

EVENTS = "/admin/monitoring/errorevent/"


@pytest.fixture
def events(practice_session, student) -> list[ErrorEvent]:
    return [
        error_record(
            kind="provider.overloaded",
            severity=ErrorEvent.Severity.CRITICAL,
            message="The model was overloaded; the student's turn was kept.",
            session_id=practice_session.pk,
            user_id=student.pk,
            status_code=529,
            details={"attempts": 3},
        ),
        error_record(
            kind="limit.rate",
            severity=ErrorEvent.Severity.WARNING,
            message="Too many messages in a minute.",
        ),
    ]


def test_the_changelist_loads_with_events(admin_client, events):
    response = admin_client.get(EVENTS)
    assert response.status_code == 200
    assert b"provider.overloaded" in response.content
    assert b"limit.rate" in response.content


def test_the_changelist_filters_and_searches(admin_client, events):
    critical = admin_client.get(EVENTS, {"severity__exact": "critical"})
    assert [e.kind for e in critical.context["cl"].result_list] == ["provider.overloaded"]
    found = admin_client.get(EVENTS, {"q": "minute"})
    assert [e.kind for e in found.context["cl"].result_list] == ["limit.rate"]


def test_the_changelist_query_count_does_not_grow_with_rows(admin_client, practice_session):
    error_record(kind="a", severity="info", message="m", session_id=practice_session.pk)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(EVENTS)
    for n in range(6):
        user = make_user(f"u{n}")
        error_record(
            kind="b", severity="info", message="m", session_id=practice_session.pk, user_id=user.pk
        )
    with CaptureQueriesContext(connection) as many:
        admin_client.get(EVENTS)
    assert len(many) == len(few)


def test_the_event_page_loads_read_only(admin_client, events):
    response = admin_client.get(f"{EVENTS}{events[0].pk}/change/")
    assert response.status_code == 200
    assert b"attempts" in response.content
    assert b'name="message"' not in response.content


def test_events_cannot_be_added_here(admin_client):
    assert admin_client.get(f"{EVENTS}add/").status_code == 403


def test_old_events_can_be_deleted(admin_client, events):
    response = admin_client.post(f"{EVENTS}{events[1].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(ErrorEvent.objects.values_list("kind", flat=True)) == ["provider.overloaded"]


def test_selected_events_export_as_csv_json_and_xlsx(admin_client, events):
    import csv
    import io
    import json

    from openpyxl import load_workbook

    error_record(kind="x", severity="info", message="=HYPERLINK(1)")
    ids = [str(pk) for pk in ErrorEvent.objects.values_list("pk", flat=True)]
    data = {"_selected_action": ids}
    response = admin_client.post(EVENTS, data | {"action": "export_csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["id", "created_at", "kind"]
    assert len(rows) == 4
    assert "'=HYPERLINK(1)" in text
    response = admin_client.post(EVENTS, data | {"action": "export_json"})
    assert len(json.loads(b"".join(response.streaming_content))["rows"]) == 3
    response = admin_client.post(EVENTS, data | {"action": "export_xlsx"})
    assert len(list(load_workbook(io.BytesIO(response.content)).active.values)) == 4


def test_teacher_feedback_is_read_only_in_the_admin(admin_client, teacher):
    from monitoring.services import feedback_submit

    feedback = feedback_submit(teacher=teacher, overall_impression=4, client_quality=3)
    url = "/admin/monitoring/teacherfeedback/"
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(f"{url}add/").status_code == 403
    assert b'name="what_worked"' not in admin_client.get(f"{url}{feedback.pk}/change/").content
