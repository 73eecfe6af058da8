from types import SimpleNamespace

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password

from accounts.models import NOTICE_VERSION

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hundreds of password checks: the default hasher is slow on purpose, too slow for tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


def test_a_class_of_200_behind_one_address_all_log_in_within_a_minute(
    client, db, frozen_ratelimit_clock, django_user_model
):
    password = make_password("class-password")
    django_user_model.objects.bulk_create(
        [
            django_user_model(
                username=f"pupil{n}", password=password, notice_version=NOTICE_VERSION
            )
            for n in range(200)
        ]
    )
    statuses = []
    for n in range(200):
        client.logout()
        answer = client.post(LOGIN, {"username": f"pupil{n}", "password": "class-password"})
        statuses.append(answer.status_code)
    assert statuses == [302] * 200


def test_eleven_wrong_passwords_for_one_username_from_elsewhere_do_not_lock_out_its_owner(
    client, student, frozen_ratelimit_clock
):
    for n in range(11):
        client.post(LOGIN, {"username": "stu", "password": f"guess-{n}"}, REMOTE_ADDR="203.0.113.9")
    response = client.post(
        LOGIN, {"username": "stu", "password": student.raw_password}, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(student.pk)


def test_guesses_spread_over_many_addresses_meet_the_per_username_ceiling(
    client, student, frozen_ratelimit_clock
):
    statuses = [
        client.post(
            LOGIN, {"username": "stu", "password": f"guess-{n}"}, REMOTE_ADDR=f"10.0.{n % 12}.1"
        ).status_code
        for n in range(96)
    ]
    assert statuses[:50] == [200] * 50
    assert set(statuses[50:]) == {429}
    owner = client.post(
        LOGIN, {"username": "stu", "password": student.raw_password}, REMOTE_ADDR="10.9.9.9"
    )
    assert owner.status_code == 429


# padded, fullwidth, upper case
@pytest.mark.parametrize("spelling", ["  stu  ", "\uff53\uff54\uff55", "STU"])
def test_another_spelling_of_the_username_shares_its_counter(
    client, student, frozen_ratelimit_clock, spelling
):
    for n in range(10):
        client.post(LOGIN, {"username": "stu", "password": f"guess-{n}"})
    response = client.post(LOGIN, {"username": spelling, "password": "guess-again"})
    assert response.status_code == 429


def test_one_address_trying_many_usernames_meets_a_much_higher_ceiling(
    client, db, frozen_ratelimit_clock
):
    statuses = [
        client.post(LOGIN, {"username": f"user{n}", "password": "x"}).status_code
        for n in range(101)
    ]
    assert statuses[:100] == [200] * 100
    assert statuses[100] == 429


def test_sixty_wrong_admin_passwords_then_the_right_one_does_not_log_in(
    client, staff, frozen_ratelimit_clock
):
    for n in range(60):
        client.post(ADMIN_LOGIN, {"username": "sta", "password": f"guess-{n}"})
    response = client.post(ADMIN_LOGIN, {"username": "sta", "password": staff.raw_password})
    assert response.status_code == 429
    assert b"Slow down a little" in response.content
    assert SESSION_KEY not in client.session


def test_wrong_passwords_at_the_admin_count_against_the_site_login(
    client, staff, frozen_ratelimit_clock
):
    for n in range(10):
        client.post(ADMIN_LOGIN, {"username": "sta", "password": f"guess-{n}"})
    response = client.post(LOGIN, {"username": "sta", "password": staff.raw_password})
    assert response.status_code == 429
