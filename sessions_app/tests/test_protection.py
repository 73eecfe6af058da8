import pytest
from django.db.models import ProtectedError

from clients.models import ClientProfile
from conftest import add_message, make_client
from conversations.models import Message


def test_a_client_with_sessions_cannot_be_deleted(practice_session, client_profile):
    with pytest.raises(ProtectedError):
        client_profile.delete()
    assert ClientProfile.objects.filter(pk=client_profile.pk).exists()


def test_a_student_with_sessions_cannot_be_deleted(practice_session, student):
    with pytest.raises(ProtectedError):
        student.delete()


def test_a_teacher_with_clients_cannot_be_deleted(client_profile, teacher):
    with pytest.raises(ProtectedError):
        teacher.delete()


def test_a_session_with_messages_cannot_be_deleted(practice_session):
    add_message(session=practice_session, role=Message.Role.STUDENT, content="Hi.")
    with pytest.raises(ProtectedError):
        practice_session.delete()
    assert Message.objects.count() == 1


def test_a_client_without_sessions_can_be_deleted(teacher):
    client = make_client(teacher)
    client.delete()
    assert not ClientProfile.objects.exists()
