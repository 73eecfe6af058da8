"""An ended session's page: the read-only transcript with the teacher's released feedback."""

import pytest
from django.utils import timezone

from conftest import add_message
from conversations.models import Message
from reviews.models import MessageComment, SessionReview
from sessions_app.services import session_end


@pytest.fixture
def ended(practice_session):
    turn = add_message(session=practice_session, role=Message.Role.STUDENT, content="Hi there.")
    add_message(session=practice_session, role=Message.Role.CLIENT, content="Hey.")
    session_end(session=practice_session)
    practice_session.turn = turn
    return practice_session


def _review(session, teacher, released: bool) -> SessionReview:
    review = SessionReview.objects.create(
        session=session,
        reviewer=teacher,
        overall_note="Warm opening; try an open question next.",
        released_at=timezone.now() if released else None,
    )
    MessageComment.objects.create(review=review, message=session.turn, text="Nice and simple.")
    return review


def test_an_ended_session_is_a_read_only_transcript(client, student, ended):
    client.force_login(student)
    text = client.get(f"/sessions/{ended.id}/").content.decode()
    assert "Hi there." in text and "Hey." in text
    assert "ws-connect" not in text and "composer-text" not in text
    assert "has not released feedback" in text


def test_released_feedback_shows_with_comments_beside_the_messages(client, student, teacher, ended):
    _review(ended, teacher, released=True)
    client.force_login(student)
    text = client.get(f"/sessions/{ended.id}/").content.decode()
    assert "Warm opening; try an open question next." in text
    comment_at = text.index("Nice and simple.")
    assert text.index("Hi there.") < comment_at < text.index("Hey.")


def test_unreleased_feedback_stays_hidden(client, student, teacher, ended):
    _review(ended, teacher, released=False)
    client.force_login(student)
    text = client.get(f"/sessions/{ended.id}/").content.decode()
    assert "Warm opening" not in text and "Nice and simple." not in text


def test_another_student_gets_404(client, other_student, teacher, ended):
    _review(ended, teacher, released=True)
    client.force_login(other_student)
    assert client.get(f"/sessions/{ended.id}/").status_code == 404


def test_the_record_never_shows_costs_or_hidden_fields(client, student, ended):
    client.force_login(student)
    text = client.get(f"/sessions/{ended.id}/").content.decode()
    assert "TEACHER-ONLY-NOTE" not in text and "panic attack" not in text
    assert " tokens" not in text and "$" not in text


def test_a_teachers_ended_test_conversation_is_a_plain_transcript(client, teacher, client_profile):
    from sessions_app.models import PracticeSession
    from sessions_app.services import session_start

    session = session_start(
        student=teacher, client=client_profile, kind=PracticeSession.Kind.TEACHER_TEST
    )
    session_end(session=session)
    client.force_login(teacher)
    text = client.get(f"/sessions/{session.id}/").content.decode()
    assert "A test conversation" in text
    assert "Your reflection" not in text and "released feedback" not in text
