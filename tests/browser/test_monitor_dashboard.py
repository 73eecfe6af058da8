"""Staff watch the live dashboard while a student holds a conversation in another context."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.server import LiveServer

pytestmark = pytest.mark.browser


def _metric(page: Page, name: str):
    return page.locator(f'[data-metric="{name}"]')


def test_counters_and_cost_change_without_a_reload(
    new_page: Callable[..., Page], login: Callable[..., None], app_server: LiveServer
) -> None:
    staff, student = new_page(), new_page()
    login(staff, "staff")
    staff.goto("/monitor/")
    expect(staff.get_by_role("heading", name="Monitor")).to_be_visible()
    staff.evaluate("window.notReloaded = true")
    tokens_before = _metric(staff, "tokens_total").inner_text()
    cost_before = _metric(staff, "cost_total").inner_text()
    active_before = int(_metric(staff, "active_sessions").inner_text())

    login(student, "student")
    student.get_by_role("button", name="Start session").first.click()
    # The demo clients have content warnings: they are shown, and confirmed, before the start.
    student.get_by_role("button", name="I understand — start the session").click()
    expect(student.get_by_label("Your reply")).to_be_visible()
    expect(_metric(staff, "active_sessions")).to_have_text(str(active_before + 1))

    student.get_by_label("Your reply").fill("Hello, what brings you here today?")
    student.get_by_role("button", name="Send").click()
    expect(student.locator(".msg-client:not(.msg-opening)").last).not_to_be_empty()
    expect(student.locator("#reply-state")).to_have_attribute("data-state", "idle")

    expect(_metric(staff, "tokens_total")).not_to_have_text(tokens_before)
    expect(_metric(staff, "cost_total")).not_to_have_text(cost_before)
    expect(_metric(staff, "messages_per_minute")).not_to_have_text("0")
    assert staff.evaluate("window.notReloaded") is True


def test_the_socket_updates_faster_than_the_poll(
    page: Page, login: Callable[..., None], app_server: LiveServer
) -> None:
    login(page, "staff")
    page.goto("/monitor/")
    live = page.locator("#live-metrics")
    first = live.get_attribute("data-updated")
    # The polling fallback fires every 5 s; the socket sends about once a second.
    expect(live).not_to_have_attribute("data-updated", first or "", timeout=3000)
