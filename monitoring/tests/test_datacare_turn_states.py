"""A session's state log is part of it: in the staff's full record, never in the person's own
export, and deleted with the session."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from conversations.models import Message, TurnState
from monitoring.datacare import user_remove
from sessions_app.models import PracticeSession
from sessions_app.services import session_end, session_start


@pytest.fixture
def logged_session(student, client_profile) -> PracticeSession:
    session = session_start(student=student, client=client_profile)
    turn = Message.objects.create(
        session=session, sequence_number=1, role="student", content="It sounds lonely."
    )
    TurnState.objects.create(
        session=session,
        message=turn,
        turn=1,
        trust_before=3,
        trust_after=4,
        codes=["complex_reflection"],
        source="model",
        unlocked=[0],
        voiced=[0],
        coding_input_tokens=900,
        coding_cost=Decimal("0.00009"),
    )
    session_end(session=session)
    return session


def _export(*args: str) -> dict:
    out = StringIO()
    call_command("user_data", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_staff_full_record_holds_each_sessions_state_log(student, logged_session):
    [session] = _export("export-full", "stu")["sessions"]
    [state] = session["turn_states"]
    turn = Message.objects.get(session=logged_session)
    assert state["message"] == str(turn.pk)
    assert (state["trust_before"], state["trust_after"]) == (3, 4)
    assert (state["codes"], state["source"]) == (["complex_reflection"], "model")
    assert state["coding_cost"] == "0.00009"


def test_the_persons_own_export_holds_no_state_log(student, logged_session):
    exported = json.dumps(_export("export", "stu"))
    assert "turn_states" not in exported and "complex_reflection" not in exported
    assert "trust_after" not in exported


def test_purging_a_session_deletes_its_state_log(logged_session):
    PracticeSession.objects.filter(pk=logged_session.pk).update(
        ended_at=timezone.now() - datetime.timedelta(days=400)
    )
    call_command("purge_expired", stdout=StringIO())
    assert not PracticeSession.objects.filter(pk=logged_session.pk).exists()
    assert not TurnState.objects.exists()


def test_removing_a_person_deletes_their_sessions_state_log(student, logged_session):
    user_remove(user=student)
    assert not TurnState.objects.exists()
