"""Where the computed skill summary shows: the teacher's review page, the student's complete page
and record, a teacher's ended test; never for a session without a state log, nor to outsiders."""

import pytest

from conftest import add_exchange
from conversations.models import Message
from conversations.services import turn_state_record
from reviews.selectors import session_skill_summary
from sessions_app.models import PracticeSession
from sessions_app.services import session_end, session_start

STUDENT_HEADING = "Your skills in this session (practice targets, not grades)"
TEACHER_HEADING = "Skills in this session (practice targets, not grades)"


def log_codes(session: PracticeSession, turn_codes: list[tuple[str, ...]]) -> None:
    """One state-log row per student message, in order, as the engine writes them."""
    students = Message.objects.filter(session=session, role="student").order_by("sequence_number")
    for number, (message, codes) in enumerate(zip(students, turn_codes, strict=True), start=1):
        turn_state_record(
            message=message, turn=number, trust_before=3, trust_after=3, codes=codes, unlocked=[]
        )


@pytest.fixture
def coded_session(held_session) -> PracticeSession:
    log_codes(
        held_session,
        [("complex_reflection", "open_question"), ("simple_reflection", "closed_question")],
    )
    return held_session


def test_the_teacher_sees_the_summary_on_the_review_page(client, teacher, coded_session):
    client.force_login(teacher)
    page = client.get(f"/teach/sessions/{coded_session.id}/").content.decode()
    assert TEACHER_HEADING in page
    assert "Reflections to questions" in page and "1:1" in page
    assert "fair 1:1, good 2:1 (MITI 4.2.1)" in page
    assert "fair 50%, good 70% (MITI 3.1.1)" in page
    assert page.count('class="skill-band') == 3


def test_the_student_sees_the_summary_on_the_complete_page(client, student, coded_session):
    client.force_login(student)
    page = client.get(f"/sessions/{coded_session.id}/complete/").content.decode()
    assert STUDENT_HEADING in page
    assert "Complex reflections (of all reflections)" in page and "50%" in page
    assert '<span class="skill-band skill-band-good">good</span>' in page


def test_the_student_sees_the_summary_on_the_session_record(client, student, coded_session):
    client.force_login(student)
    page = client.get(f"/sessions/{coded_session.id}/").content.decode()
    assert STUDENT_HEADING in page
    assert '<span class="skill-band skill-band-fair">fair</span>' in page


def test_a_session_with_no_questions_says_so(client, student, held_session):
    log_codes(held_session, [("simple_reflection",), ("affirm",)])
    client.force_login(student)
    page = client.get(f"/sessions/{held_session.id}/complete/").content.decode()
    assert "no questions yet" in page
    assert page.count('class="skill-band') == 1, "only the complex share has a value"


def test_a_session_without_a_state_log_shows_nothing(client, student, teacher, held_session):
    client.force_login(student)
    assert (
        STUDENT_HEADING not in client.get(f"/sessions/{held_session.id}/complete/").content.decode()
    )
    assert STUDENT_HEADING not in client.get(f"/sessions/{held_session.id}/").content.decode()
    client.force_login(teacher)
    page = client.get(f"/teach/sessions/{held_session.id}/").content.decode()
    assert TEACHER_HEADING not in page


def test_a_teacher_sees_the_summary_of_their_ended_test(client, teacher, client_profile):
    session = session_start(
        student=teacher,
        client=client_profile,
        prompt_version="test",
        kind=PracticeSession.Kind.TEACHER_TEST,
    )
    add_exchange(session, "How are you feeling about it?", "Not great.")
    log_codes(session, [("open_question",)])
    session_end(session=session)
    client.force_login(teacher)
    page = client.get(f"/sessions/{session.id}/complete/").content.decode()
    assert "Skills in this test (practice targets, not grades)" in page
    assert "no reflections yet" in page


@pytest.mark.parametrize("path", ["/sessions/{}/complete/", "/sessions/{}/"])
def test_another_student_gets_404(client, other_student, coded_session, path):
    client.force_login(other_student)
    assert client.get(path.format(coded_session.id)).status_code == 404


def test_another_teacher_gets_404_on_the_review_page(client, other_teacher, coded_session):
    client.force_login(other_teacher)
    assert client.get(f"/teach/sessions/{coded_session.id}/").status_code == 404


def test_the_selector_reads_the_codes_in_turn_order_in_one_query(
    coded_session, django_assert_num_queries
):
    with django_assert_num_queries(1):
        summary = session_skill_summary(session=coded_session)
    assert summary.turns == 2 and summary.reflections == 2 and summary.questions == 2


def test_the_selector_gives_nothing_for_an_active_session(
    practice_session, django_assert_num_queries
):
    add_exchange(practice_session, "What brings you here?", "My roommate.")
    log_codes(practice_session, [("open_question",)])
    with django_assert_num_queries(0):
        assert session_skill_summary(session=practice_session) is None
