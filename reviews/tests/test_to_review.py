"""What a teacher still owes feedback on: the count on their home and the history's filter."""

from conftest import add_exchange, make_client, make_user
from reviews.selectors import sessions_to_review_count
from reviews.services import review_release, review_save
from sessions_app.models import PracticeSession
from sessions_app.services import session_end, session_start

HISTORY = "/teach/sessions/"
HOME = "/teach/"


def _ended(student, client, *, turns: int = 1) -> PracticeSession:
    session = session_start(student=student, client=client)
    for turn in range(turns):
        add_exchange(session, f"Question {turn}?", "An answer.")
    session_end(session=session)
    return session


def _sessions(teacher, other_teacher) -> dict[str, PracticeSession]:
    """One of each kind of session, named after what it is."""
    mine, theirs = make_client(teacher, name="Mine"), make_client(other_teacher, name="Theirs")
    a, b = make_user("stu-a"), make_user("stu-b")
    abandoned = session_start(student=b, client=mine)
    add_exchange(abandoned, "Hello?", "Hi.")
    PracticeSession.objects.filter(pk=abandoned.pk).update(status="abandoned")
    draft = _ended(a, mine)
    review_save(session=draft, reviewer=teacher, fields={"overall_note": "Half written."})
    released = _ended(b, mine)
    review_release(session=released, reviewer=teacher)
    active = session_start(student=a, client=mine)
    add_exchange(active, "Still talking.", "Yes.")
    test = session_start(student=teacher, client=mine, kind="teacher_test")
    add_exchange(test, "Testing.", "Fine.")
    session_end(session=test)
    return {
        "ended, no review": _ended(a, mine),
        "abandoned after a turn": abandoned,
        "draft review": draft,
        "released": released,
        "active": active,
        "ended without a turn": _ended(b, mine, turns=0),
        "teacher test": test,
        "another teacher's": _ended(a, theirs),
    }


AWAITING = {"ended, no review", "abandoned after a turn", "draft review"}


def test_the_not_reviewed_filter_lists_ended_sessions_whose_feedback_is_not_released(
    client, teacher, other_teacher
):
    sessions = _sessions(teacher, other_teacher)
    client.force_login(teacher)
    response = client.get(HISTORY + "?review=pending")
    shown = {row.pk for row in response.context["page"].object_list}
    assert shown == {sessions[name].pk for name in AWAITING}
    assert response.context["totals"]["sessions"] == 3
    assert '<option value="pending" selected>Not reviewed</option>' in response.content.decode()


def test_an_unknown_review_filter_is_ignored(client, teacher, other_teacher):
    _sessions(teacher, other_teacher)
    client.force_login(teacher)
    response = client.get(HISTORY + "?review=bogus")
    assert response.context["totals"]["sessions"] == 7  # all of the teacher's own


def test_the_teachers_home_shows_how_many_sessions_there_are_to_review(
    client, teacher, other_teacher
):
    _sessions(teacher, other_teacher)
    assert sessions_to_review_count(teacher=teacher) == 3
    assert sessions_to_review_count(teacher=other_teacher) == 1
    client.force_login(teacher)
    body = client.get(HOME).content.decode()
    assert "<strong>3</strong> sessions to review" in body
    assert f'href="{HISTORY}?review=pending"' in body


def test_releasing_feedback_takes_a_session_off_the_count(client, teacher, student):
    session = _ended(student, make_client(teacher))
    client.force_login(teacher)
    assert "<strong>1</strong> session to review" in client.get(HOME).content.decode()
    review_release(session=session, reviewer=teacher)
    assert "No sessions to review" in client.get(HOME).content.decode()
