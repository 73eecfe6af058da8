from django.conf import settings

from clients.cards import card_from_client
from clients.models import ClientPreview
from clients.prompts import PROMPT_VERSION
from sessions_app.models import PracticeSession
from sessions_app.services import preview_start, session_start


def test_it_starts_an_active_practice_session(student, client_profile):
    session = session_start(student=student, client=client_profile, prompt_version="v9")
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.ACTIVE
    assert session.kind == PracticeSession.Kind.PRACTICE
    assert session.student == student
    assert session.client_profile == client_profile
    assert session.model == settings.LLM_MODEL
    assert session.prompt_version == "v9"
    assert session.ended_at is None
    assert session.total_tokens == 0
    assert session.estimated_cost == 0


def test_it_snapshots_the_card(student, client_profile):
    session = session_start(student=student, client=client_profile)
    session.refresh_from_db()
    assert session.client_snapshot == card_from_client(client_profile)
    assert session.client_snapshot["name"] == "Test Client"
    assert session.client_snapshot["format"] == "client-card/v2"
    assert session.client_snapshot["disclosures"] == client_profile.disclosures
    assert "hidden_information" not in session.client_snapshot


def test_editing_the_client_later_leaves_the_snapshot_alone(student, client_profile):
    session = session_start(student=student, client=client_profile)
    client_profile.name = "Renamed"
    client_profile.resistance_level = 5
    client_profile.core_beliefs = ["new belief"]
    client_profile.save()
    session.refresh_from_db()
    assert session.client_snapshot["name"] == "Test Client"
    assert session.client_snapshot["resistance_level"] == 2
    assert session.client_snapshot["core_beliefs"] == []


def test_it_records_the_kind_model_and_demo_mode(teacher, client_profile, settings):
    settings.ANTHROPIC_API_KEY = ""  # the offline demo provider answers
    session = session_start(
        student=teacher,
        client=client_profile,
        kind=PracticeSession.Kind.TEACHER_TEST,
        model="claude-other",
    )
    session.refresh_from_db()
    assert session.kind == PracticeSession.Kind.TEACHER_TEST
    assert session.model == "claude-other"
    assert session.demo_mode is True


def test_a_session_answered_by_claude_is_not_marked_demo(student, client_profile, settings):
    settings.ANTHROPIC_API_KEY = "sk-test"
    session = session_start(student=student, client=client_profile)
    session.refresh_from_db()
    assert session.demo_mode is False


def test_a_session_records_the_prompt_version_it_was_started_with(student, client_profile):
    session = session_start(student=student, client=client_profile)
    session.refresh_from_db()
    assert session.prompt_version == PROMPT_VERSION


def test_a_preview_is_a_marked_teacher_test_session(teacher, client_profile):
    session = preview_start(client=client_profile, teacher=teacher)
    assert session.kind == PracticeSession.Kind.TEACHER_TEST
    assert session.student == teacher
    assert ClientPreview.objects.filter(session=session).exists()
