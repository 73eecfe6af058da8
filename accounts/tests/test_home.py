import pytest
from django.urls import reverse

from conftest import make_user


@pytest.mark.django_db
def test_it_sends_anonymous_users_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next=/"


def test_it_sends_students_to_practice(client, student):
    client.force_login(student)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/practice/"


def test_it_sends_teachers_to_teach(client, teacher):
    client.force_login(teacher)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/teach/"


def test_it_sends_staff_to_monitor(client, staff):
    client.force_login(staff)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/monitor/"


def test_it_sends_staff_with_the_student_role_to_monitor(client, db):
    client.force_login(make_user("helper", is_staff=True))
    response = client.get("/")
    assert response.url == "/monitor/"
