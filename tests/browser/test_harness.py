"""The browser harness itself: the server's database, its settings, and data made by a test."""

from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser.server import LiveServer, LiveServers

pytestmark = pytest.mark.browser


def test_the_server_has_a_database_of_its_own_of_this_runs_kind(app_server: LiveServer) -> None:
    printed = app_server.shell(
        "from django.conf import settings as s\n"
        "print(s.USING_POSTGRES, s.DATABASES['default']['NAME'], s.REDIS_KEY_PREFIX)"
    )
    using_postgres, name, redis_prefix = printed.split()

    assert using_postgres == str(settings.USING_POSTGRES)
    assert "browser" in name
    assert redis_prefix.startswith("rapport-browser-")


def test_a_user_made_through_the_shell_can_log_in(
    page: Page, login: Callable[..., None], app_server: LiveServer
) -> None:
    app_server.shell(
        "from accounts.models import User\n"
        "from accounts.services import notice_acknowledge\n"
        "notice_acknowledge(user=User.objects.create_user("
        "'harness-teacher', password='rapport-demo', role='teacher'))"
    )

    login(page, "harness-teacher")

    expect(page).to_have_url(app_server.url + "/teach/")
    expect(page.get_by_text("You have no clients yet.")).to_be_visible()


def test_the_shared_server_uses_the_demo_provider(page: Page, login: Callable[..., None]) -> None:
    login(page, "student")

    expect(page.locator(".badge-demo")).to_have_text("Demo mode")


def test_a_server_started_with_an_api_key_is_not_in_demo_mode(
    app_servers: LiveServers, new_page: Callable[..., Page]
) -> None:
    server = app_servers.start(
        env={"ANTHROPIC_API_KEY": "sk-test-harness", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}
    )
    try:
        page = new_page(server)
        server.login(page, "student")

        expect(page).to_have_url(server.url + "/practice/")
        expect(page.locator(".badge-demo")).to_have_count(0)
    finally:
        server.stop()
