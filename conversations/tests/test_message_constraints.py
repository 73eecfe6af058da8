"""What the database itself refuses of a session's messages, whoever stores them."""

import uuid

import pytest
from django.db import IntegrityError, transaction

from conftest import add_message
from conversations.models import Message
from sessions_app.models import PracticeSession
from sessions_app.services import session_start


def _add(session: PracticeSession, content: str = "Hello.", **extra) -> Message:
    return add_message(session=session, role=Message.Role.STUDENT, content=content, **extra)


def test_a_repeated_idempotency_key_in_one_session_is_refused(practice_session):
    key = uuid.uuid4()
    _add(practice_session, client_msg_id=key)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            session=practice_session, sequence_number=2, role="student", client_msg_id=key
        )
    assert Message.objects.filter(session=practice_session).count() == 1
    assert _add(practice_session, "next").sequence_number == 2


def test_the_same_idempotency_key_in_two_sessions_is_fine(
    practice_session, other_student, client_profile
):
    other = session_start(student=other_student, client=client_profile)
    key = uuid.uuid4()
    _add(practice_session, client_msg_id=key)
    _add(other, client_msg_id=key)
    assert Message.objects.filter(client_msg_id=key).count() == 2


def test_many_messages_without_a_key_are_fine(practice_session):
    _add(practice_session)
    _add(practice_session)
    assert Message.objects.filter(client_msg_id__isnull=True).count() == 2


def test_the_database_refuses_a_repeated_sequence_number(practice_session):
    first = _add(practice_session)
    with pytest.raises(IntegrityError):
        Message.objects.create(
            session=practice_session, sequence_number=first.sequence_number, role="client"
        )
