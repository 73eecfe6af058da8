from decimal import Decimal

import pytest

from conversations.models import Message
from sessions_app.models import PracticeSession
from sessions_app.services import message_account, message_append, session_end


def add_exchange(session: PracticeSession, student_text: str, client_text: str) -> Message:
    """A student turn and a costed client reply; returns the reply."""
    message_append(session=session, role=Message.Role.STUDENT, content=student_text)
    reply = message_append(session=session, role=Message.Role.CLIENT, content=client_text)
    message_account(
        message=reply,
        input_tokens=900,
        output_tokens=40,
        cache_write_tokens=0,
        cache_read_tokens=300,
        cost=Decimal("0.0001234567"),
    )
    Message.objects.filter(pk=reply.pk).update(first_token_ms=420, total_ms=1300)
    return reply


@pytest.fixture
def held_session(practice_session) -> PracticeSession:
    """The student's completed session with two exchanges."""
    add_exchange(practice_session, "Hi, what brings you here?", "I don't know. My roommate.")
    add_exchange(practice_session, '=HYPERLINK("http://x")', "-that's odd\nsecond line")
    session_end(session=practice_session)
    practice_session.refresh_from_db()
    return practice_session
