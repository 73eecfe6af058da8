"""The first-login notice: shown before anything else, acknowledged once with date and version."""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import NOTICE_VERSION
from conftest import make_user

NOTICE = "/accounts/notice/"


@pytest.fixture
def newcomer(db):
    return make_user("newcomer", notice_version="", notice_acknowledged_at=None)


def test_a_new_student_is_sent_to_the_notice_with_the_page_they_wanted(client, newcomer):
    client.force_login(newcomer)
    response = client.get("/practice/")
    assert response.status_code == 302
    assert response.url == f"{NOTICE}?next=%2Fpractice%2F"


def test_a_new_teacher_is_sent_to_the_notice_too(client, db):
    teacher = make_user("new-teacher", "teacher", notice_version="")
    client.force_login(teacher)
    assert client.get("/teach/").url.startswith(NOTICE)


def test_staff_are_not_asked(client, db):
    staff = make_user("new-staff", "teacher", is_staff=True, notice_version="")
    client.force_login(staff)
    assert client.get("/monitor/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/practice/", "/sessions/00000000-0000-0000-0000-000000000000/", "/nowhere/"]
)
def test_nothing_else_is_reachable_before_it(client, newcomer, path):
    client.force_login(newcomer)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(NOTICE)


def test_a_post_elsewhere_is_sent_to_the_notice_without_acting(client, newcomer, client_profile):
    client.force_login(newcomer)
    response = client.post(f"/practice/clients/{client_profile.id}/start/")
    assert response.url == NOTICE
    assert not newcomer.practice_sessions.exists()


def test_logout_healthz_and_static_stay_reachable(client, newcomer):
    client.force_login(newcomer)
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/css/rapport.css").status_code == 200
    assert client.post(reverse("accounts:logout")).url == reverse("accounts:login")


@override_settings(ANTHROPIC_API_KEY="sk-test", ANTHROPIC_BASE_URL=None)
def test_the_notice_says_what_is_recorded_and_who_reads_it(client, newcomer):
    client.force_login(newcomer)
    response = client.get(NOTICE)
    assert response.status_code == 200
    text = response.content.decode()
    for words in (
        "The client is an AI",
        "What Rapport records",
        "sent to the AI provider",
        "teacher who wrote the client can read your sessions",
        "Sessions are kept",
        "ask your course teacher",
        NOTICE_VERSION,
    ):
        assert words in text


@override_settings(NOTICE_RETENTION="for two years", NOTICE_CONTACT="dpo@example.edu")
def test_retention_and_contact_come_from_settings(client, newcomer):
    client.force_login(newcomer)
    text = client.get(NOTICE).content.decode()
    assert "kept for two years" in text and "dpo@example.edu" in text


def test_acknowledging_stores_the_date_and_version_and_goes_on(client, newcomer):
    client.force_login(newcomer)
    response = client.post(NOTICE, {"next": "/practice/"})
    assert response.status_code == 302
    assert response.url == "/practice/"
    newcomer.refresh_from_db()
    assert newcomer.notice_version == NOTICE_VERSION
    assert newcomer.notice_acknowledged_at is not None
    assert client.get("/practice/").status_code == 200


def test_it_never_follows_a_next_to_another_site(client, newcomer):
    client.force_login(newcomer)
    response = client.post(NOTICE, {"next": "https://evil.example/"})
    assert response.url == reverse("home")


def test_a_new_version_asks_again(client, student):
    student.notice_version = "an-older-version"
    student.save()
    client.force_login(student)
    assert client.get("/practice/").url.startswith(NOTICE)


def test_someone_who_acknowledged_can_read_it_again(client, student):
    client.force_login(student)
    response = client.get(NOTICE)
    assert response.status_code == 200
    assert b"You acknowledged this notice on" in response.content


def test_anonymous_users_go_to_login_from_the_notice(client, db):
    response = client.get(NOTICE)
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db(transaction=True)
async def test_async_views_are_guarded_too(async_client, newcomer, practice_session):
    await async_client.aforce_login(newcomer)
    response = await async_client.post(f"/sessions/{practice_session.id}/end/")
    assert response.status_code == 302
    assert response.url == NOTICE


@override_settings(ANTHROPIC_API_KEY="")
def test_in_demo_mode_the_notice_says_messages_stay_on_the_server(client, newcomer):
    client.force_login(newcomer)
    page = client.get(NOTICE).content.decode()
    assert "your messages stay on this server: they are not sent to any AI provider" in page
    assert "sent to the AI provider (Anthropic)" not in page
    assert "simulated by an AI model (Claude" not in page


@override_settings(ANTHROPIC_API_KEY="sk-test", ANTHROPIC_BASE_URL=None)
def test_with_a_key_the_notice_says_messages_go_to_anthropic(client, newcomer):
    client.force_login(newcomer)
    page = client.get(NOTICE).content.decode()
    assert "the conversation so far is sent to the AI provider (Anthropic)" in page
    assert "stay on this server" not in page


@override_settings(ANTHROPIC_API_KEY="sk-test", ANTHROPIC_BASE_URL="https://llm.example.edu/v1")
def test_behind_a_gateway_the_notice_names_the_gateway(client, newcomer):
    client.force_login(newcomer)
    page = client.get(NOTICE).content.decode()
    assert "the AI service your institution has set up (llm.example.edu)" in page
