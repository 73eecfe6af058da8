from django.urls import reverse

from conftest import make_client

GALLERY = "/practice/"


def test_a_student_sees_published_clients_only(client, student, teacher):
    make_client(teacher, name="Published Paula")
    make_client(teacher, name="Draft Dora", is_published=False)
    client.force_login(student)
    response = client.get(GALLERY)
    assert response.status_code == 200
    assert b"Published Paula" in response.content
    assert b"Draft Dora" not in response.content


def test_the_gallery_never_shows_teacher_only_fields(client, student, client_profile):
    client.force_login(student)
    response = client.get(GALLERY)
    assert client_profile.teacher_notes.encode() not in response.content
    [disclosure] = client_profile.disclosures
    assert disclosure["text"].encode() not in response.content


def test_a_teacher_may_not_open_the_gallery(client, teacher):
    client.force_login(teacher)
    assert client.get(GALLERY).status_code == 403


def test_anonymous_users_go_to_login_from_the_gallery(client, db):
    response = client.get(GALLERY)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_teacher_sees_own_clients_only(client, teacher, other_teacher):
    make_client(teacher, name="Mine Draft", is_published=False)
    make_client(other_teacher, name="Someone Else's")
    client.force_login(teacher)
    response = client.get("/teach/")
    assert response.status_code == 200
    assert b"Mine Draft" in response.content
    assert b"Someone Else" not in response.content


def test_a_student_may_not_open_the_teacher_home(client, student):
    client.force_login(student)
    assert client.get("/teach/").status_code == 403


def test_anonymous_users_go_to_login_from_the_teacher_home(client, db):
    response = client.get("/teach/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
