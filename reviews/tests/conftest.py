import pytest

from conftest import add_exchange
from sessions_app.models import PracticeSession
from sessions_app.services import session_end


@pytest.fixture
def held_session(practice_session) -> PracticeSession:
    """The student's completed session with two exchanges."""
    add_exchange(practice_session, "Hi, what brings you here?", "I don't know. My roommate.")
    add_exchange(practice_session, '=HYPERLINK("http://x")', "-that's odd\nsecond line")
    session_end(session=practice_session)
    practice_session.refresh_from_db()
    return practice_session
