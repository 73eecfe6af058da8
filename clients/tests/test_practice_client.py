"""The student's gallery cards, a client's preview, and the content-warning step before starting."""

import pytest

from conftest import make_client
from sessions_app.models import PracticeSession
from sessions_app.services import session_start

SECRETS = {
    "disclosures": [{"text": "SECRET-HIDDEN-INFO", "level": 1, "keywords": ["SECRET-KEYWORD"]}],
    "risk": {
        "stance": "deflects",
        "disclosure": {"text": "SECRET-RISK-NOTE", "level": 3, "keywords": ["SECRET-RISK-WORD"]},
    },
    "teacher_notes": "SECRET-TEACHER-NOTE",
    "core_beliefs": ["SECRET-CORE-BELIEF"],
}


@pytest.fixture
def full_client(teacher):
    return make_client(
        teacher,
        name="Maya Torres",
        age=34,
        pronouns="she/her",
        occupation="Nurse",
        presenting_problem="Panic on night shifts since a hard week at work. " * 3,
        difficulty="intermediate",
        learning_objectives=["Build rapport", "Explore triggers"],
        session_time_limit_minutes=30,
        content_warnings=["panic attacks", "workplace stress"],
        **SECRETS,
    )


def _assert_no_secrets(text: str) -> None:
    for secret in (
        "SECRET-HIDDEN-INFO",
        "SECRET-KEYWORD",
        "SECRET-RISK",
        "SECRET-TEACHER-NOTE",
        "SECRET-CORE",
    ):
        assert secret not in text


def test_a_card_shows_what_a_student_needs_to_choose(client, student, full_client):
    client.force_login(student)
    text = client.get("/practice/").content.decode()
    for words in (
        "Maya Torres",
        "34 years old",
        "she/her",
        "Panic on night shifts",
        "Intermediate",
        "Build rapport",
        "30 minutes",
        "panic attacks",
        f"/practice/clients/{full_client.id}/",
        "Start session",
    ):
        assert words in text
    _assert_no_secrets(text)


def test_the_preview_shows_the_whole_card_but_no_secrets(client, student, full_client):
    client.force_login(student)
    response = client.get(f"/practice/clients/{full_client.id}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Nurse" in text and "Explore triggers" in text and "workplace stress" in text
    assert 'name="confirmed"' in text
    _assert_no_secrets(text)


def test_an_unpublished_client_has_no_preview(client, student, teacher):
    draft = make_client(teacher, is_published=False)
    client.force_login(student)
    assert client.get(f"/practice/clients/{draft.id}/").status_code == 404


def test_starting_a_client_with_warnings_shows_them_first(client, student, full_client):
    client.force_login(student)
    response = client.post(f"/practice/clients/{full_client.id}/start/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Before you start with Maya Torres" in text
    assert "panic attacks" in text
    assert not PracticeSession.objects.exists()
    _assert_no_secrets(text)


def test_confirming_starts_the_session(client, student, full_client):
    client.force_login(student)
    response = client.post(f"/practice/clients/{full_client.id}/start/", {"confirmed": "yes"})
    session = PracticeSession.objects.get()
    assert response.url == f"/sessions/{session.id}/"


def test_an_active_session_is_offered_for_resuming(client, student, full_client):
    session = session_start(student=student, client=full_client)
    client.force_login(student)
    gallery = client.get("/practice/").content.decode()
    preview = client.get(f"/practice/clients/{full_client.id}/").content.decode()
    for text in (gallery, preview):
        assert "Resume session" in text and f"/sessions/{session.id}/" in text
    response = client.post(f"/practice/clients/{full_client.id}/start/")
    assert response.url == f"/sessions/{session.id}/", "no warning step, no second session"
    assert PracticeSession.objects.count() == 1


def test_another_students_active_session_is_not_offered(
    client, other_student, student, full_client
):
    session_start(student=other_student, client=full_client)
    client.force_login(student)
    assert "Resume session" not in client.get("/practice/").content.decode()


def test_the_conversation_page_never_shows_secrets(client, student, full_client):
    session = session_start(student=student, client=full_client)
    client.force_login(student)
    text = client.get(f"/sessions/{session.id}/").content.decode()
    _assert_no_secrets(text)
    assert 'data-limit="1800"' in text
