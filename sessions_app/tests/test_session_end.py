import pytest
from django.utils import timezone

from sessions_app.models import PracticeSession
from sessions_app.services import SessionNotActive, session_end


def test_it_completes_an_active_session(practice_session):
    before = timezone.now()
    returned = session_end(session=practice_session)
    practice_session.refresh_from_db()
    assert practice_session.status == PracticeSession.Status.COMPLETED
    assert practice_session.ended_at >= before
    assert returned.status == PracticeSession.Status.COMPLETED


def test_it_can_end_as_abandoned(practice_session):
    session_end(session=practice_session, status=PracticeSession.Status.ABANDONED)
    practice_session.refresh_from_db()
    assert practice_session.status == PracticeSession.Status.ABANDONED


def test_ending_twice_is_refused_in_plain_words(practice_session):
    session_end(session=practice_session)
    ended_at = PracticeSession.objects.get(pk=practice_session.pk).ended_at
    with pytest.raises(SessionNotActive) as error:
        session_end(session=practice_session)
    assert str(error.value) == "This session has already ended."
    assert PracticeSession.objects.get(pk=practice_session.pk).ended_at == ended_at


def test_ending_from_a_stale_object_is_refused_too(practice_session):
    stale = PracticeSession.objects.get(pk=practice_session.pk)
    session_end(session=practice_session, status=PracticeSession.Status.ABANDONED)
    with pytest.raises(SessionNotActive):
        session_end(session=stale)
    practice_session.refresh_from_db()
    assert practice_session.status == PracticeSession.Status.ABANDONED
