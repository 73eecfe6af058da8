"""A session's safety flags are part of it: exported with the person's data, deleted with it."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from conversations.models import Message, SafetyFlag
from monitoring.services import error_record
from sessions_app.models import PracticeSession
from sessions_app.services import session_end, session_start

SUPPORT_SHOWN = "A student's message looked like a real personal crisis; support text shown."


@pytest.fixture
def flagged_session(student, client_profile) -> PracticeSession:
    session = session_start(student=student, client=client_profile)
    turn = Message.objects.create(
        session=session, sequence_number=1, role="student", content="I want to die, for real."
    )
    SafetyFlag.objects.create(
        session=session, message=turn, created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    session_end(session=session)
    return session


def _export(*args: str) -> dict:
    out = StringIO()
    call_command("user_data", *args, stdout=out)
    return json.loads(out.getvalue())


def test_a_persons_export_lists_the_support_text_shown_among_their_notices(
    student, flagged_session
):
    error_record(kind="limit.rate", severity="warning", message="Slow down.", user_id=student.pk)
    notices = _export("export", "stu")["notices"]
    assert [(n["kind"], n["text"]) for n in notices] == [
        ("safety.crisis", SUPPORT_SHOWN),
        ("limit.rate", "Slow down."),
    ]


def test_the_staff_full_record_holds_each_sessions_safety_flags(student, flagged_session):
    [session] = _export("export-full", "stu")["sessions"]
    [flag] = session["safety_flags"]
    turn = Message.objects.get(session=flagged_session)
    assert (flag["kind"], flag["message"]) == ("crisis", str(turn.pk))


def test_purging_a_session_deletes_its_safety_flags(settings, flagged_session):
    PracticeSession.objects.filter(pk=flagged_session.pk).update(
        ended_at=timezone.now() - datetime.timedelta(days=400)
    )
    call_command("purge_expired", stdout=StringIO())
    assert not PracticeSession.objects.exists()
    assert not SafetyFlag.objects.exists()


def test_removing_a_person_deletes_their_safety_flags(student, flagged_session):
    call_command("user_data", "delete", "stu", "--mode", "remove", "--yes", stdout=StringIO())
    assert not SafetyFlag.objects.exists()


def test_pruning_error_events_keeps_the_safety_flags(settings, flagged_session):
    SafetyFlag.objects.update(created_at=timezone.now() - datetime.timedelta(days=100))
    call_command("prune_errors", stdout=StringIO())
    assert SafetyFlag.objects.count() == 1
