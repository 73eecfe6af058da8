import datetime

from django.utils import timezone

from monitoring.models import ErrorEvent
from monitoring.selectors import pilot_scorecard
from monitoring.services import error_record, feedback_submit
from monitoring.tests.helpers import reply
from sessions_app.models import PracticeSession
from sessions_app.services import session_end, session_start

PILOT = "/monitor/pilot/"


def _completed(
    student, client_profile, *, cost="0.002", demo_mode=False, **fields
) -> PracticeSession:
    session = session_start(student=student, client=client_profile, **fields)
    # Tests run on the demo provider; the pilot counts real conversations unless asked.
    PracticeSession.objects.filter(pk=session.pk).update(demo_mode=demo_mode)
    reply(session, cost=cost, first_token_ms=900, total_ms=2400)
    session_end(session=session)
    return session


def _goals(**kwargs) -> dict:
    today = timezone.localdate()
    return {
        goal.label.split(" on ")[0]: goal
        for goal in pilot_scorecard(since=today - datetime.timedelta(days=6), until=today, **kwargs)
    }


def test_a_week_that_meets_every_goal(student, client_profile, make_teachers):
    for _ in range(10):
        _completed(student, client_profile)
    for teacher in make_teachers(5):
        feedback_submit(teacher=teacher, overall_impression=4, client_quality=4)
    goals = _goals()
    assert all(goal.met for goal in goals.values()), goals
    assert goals["Completed conversations"].value == "10"
    assert goals["Cost per completed conversation"].value == "$0.002000"
    assert goals["Average time to first token"].value == "0.90 s"
    assert "Full reply: 2.40 s" in goals["Average time to first token"].note


def test_teacher_tests_and_demo_sessions_count_only_when_asked(student, teacher, client_profile):
    _completed(student, client_profile)
    _completed(teacher, client_profile, kind=PracticeSession.Kind.TEACHER_TEST)
    _completed(student, client_profile, demo_mode=True)
    assert _goals()["Completed conversations"].value == "1"
    assert _goals(include_tests=True)["Completed conversations"].value == "2"
    assert _goals(include_tests=True, include_demo=True)["Completed conversations"].value == "3"


def test_an_empty_week_fails_plainly(db):
    goals = _goals()
    assert not goals["Completed conversations"].met
    assert goals["Cost per completed conversation"].value == "no completed conversations"
    assert not goals["Average time to first token"].met
    assert goals["Critical errors"].met


def test_a_critical_error_on_the_last_day_fails_that_goal(db):
    error_record(kind="provider.overloaded", severity=ErrorEvent.Severity.CRITICAL, message="m")
    goals = _goals()
    assert not goals["Critical errors"].met
    assert goals["Critical errors"].value == "1"


def test_expensive_conversations_fail_the_cost_goal(student, client_profile):
    _completed(student, client_profile, cost="0.02")
    assert not _goals()["Cost per completed conversation"].met


def test_the_page_shows_each_goal_green_or_red(client, staff, student, client_profile):
    _completed(student, client_profile)
    client.force_login(staff)
    response = client.get(PILOT, {"include_tests": "on"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="pass"') + body.count('class="fail"') == 5
    assert "Completed conversations" in body


def test_teachers_and_students_may_not_see_it(client, teacher, student):
    for user in (teacher, student):
        client.force_login(user)
        assert client.get(PILOT).status_code == 403


def test_no_data_yet_is_not_yet_measured_rather_than_a_failure(db):
    goals = _goals()
    assert goals["Cost per completed conversation"].met is None
    assert goals["Average time to first token"].met is None
    assert goals["Completed conversations"].met is False  # zero is a measurement


def test_the_page_shows_goals_without_data_as_not_yet_measured_not_as_not_met(client, staff):
    client.force_login(staff)
    body = client.get(PILOT).content.decode()
    rows = {row.split("</th>", 1)[0]: row for row in body.split('<th scope="row">')[1:]}
    for label in ("Cost per completed conversation", "Average time to first token"):
        assert "Not yet measured" in rows[label], rows[label]
        assert "Not met" not in rows[label]
    assert "✗ Not met" in rows["Completed conversations"]
    assert body.count('class="unmeasured"') == 2
