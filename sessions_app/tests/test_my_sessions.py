from django.urls import reverse

from conftest import make_client
from sessions_app.models import PracticeSession
from sessions_app.services import session_end, session_start
from sessions_app.views import SESSIONS_PER_PAGE

URL = "/practice/sessions/"


def _sessions(student, client_profile, count: int) -> list[PracticeSession]:
    made = []
    for _ in range(count):
        session = session_start(student=student, client=client_profile)
        session_end(session=session)
        made.append(session)
    return made


def test_it_lists_own_sessions_newest_first(client, student, teacher):
    older = session_start(student=student, client=make_client(teacher, name="Older Olive"))
    session_end(session=older)
    newer = session_start(student=student, client=make_client(teacher, name="Newer Nadia"))
    client.force_login(student)
    text = client.get(URL).content.decode()
    assert text.index("Newer Nadia") < text.index("Older Olive")
    assert f"/sessions/{newer.id}/" in text
    assert "In progress" in text


def test_it_never_lists_another_students_sessions(client, student, other_student, teacher):
    theirs = session_start(student=other_student, client=make_client(teacher, name="Theirs"))
    client.force_login(student)
    text = client.get(URL).content.decode()
    assert str(theirs.id) not in text
    assert "You have no sessions yet" in text


def test_it_is_paginated(client, student, client_profile):
    _sessions(student, client_profile, SESSIONS_PER_PAGE + 2)
    client.force_login(student)
    first = client.get(URL).content.decode()
    second = client.get(URL + "?page=2").content.decode()
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert "Page 2 of 2" in second and second.count('class="card session-row"') == 2


def test_it_marks_sessions_with_released_feedback(client, student, teacher, client_profile):
    from django.utils import timezone

    from reviews.models import SessionReview

    released, held_back = _sessions(student, client_profile, 2)
    SessionReview.objects.create(
        session=released, reviewer=teacher, overall_note="Good", released_at=timezone.now()
    )
    SessionReview.objects.create(session=held_back, reviewer=teacher, overall_note="Draft")
    client.force_login(student)
    text = client.get(URL).content.decode()
    assert text.count("Feedback from your teacher") == 1


def test_teachers_have_no_student_session_list(client, teacher):
    client.force_login(teacher)
    assert client.get(URL).status_code == 403


def test_anonymous_users_go_to_login(client, db):
    assert client.get(URL).url.startswith(reverse("accounts:login"))
