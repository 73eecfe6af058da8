from types import SimpleNamespace

import pytest
from django.contrib.auth import SESSION_KEY

LOGIN = "/accounts/login/"


@pytest.fixture
def frozen_ratelimit_clock(monkeypatch):
    """django-ratelimit counts per fixed window; a window ending mid-test would reset it."""
    monkeypatch.setattr("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000))


@pytest.mark.django_db
def test_it_shows_the_login_form(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_it_logs_in_and_goes_home(client, student):
    response = client.post(LOGIN, {"username": "stu", "password": student.raw_password})
    assert response.status_code == 302
    assert response.url == "/"
    assert client.session[SESSION_KEY] == str(student.pk)


def test_it_follows_next_after_login(client, student):
    response = client.post(
        f"{LOGIN}?next=/practice/",
        {"username": "stu", "password": student.raw_password, "next": "/practice/"},
    )
    assert response.url == "/practice/"


def test_it_shows_a_plain_error_for_a_wrong_password(client, student):
    response = client.post(LOGIN, {"username": "stu", "password": "not-it"})
    assert response.status_code == 200
    assert b"That username and password do not match" in response.content
    assert SESSION_KEY not in client.session


def test_it_sends_a_logged_in_user_home(client, student):
    client.force_login(student)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response.url == "/"


def test_logout_works_by_post(client, student):
    client.force_login(student)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == LOGIN
    assert SESSION_KEY not in client.session


def test_logout_rejects_get(client, student):
    client.force_login(student)
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    assert SESSION_KEY in client.session


def test_it_throttles_repeated_attempts_on_one_username(client, student, frozen_ratelimit_clock):
    statuses = [
        client.post(LOGIN, {"username": "stu", "password": f"guess-{n}"}).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_the_throttle_page_is_plain(client, student, frozen_ratelimit_clock):
    for n in range(10):
        client.post(LOGIN, {"username": "stu", "password": f"guess-{n}"})
    response = client.post(LOGIN, {"username": "stu", "password": student.raw_password})
    assert response.status_code == 429
    assert b"Slow down a little" in response.content
    assert SESSION_KEY not in client.session


def test_it_throttles_one_address_trying_many_usernames(client, db, frozen_ratelimit_clock):
    statuses = [
        client.post(LOGIN, {"username": f"user{n}", "password": "x"}).status_code for n in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
