"""Staff watch a student's session log fill in while the student talks, without a reload."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

VIEWPORTS = {"1280": {"width": 1280, "height": 800}, "390": {"width": 390, "height": 844}}
REPLY_TIMEOUT_MS = 30_000


def _start_session(page: Page) -> str:
    page.get_by_role("button", name="Start session").first.click()
    # A client with content warnings shows them first; one without starts at once.
    warned = page.get_by_role("button", name=re.compile("I understand"))
    reply = page.get_by_label("Your reply")
    expect(warned.or_(reply)).to_be_visible()
    if warned.is_visible():
        warned.click()
    expect(reply).to_be_visible()
    return re.search(r"/sessions/([0-9a-f-]{36})/", page.url)[1]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_staff_session_log_fills_in_while_the_student_talks(
    viewport: str, new_page: Callable[..., Page], login: Callable[..., None]
) -> None:
    student, staff = new_page(), new_page()
    staff.set_viewport_size(VIEWPORTS[viewport])
    login(student, "student")
    session_id = _start_session(student)

    login(staff, "staff")
    staff.goto(f"/monitor/sessions/{session_id}/")
    log = staff.locator("#session-log")
    expect(log).to_contain_text("No messages.")
    staff.evaluate("window.notReloaded = true")
    # The socket's first redraw replaces the block: then it is listening.
    log.evaluate("element => element.setAttribute('data-first-render', '')")
    expect(staff.locator("#session-log[data-first-render]")).to_have_count(0)

    student.get_by_label("Your reply").fill("What brings you here today?")
    student.get_by_role("button", name="Send").click()
    expect(log).to_contain_text("What brings you here today?")
    expect(student.locator("#reply-state")).to_have_attribute(
        "data-state", "idle", timeout=REPLY_TIMEOUT_MS
    )
    reply = student.locator(".msg-client:not(.msg-opening) .msg-text").last.inner_text()
    client_row = log.locator("tbody tr").nth(1)
    expect(client_row).to_contain_text(reply.strip()[:40])
    expect(client_row).to_contain_text("Complete")
    expect(log.locator('[data-log="tokens"]')).not_to_have_text("0")
    assert staff.evaluate("window.notReloaded") is True

    assert_accessible(staff)
    directory = ARTIFACTS / "screenshots" / viewport
    directory.mkdir(parents=True, exist_ok=True)
    staff.screenshot(path=directory / "staff-session-log-live.png", full_page=True)
