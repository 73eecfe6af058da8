import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.server import LiveServer

pytestmark = pytest.mark.browser


def test_a_student_lands_on_the_practice_page(page: Page, app_server: LiveServer) -> None:
    app_server.submit_login(page, "student")

    expect(page).to_have_url(app_server.url + "/practice/")
    expect(page.get_by_role("heading", name="Choose a client")).to_be_visible()


def test_a_wrong_password_shows_a_plain_error_sentence(page: Page, app_server: LiveServer) -> None:
    app_server.submit_login(page, "student", "not-the-password")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("alert")).to_have_text(
        "That username and password do not match. Please try again."
    )
    expect(page.get_by_label("Password")).to_have_value("")


def test_a_teacher_lands_on_the_teaching_page(page: Page, app_server: LiveServer) -> None:
    app_server.submit_login(page, "teacher")

    expect(page).to_have_url(app_server.url + "/teach/")
    expect(page.get_by_role("heading", name="Your clients")).to_be_visible()


def test_staff_land_on_the_monitor(page: Page, app_server: LiveServer) -> None:
    app_server.submit_login(page, "staff")

    expect(page).to_have_url(app_server.url + "/monitor/")
    expect(page.get_by_role("heading", name="Monitor")).to_be_visible()


def test_two_contexts_keep_their_own_logins(
    new_page: Callable[..., Page], login: Callable[..., None], app_server: LiveServer
) -> None:
    student, staff = new_page(), new_page()
    login(student, "student")
    login(staff, "staff")

    student.reload()
    staff.reload()

    expect(student).to_have_url(app_server.url + "/practice/")
    expect(staff).to_have_url(app_server.url + "/monitor/")


def test_login_works_again_after_logging_out(
    new_page: Callable[..., Page], login: Callable[..., None], app_server: LiveServer
) -> None:
    first = new_page()
    login(first, "student2")
    first.get_by_role("button", name=re.compile(r"^Log out")).click()
    expect(first).to_have_url(re.compile(r"/accounts/login/$"))

    second = new_page()
    login(second, "student2")

    expect(second).to_have_url(app_server.url + "/practice/")
