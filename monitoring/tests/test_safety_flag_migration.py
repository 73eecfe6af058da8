"""Migration 0004 moves the safety.crisis error events of a session to conversations.SafetyFlag."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from conversations.models import Message, SafetyFlag
from monitoring.models import ErrorEvent

BEFORE = [("monitoring", "0003_alter_teacherfeedback_feature_requests_and_more")]
AFTER = [("monitoring", "0004_safety_flags_to_conversations")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def before_the_move(transactional_db):
    _migrate(BEFORE)
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _student_turn(session) -> Message:
    return Message.objects.create(
        session=session, sequence_number=1, role="student", content="I want to die, for real."
    )


def _flag_event(session, message, days_ago: int) -> ErrorEvent:
    event = ErrorEvent.objects.create(
        kind="safety.crisis",
        severity="warning",
        message="A student's message looked like a real personal crisis; support text shown.",
        session=session,
        user=session.student,
        details={"message_id": str(message.id), "sequence_number": message.sequence_number},
    )
    created_at = timezone.now() - datetime.timedelta(days=days_ago)
    ErrorEvent.objects.filter(pk=event.pk).update(created_at=created_at)
    return ErrorEvent.objects.get(pk=event.pk)


def test_old_flags_move_to_their_sessions_and_the_other_events_stay(
    before_the_move, practice_session
):
    turn = _student_turn(practice_session)
    event = _flag_event(practice_session, turn, days_ago=80)
    ErrorEvent.objects.create(kind="safety.crisis", severity="warning", message="purged session")
    ErrorEvent.objects.create(
        kind="limit.rate", severity="warning", message="x", session=practice_session
    )

    _migrate(AFTER)

    [flag] = SafetyFlag.objects.all()
    assert (flag.session_id, flag.message_id, flag.kind) == (practice_session.pk, turn.pk, "crisis")
    assert flag.created_at == event.created_at
    assert sorted(ErrorEvent.objects.values_list("kind", "message")) == [
        ("limit.rate", "x"),
        ("safety.crisis", "purged session"),
    ]


def test_moving_the_flags_back_restores_the_error_events(before_the_move, practice_session):
    turn = _student_turn(practice_session)
    event = _flag_event(practice_session, turn, days_ago=3)
    _migrate(AFTER)

    _migrate(BEFORE)

    assert not SafetyFlag.objects.exists()
    [restored] = ErrorEvent.objects.all()
    assert (restored.kind, restored.severity, restored.message) == (
        event.kind,
        event.severity,
        event.message,
    )
    assert (restored.session_id, restored.user_id, restored.created_at) == (
        practice_session.pk,
        practice_session.student_id,
        event.created_at,
    )
    assert restored.details == event.details
