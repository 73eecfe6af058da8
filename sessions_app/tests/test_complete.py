from django.urls import reverse

from sessions_app.services import session_end


def _url(session) -> str:
    return f"/sessions/{session.pk}/complete/"


def test_the_owner_sees_the_complete_page_of_an_ended_session(client, student, practice_session):
    session_end(session=practice_session)
    client.force_login(student)
    response = client.get(_url(practice_session))
    assert response.status_code == 200
    assert b"Session saved" in response.content
    assert b"Test Client" in response.content


def test_an_active_session_goes_back_to_the_conversation(client, student, practice_session):
    client.force_login(student)
    response = client.get(_url(practice_session))
    assert response.status_code == 302
    assert response.url == f"/sessions/{practice_session.pk}/"


def test_another_student_gets_404(client, other_student, practice_session):
    session_end(session=practice_session)
    client.force_login(other_student)
    assert client.get(_url(practice_session)).status_code == 404


def test_the_clients_teacher_gets_404(client, teacher, practice_session):
    session_end(session=practice_session)
    client.force_login(teacher)
    assert client.get(_url(practice_session)).status_code == 404


def test_anonymous_users_go_to_login(client, practice_session):
    response = client.get(_url(practice_session))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
