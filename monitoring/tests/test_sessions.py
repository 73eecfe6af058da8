import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_client
from monitoring.services import error_record
from monitoring.tests.helpers import reply
from sessions_app.models import PracticeSession
from sessions_app.services import session_end, session_start

SESSIONS = "/monitor/sessions/"


def _ids(response) -> set:
    return {session.pk for session, _ in response.context["rows"]}


def test_staff_see_every_session_with_its_message_count(
    client, staff, practice_session, other_student, client_profile
):
    other = session_start(student=other_student, client=client_profile)
    reply(practice_session)
    client.force_login(staff)
    response = client.get(SESSIONS)
    assert response.status_code == 200
    assert _ids(response) == {practice_session.pk, other.pk}
    counts = {session.pk: n for session, n in response.context["rows"]}
    assert counts == {practice_session.pk: 2, other.pk: 0}


def test_it_filters_by_status_kind_client_user_and_date(
    client, staff, practice_session, other_student, teacher, client_profile
):
    ended = session_start(student=other_student, client=client_profile)
    session_end(session=ended)
    second_client = make_client(teacher, name="Second")
    test = session_start(
        student=teacher, client=second_client, kind=PracticeSession.Kind.TEACHER_TEST
    )
    old = session_start(student=other_student, client=client_profile)
    PracticeSession.objects.filter(pk=old.pk).update(
        started_at=timezone.now() - datetime.timedelta(days=10)
    )
    client.force_login(staff)
    assert _ids(client.get(SESSIONS, {"status": "completed"})) == {ended.pk}
    assert _ids(client.get(SESSIONS, {"kind": "teacher_test"})) == {test.pk}
    assert _ids(client.get(SESSIONS, {"client": second_client.pk})) == {test.pk}
    assert _ids(client.get(SESSIONS, {"user": "stu2"})) == {ended.pk, old.pk}
    today = timezone.localdate()
    since = client.get(SESSIONS, {"since": today.isoformat()})
    assert _ids(since) == {practice_session.pk, ended.pk, test.pk}
    until = client.get(SESSIONS, {"until": (today - datetime.timedelta(days=5)).isoformat()})
    assert _ids(until) == {old.pk}


def test_a_backwards_date_range_is_an_error_not_a_crash(client, staff, practice_session):
    client.force_login(staff)
    response = client.get(SESSIONS, {"since": "2026-02-01", "until": "2026-01-01"})
    assert response.status_code == 200
    assert b"The start date comes after the end date." in response.content


def test_the_list_query_count_does_not_grow_with_rows(client, staff, student, client_profile):
    client.force_login(staff)
    reply(session_start(student=student, client=client_profile))
    with CaptureQueriesContext(connection) as few:
        client.get(SESSIONS)
    for _ in range(6):
        reply(session_start(student=student, client=client_profile))
    with CaptureQueriesContext(connection) as many:
        client.get(SESSIONS)
    assert len(many) == len(few)


def test_the_detail_shows_each_message_with_tokens_cost_and_latency(
    client, staff, practice_session
):
    reply(practice_session, cost="0.0000123", first_token_ms=1234, total_ms=4321, input_tokens=77)
    error_record(
        kind="provider.overloaded",
        severity="critical",
        message="Overloaded.",
        session_id=practice_session.pk,
    )
    client.force_login(staff)
    response = client.get(f"{SESSIONS}{practice_session.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("$0.000012", "1.23 s", "4.32 s", ">77<", "provider.overloaded", "Tired."):
        assert text in body


def test_message_text_is_escaped(client, staff, practice_session):
    from conftest import add_message

    add_message(session=practice_session, role="student", content="<script>alert(1)</script>")
    client.force_login(staff)
    body = client.get(f"{SESSIONS}{practice_session.pk}/").content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;" in body


def test_an_unknown_session_is_404(client, staff, db):
    client.force_login(staff)
    assert client.get(f"{SESSIONS}00000000-0000-0000-0000-000000000000/").status_code == 404


def test_teachers_and_students_may_not_see_logs(client, teacher, student, practice_session):
    for user in (teacher, student):
        client.force_login(user)
        assert client.get(SESSIONS).status_code == 403
        assert client.get(f"{SESSIONS}{practice_session.pk}/").status_code == 403


def test_a_flash_message_shows_on_the_session_log_and_the_transcript_is_not_in_the_banner(
    client, staff, practice_session
):
    reply(practice_session)
    client.force_login(staff)
    # Any page that says something after a redirect: here the pilot feedback form (staff are
    # teachers too), whose thanks must still reach the next page, the session log.
    client.post("/feedback/", {"overall_impression": "4", "client_quality": "4"})
    response = client.get(f"{SESSIONS}{practice_session.pk}/")
    soup = response.content.decode()
    banner = soup.split('<ul class="flash">', 1)[1].split("</ul>", 1)[0]
    assert "Thank you: your feedback has reached the pilot team." in banner
    assert "Tired." not in banner
    assert "How are you?" not in banner
    assert soup.count('<ul class="flash">') == 1


def test_the_session_log_without_a_flash_message_has_no_banner(client, staff, practice_session):
    reply(practice_session)
    client.force_login(staff)
    body = client.get(f"{SESSIONS}{practice_session.pk}/").content.decode()
    assert 'class="flash"' not in body
    assert "Tired." in body


def test_the_older_page_link_keeps_the_filters(client, staff, student, client_profile):
    from monitoring.views import SESSIONS_PER_PAGE

    for _ in range(SESSIONS_PER_PAGE + 1):
        session_start(student=student, client=client_profile)
    client.force_login(staff)
    body = client.get(SESSIONS, {"kind": "practice", "user": student.username}).content.decode()
    assert f"?kind=practice&amp;user={student.username}&amp;page=2" in body
    second = client.get(SESSIONS, {"kind": "practice", "user": student.username, "page": "2"})
    assert len(second.context["rows"]) == 1
    assert f"?kind=practice&amp;user={student.username}&amp;page=1" in second.content.decode()


def test_a_date_outside_the_years_2000_to_2999_shows_the_plain_sentence(client, staff, db):
    client.force_login(staff)
    response = client.get(SESSIONS, {"since": "1999-12-31"})
    assert b"Choose a date between 2000 and 2999 (YYYY-MM-DD)." in response.content
