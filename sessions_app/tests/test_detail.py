from django.urls import reverse

from conftest import add_message
from conversations.models import Message


def _url(session) -> str:
    return f"/sessions/{session.pk}/"


def test_the_owner_sees_the_conversation(client, student, practice_session):
    add_message(session=practice_session, role=Message.Role.STUDENT, content="How are you?")
    add_message(session=practice_session, role=Message.Role.CLIENT, content="Tired, mostly.")
    client.force_login(student)
    response = client.get(_url(practice_session))
    assert response.status_code == 200
    assert b"Test Client" in response.content
    assert b"How are you?" in response.content
    assert b"Tired, mostly." in response.content


def test_the_page_escapes_message_text(client, student, practice_session):
    add_message(session=practice_session, role=Message.Role.STUDENT, content="<b>bold</b>")
    client.force_login(student)
    response = client.get(_url(practice_session))
    assert b"<b>bold</b>" not in response.content
    assert b"&lt;b&gt;bold&lt;/b&gt;" in response.content


def test_the_page_never_shows_teacher_only_fields(client, student, practice_session):
    client.force_login(student)
    response = client.get(_url(practice_session))
    assert b"TEACHER-ONLY-NOTE" not in response.content
    assert b"panic attack at work" not in response.content


def test_another_student_gets_404(client, other_student, practice_session):
    client.force_login(other_student)
    assert client.get(_url(practice_session)).status_code == 404


def test_the_clients_teacher_gets_404_here(client, teacher, practice_session):
    client.force_login(teacher)
    assert client.get(_url(practice_session)).status_code == 404


def test_anonymous_users_go_to_login(client, practice_session):
    response = client.get(_url(practice_session))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
