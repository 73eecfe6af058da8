from types import SimpleNamespace

import pytest
from django.urls import reverse

from clients.prompts import PROMPT_VERSION
from conftest import make_client, make_user
from sessions_app.models import PracticeSession
from sessions_app.services import session_end


def _start_url(client_profile) -> str:
    return f"/practice/clients/{client_profile.pk}/start/"


def test_a_student_starts_a_published_client(client, student, client_profile):
    client.force_login(student)
    response = client.post(_start_url(client_profile))
    session = PracticeSession.objects.get()
    assert response.status_code == 302
    assert response.url == f"/sessions/{session.pk}/"
    assert session.student == student
    assert session.client_profile == client_profile
    assert session.kind == PracticeSession.Kind.PRACTICE
    assert session.prompt_version == PROMPT_VERSION


def test_a_student_cannot_start_an_unpublished_client(client, student, teacher):
    draft = make_client(teacher, is_published=False)
    client.force_login(student)
    assert client.post(_start_url(draft)).status_code == 404
    assert not PracticeSession.objects.exists()


def test_an_unknown_client_is_not_found(client, student):
    client.force_login(student)
    response = client.post("/practice/clients/00000000-0000-0000-0000-000000000000/start/")
    assert response.status_code == 404


def test_a_second_start_resumes_the_active_session(client, student, client_profile):
    client.force_login(student)
    first = client.post(_start_url(client_profile))
    second = client.post(_start_url(client_profile))
    assert PracticeSession.objects.count() == 1
    assert second.url == first.url


def test_a_start_after_ending_makes_a_new_session(client, student, client_profile):
    client.force_login(student)
    client.post(_start_url(client_profile))
    session_end(session=PracticeSession.objects.get())
    response = client.post(_start_url(client_profile))
    active = PracticeSession.objects.get(status=PracticeSession.Status.ACTIVE)
    assert PracticeSession.objects.count() == 2
    assert response.url == f"/sessions/{active.pk}/"


def test_another_students_active_session_is_not_resumed(
    client, student, other_student, client_profile
):
    client.force_login(other_student)
    client.post(_start_url(client_profile))
    client.force_login(student)
    client.post(_start_url(client_profile))
    assert PracticeSession.objects.filter(student=student).count() == 1
    assert PracticeSession.objects.count() == 2


def test_a_teacher_test_converses_with_an_own_draft(client, teacher):
    draft = make_client(teacher, is_published=False)
    client.force_login(teacher)
    response = client.post(_start_url(draft))
    session = PracticeSession.objects.get()
    assert response.url == f"/sessions/{session.pk}/"
    assert session.kind == PracticeSession.Kind.TEACHER_TEST
    assert session.student == teacher


def test_a_teacher_cannot_start_another_teachers_client(client, other_teacher, client_profile):
    client.force_login(other_teacher)
    assert client.post(_start_url(client_profile)).status_code == 404
    assert not PracticeSession.objects.exists()


def test_staff_without_the_teacher_role_cannot_start(client, client_profile):
    client.force_login(make_user("helper", is_staff=True))
    assert client.post(_start_url(client_profile)).status_code == 404


@pytest.mark.django_db
def test_anonymous_users_go_to_login(client, client_profile):
    response = client.post(_start_url(client_profile))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not PracticeSession.objects.exists()


def test_it_rejects_get(client, student, client_profile):
    client.force_login(student)
    assert client.get(_start_url(client_profile)).status_code == 405
    assert not PracticeSession.objects.exists()


def test_starting_is_throttled(client, student, teacher, monkeypatch):
    monkeypatch.setattr("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000))
    client.force_login(student)
    clients = [make_client(teacher, name=f"Client {n}") for n in range(21)]
    statuses = [client.post(_start_url(c)).status_code for c in clients]
    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429
