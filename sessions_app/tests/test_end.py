import pytest
from django.urls import reverse

from sessions_app.models import PracticeSession

# The view ends the session through the engine's database_sync_to_async, which closes "old"
# connections first; inside a test's transaction on PostgreSQL that closes the test's own
# connection. Real transactions (flushed after each test) sidestep it.
pytestmark = pytest.mark.django_db(transaction=True)


def _url(session) -> str:
    return f"/sessions/{session.pk}/end/"


def _status(session) -> str:
    return PracticeSession.objects.get(pk=session.pk).status


def test_the_owner_ends_the_session_and_sees_the_complete_page(client, student, practice_session):
    client.force_login(student)
    response = client.post(_url(practice_session))
    assert response.status_code == 302
    assert response.url == f"/sessions/{practice_session.pk}/complete/"
    assert _status(practice_session) == PracticeSession.Status.COMPLETED
    page = client.get(response.url)
    assert page.status_code == 200
    assert b"Session saved" in page.content


def test_ending_twice_still_goes_to_the_complete_page(client, student, practice_session):
    client.force_login(student)
    client.post(_url(practice_session))
    response = client.post(_url(practice_session))
    assert response.status_code == 302
    assert response.url == f"/sessions/{practice_session.pk}/complete/"


def test_it_rejects_get(client, student, practice_session):
    client.force_login(student)
    assert client.get(_url(practice_session)).status_code == 405
    assert _status(practice_session) == PracticeSession.Status.ACTIVE


def test_another_student_gets_404_and_changes_nothing(client, other_student, practice_session):
    client.force_login(other_student)
    assert client.post(_url(practice_session)).status_code == 404
    assert _status(practice_session) == PracticeSession.Status.ACTIVE


def test_the_clients_teacher_gets_404(client, teacher, practice_session):
    client.force_login(teacher)
    assert client.post(_url(practice_session)).status_code == 404
    assert _status(practice_session) == PracticeSession.Status.ACTIVE


def test_anonymous_users_go_to_login(client, practice_session):
    response = client.post(_url(practice_session))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert _status(practice_session) == PracticeSession.Status.ACTIVE
