"""The review page's trust curve and per-turn codes, from the state log: its teacher only."""

import re

import pytest

from clients.prompts import MAX_TRUST
from conftest import make_user
from conversations.models import Message, TurnState
from reviews.trust_curve import BOTTOM, TOP, trust_curve


def url(session) -> str:
    return f"/teach/sessions/{session.id}/"


def log_turns(session, steps: list[tuple[int, int, list[str], str]]) -> list[TurnState]:
    """One TurnState per student message, in order: (trust before, after, codes, source)."""
    students = Message.objects.filter(session=session, role="student").order_by("sequence_number")
    return [
        TurnState.objects.create(
            session=session,
            message=message,
            turn=number,
            trust_before=before,
            trust_after=after,
            codes=codes,
            source=source,
        )
        for number, (message, (before, after, codes, source)) in enumerate(
            zip(students, steps, strict=True), start=1
        )
    ]


@pytest.fixture
def logged_session(held_session):
    log_turns(
        held_session,
        [
            (3, 4, ["complex_reflection", "open_question"], "model"),
            (4, 3, ["confront"], "deterministic"),
        ],
    )
    return held_session


def test_the_teacher_sees_the_trust_curve_and_each_turns_codes(client, teacher, logged_session):
    client.force_login(teacher)
    page = client.get(url(logged_session)).content.decode()

    assert "Trust, turn by turn" in page
    [points] = re.findall(r'<polyline points="([^"]+)"', page)
    assert len(points.split()) == 3, "the start, then one point per turn"
    assert "turn 0: 3, turn 1: 4, turn 2: 3" in page
    assert page.count('class="code-label"') == 3
    assert "Complex reflection" in page and "Open question" in page and "Confronting" in page
    assert "trust 3 → 4" in page and "trust 4 → 3" in page
    assert page.count("coded without the model") == 1


def test_a_session_without_a_state_log_shows_no_curve(client, teacher, held_session):
    client.force_login(teacher)
    page = client.get(url(held_session)).content.decode()
    assert "Trust, turn by turn" not in page and "code-label" not in page


def test_another_teacher_gets_a_404(client, other_teacher, logged_session):
    client.force_login(other_teacher)
    assert client.get(url(logged_session)).status_code == 404


def test_staff_who_are_not_its_teacher_get_a_404(client, staff, logged_session):
    client.force_login(staff)
    assert client.get(url(logged_session)).status_code == 404


def test_the_student_cannot_open_it_nor_see_the_curve_on_their_pages(
    client, student, logged_session
):
    client.force_login(student)
    assert client.get(url(logged_session)).status_code == 403
    for page in (f"/sessions/{logged_session.id}/", f"/sessions/{logged_session.id}/complete/"):
        body = client.get(page, follow=True).content.decode()
        assert "Trust, turn by turn" not in body and "code-label" not in body
        # Issue 14 shows the student the summary's counts ("Complex reflections: 1"), on
        # purpose; a turn's own codes and its trust stay the teacher's.
        assert "turn-codes" not in body and "Confronting" not in body
        assert "trust 3 → 4" not in body


def test_another_student_gets_nothing(client, logged_session):
    client.force_login(make_user("nosy-student"))
    assert client.get(url(logged_session)).status_code == 403


def test_the_curve_spans_the_scale_from_top_to_bottom(held_session):
    states = log_turns(
        held_session,
        [(0, MAX_TRUST, ["affirm"], "model"), (MAX_TRUST, 0, ["confront"], "model")],
    )
    curve = trust_curve(states)
    assert [point.y for point in curve.points] == [BOTTOM, TOP, BOTTOM]
    assert [point.turn for point in curve.points] == [0, 1, 2]
    assert curve.points[0].x < curve.points[1].x < curve.points[2].x
    assert trust_curve([]) is None
