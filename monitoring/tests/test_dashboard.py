from django.urls import reverse

from sessions_app.services import session_end, session_start

DASHBOARD = "/monitor/"


def test_staff_see_the_counts(client, staff, practice_session, other_student, client_profile):
    ended = session_start(student=other_student, client=client_profile)
    session_end(session=ended)
    client.force_login(staff)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["active_sessions"] == 1
    assert response.context["sessions_total"] == 2
    assert response.context["clients_total"] == 1


def test_a_teacher_may_not_see_it(client, teacher):
    client.force_login(teacher)
    assert client.get(DASHBOARD).status_code == 403


def test_a_student_may_not_see_it(client, student):
    client.force_login(student)
    assert client.get(DASHBOARD).status_code == 403


def test_anonymous_users_go_to_login(client, db):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
