from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from sessions_app.models import PracticeSession
from sessions_app.services import session_end, session_start, sessions_abandon_stale


def _idle(session: PracticeSession, minutes: int) -> None:
    PracticeSession.objects.filter(pk=session.pk).update(
        last_activity_at=timezone.now() - timedelta(minutes=minutes)
    )


@pytest.fixture
def sessions(student, other_student, client_profile) -> dict[str, PracticeSession]:
    made = {
        name: session_start(student=student, client=client_profile)
        for name in ("idle", "recent", "idle_but_completed")
    }
    made["other_idle"] = session_start(student=other_student, client=client_profile)
    _idle(made["idle"], 180)
    _idle(made["other_idle"], 121)
    _idle(made["recent"], 30)
    session_end(session=made["idle_but_completed"])
    _idle(made["idle_but_completed"], 600)
    return made


def _statuses(sessions: dict[str, PracticeSession]) -> dict[str, str]:
    return {
        name: PracticeSession.objects.get(pk=session.pk).status
        for name, session in sessions.items()
    }


def test_the_command_abandons_only_idle_active_sessions(sessions):
    out = StringIO()
    with override_settings(SESSION_IDLE_MINUTES=120):
        call_command("abandon_stale_sessions", "--minutes", "120", stdout=out)
    assert _statuses(sessions) == {
        "idle": "abandoned",
        "other_idle": "abandoned",
        "recent": "active",
        "idle_but_completed": "completed",
    }
    assert "Abandoned 2 session(s) idle for more than 120 minutes." in out.getvalue()
    assert PracticeSession.objects.get(pk=sessions["idle"].pk).ended_at is not None


def test_minutes_sets_the_idle_limit(sessions):
    call_command("abandon_stale_sessions", "--minutes", "150", stdout=StringIO())
    statuses = _statuses(sessions)
    assert statuses["idle"] == "abandoned"
    assert statuses["other_idle"] == "active"


def test_a_second_run_changes_nothing(sessions):
    call_command("abandon_stale_sessions", "--minutes", "120", stdout=StringIO())
    out = StringIO()
    call_command("abandon_stale_sessions", "--minutes", "120", stdout=out)
    assert "Abandoned 0 session(s)" in out.getvalue()


@pytest.mark.parametrize("minutes", ["0", "-5"])
def test_the_command_refuses_a_limit_below_one_minute(sessions, minutes):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("abandon_stale_sessions", "--minutes", minutes, stdout=StringIO())
    assert _statuses(sessions)["recent"] == "active"


def test_the_service_uses_the_setting_by_default(sessions):
    with override_settings(SESSION_IDLE_MINUTES=20):
        assert sessions_abandon_stale() == 3
    assert _statuses(sessions)["recent"] == "abandoned"


def test_the_service_refuses_zero_minutes(sessions):
    with pytest.raises(ValueError, match="at least 1"):
        sessions_abandon_stale(idle_minutes=0)
    assert _statuses(sessions)["recent"] == "active"
