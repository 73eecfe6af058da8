"""Staff pages count safety flags as they did when flags were error events: the same numbers."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from conversations.models import Message, SafetyFlag
from monitoring import selectors
from monitoring.models import ErrorEvent
from monitoring.services import error_record
from sessions_app.models import PracticeSession
from sessions_app.services import session_start

move = importlib.import_module("monitoring.migrations.0004_safety_flags_to_conversations")


def _flag_event(session: PracticeSession) -> ErrorEvent:
    turn = Message.objects.create(
        session=session,
        sequence_number=Message.objects.filter(session=session).count() + 1,
        role="student",
        content="I want to die, for real.",
    )
    return error_record(
        kind="safety.crisis",
        severity="warning",
        message=move.FLAG_TEXT,
        session_id=session.pk,
        user_id=session.student_id,
        details={"message_id": str(turn.id), "sequence_number": turn.sequence_number},
    )


def _staff_numbers(session: PracticeSession) -> dict:
    today = timezone.localdate()
    return {
        "groups": selectors.error_groups(),
        "errors_last_hour": selectors.dashboard_snapshot().errors_last_hour,
        "daily": [day.errors for day in selectors.daily_metrics(since=today, until=today)],
        "daily_practice": [
            day.errors
            for day in selectors.daily_metrics(since=today, until=today, practice_only=True)
        ],
        "log": len(selectors.session_log(session.pk)["errors"])
        + len(selectors.session_log(session.pk)["safety_flags"]),
    }


@pytest.fixture
def flag_events(student, teacher, client_profile, practice_session) -> PracticeSession:
    test = session_start(student=teacher, client=client_profile, kind="teacher_test")
    for session in (practice_session, practice_session, test):
        _flag_event(session)
    error_record(kind="limit.rate", severity="warning", message="x", session_id=test.pk)
    return practice_session


def test_staff_see_the_same_numbers_once_the_flags_have_moved(flag_events):
    before = _staff_numbers(flag_events)
    move.events_to_flags(apps, None)
    assert SafetyFlag.objects.count() == 3
    assert not ErrorEvent.objects.filter(kind="safety.crisis").exists()
    assert _staff_numbers(flag_events) == before


def test_the_errors_page_shows_safety_flags_as_their_own_row(client, staff, flag_events):
    move.events_to_flags(apps, None)
    client.force_login(staff)
    groups = {g["kind"]: g for g in client.get("/monitor/errors/").context["groups"]}
    flags = groups["safety.crisis"]
    assert (flags["severity"], flags["count"], flags["sessions"]) == ("warning", 3, 2)


def test_the_session_log_lists_its_safety_flags(client, staff, flag_events):
    move.events_to_flags(apps, None)
    client.force_login(staff)
    page = client.get(f"/monitor/sessions/{flag_events.pk}/").content.decode()
    assert "Safety flags in this session" in page
    assert page.count("safety.crisis at ") == 2
    assert "(message 2)" in page
