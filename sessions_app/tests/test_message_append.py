import uuid

import pytest
from django.db import IntegrityError

from conversations.models import Message
from sessions_app.models import PracticeSession
from sessions_app.services import (
    InvalidText,
    SessionNotActive,
    message_append,
    session_end,
    session_start,
)


def _append(session: PracticeSession, content: str = "Hello.", **extra) -> Message:
    return message_append(session=session, role=Message.Role.STUDENT, content=content, **extra)


def test_it_numbers_messages_from_one_without_gaps(practice_session):
    for n in range(5):
        role = Message.Role.STUDENT if n % 2 == 0 else Message.Role.CLIENT
        message_append(session=practice_session, role=role, content=f"turn {n}")
    stored = list(Message.objects.filter(session=practice_session).order_by("sequence_number"))
    assert [m.sequence_number for m in stored] == [1, 2, 3, 4, 5]
    assert [m.content for m in stored] == [f"turn {n}" for n in range(5)]
    assert [m.role for m in stored[:2]] == ["student", "client"]


def test_numbering_is_per_session(practice_session, other_student, client_profile):
    other = session_start(student=other_student, client=client_profile)
    _append(practice_session)
    _append(practice_session)
    assert _append(other).sequence_number == 1
    assert _append(practice_session).sequence_number == 3


def test_it_works_from_a_stale_session_object(practice_session):
    stale = PracticeSession.objects.get(pk=practice_session.pk)
    _append(practice_session)
    assert _append(stale).sequence_number == 2


def test_it_keeps_the_status_and_idempotency_key(practice_session):
    key = uuid.uuid4()
    message = message_append(
        session=practice_session,
        role=Message.Role.CLIENT,
        content="",
        status=Message.Status.STREAMING,
        client_msg_id=key,
    )
    message.refresh_from_db()
    assert message.status == Message.Status.STREAMING
    assert message.client_msg_id == key


def test_it_marks_the_session_as_active_now(practice_session):
    before = PracticeSession.objects.get(pk=practice_session.pk).last_activity_at
    message = _append(practice_session)
    after = PracticeSession.objects.get(pk=practice_session.pk).last_activity_at
    assert after == message.timestamp
    assert after >= before


def test_it_refuses_an_ended_session(practice_session):
    session_end(session=practice_session)
    with pytest.raises(SessionNotActive, match="This session has ended"):
        _append(practice_session)
    assert not Message.objects.exists()


def test_it_refuses_an_abandoned_session_even_from_a_stale_object(practice_session):
    stale = PracticeSession.objects.get(pk=practice_session.pk)
    session_end(session=practice_session, status=PracticeSession.Status.ABANDONED)
    assert stale.status == PracticeSession.Status.ACTIVE
    with pytest.raises(SessionNotActive):
        _append(stale)


@pytest.mark.parametrize(
    "content",
    ["nul \x00 byte", "lone \ud800 surrogate", "\udfff"],
    ids=["nul", "high-surrogate", "low-surrogate"],
)
def test_it_refuses_unstorable_text_before_the_database(
    practice_session, django_assert_num_queries, content
):
    with django_assert_num_queries(0), pytest.raises(InvalidText) as error:
        _append(practice_session, content)
    assert "cannot be saved" in str(error.value)
    assert not Message.objects.exists()


def test_a_repeated_idempotency_key_in_one_session_is_refused(practice_session):
    key = uuid.uuid4()
    _append(practice_session, client_msg_id=key)
    with pytest.raises(IntegrityError):
        _append(practice_session, "again", client_msg_id=key)
    assert Message.objects.filter(session=practice_session).count() == 1
    assert _append(practice_session, "next").sequence_number == 2


def test_the_same_idempotency_key_in_two_sessions_is_fine(
    practice_session, other_student, client_profile
):
    other = session_start(student=other_student, client=client_profile)
    key = uuid.uuid4()
    _append(practice_session, client_msg_id=key)
    _append(other, client_msg_id=key)
    assert Message.objects.filter(client_msg_id=key).count() == 2


def test_many_messages_without_a_key_are_fine(practice_session):
    _append(practice_session)
    _append(practice_session)
    assert Message.objects.filter(client_msg_id__isnull=True).count() == 2


def test_the_database_refuses_a_repeated_sequence_number(practice_session):
    first = _append(practice_session)
    with pytest.raises(IntegrityError):
        Message.objects.create(
            session=practice_session, sequence_number=first.sequence_number, role="client"
        )
