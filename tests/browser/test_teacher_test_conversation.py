"""A teacher's test conversation in real Chromium (issue 11, points 5 and 6): straight in without
the students' content-warning page, costs per reply that survive a reload, and an end page with
the test's tokens, cost and time that leads back to the client (never to a student page)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.composer import send_turn
from tests.browser.conftest import ARTIFACTS
from tests.browser.server import LiveServer
from tests.browser.test_student_journey import VIEWPORTS

pytestmark = pytest.mark.browser

REPLY_TIMEOUT_MS = 30_000


def _client_with_warnings(server: LiveServer) -> str:
    name = f"Warned Client {uuid.uuid4().hex[:6]}"
    server.shell(
        "from clients.models import ClientProfile\n"
        f"ClientProfile.objects.create(owner=User.objects.get(username='teacher'), name={name!r},"
        " presenting_problem='Grief after a loss.', opening_statement='I am not sure why I came.',"
        " content_warnings=['bereavement'], is_published=False)"
    )
    return name


def _shoot(page: Page, viewport: str, name: str) -> None:
    directory = ARTIFACTS / "screenshots" / viewport
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=directory / f"teacher-test-{name}.png", full_page=True)


def _costs(page: Page) -> list[Decimal]:
    values = page.locator("#transcript [data-cost-usd]").evaluate_all(
        "lines => lines.map(line => line.dataset.costUsd)"
    )
    return [Decimal(value) for value in values]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_teachers_test_conversation_has_its_own_flow_and_keeps_its_costs(
    viewport: str, page: Page, login: Callable[..., None], app_server: LiveServer
) -> None:
    page.set_viewport_size(VIEWPORTS[viewport])
    name = _client_with_warnings(app_server)
    login(page, "teacher")
    page.goto(app_server.url + "/teach/")
    page.get_by_role("button", name=f"Test conversation with {name}").click()

    # Straight into the conversation: no content-warning page, whose links are students'.
    expect(page).to_have_url(re.compile(r"/sessions/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("heading", name=re.compile(name))).to_be_visible()
    replies = page.locator("#transcript .msg-client.msg-complete:not(.msg-opening)")
    for number, text in enumerate(("Hi, what brings you in?", "That sounds heavy."), 1):
        send_turn(page, text)
        expect(replies).to_have_count(number, timeout=REPLY_TIMEOUT_MS)
    expect(replies.last.locator(".msg-meta")).to_contain_text(re.compile(r"tokens · \$0\.\d{6}"))
    costs = _costs(page)
    total = page.locator("[data-running-cost]").inner_text()
    stored_total = f"${sum(costs, Decimal(0)).quantize(Decimal('0.000001'))}"

    # Reload: each reply's cost is still there, from the stored rows; the total is not doubled.
    page.reload()
    expect(replies).to_have_count(2)
    expect(replies.locator(".msg-meta")).to_have_count(2)
    assert _costs(page) == costs
    expect(page.locator("[data-running-cost]")).to_have_text(total)
    width = VIEWPORTS[viewport]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "it scrolls sideways"
    assert_accessible(page)
    _shoot(page, viewport, "reloaded")

    # End: the test's own page, with its tokens, cost and time, and the way back to the client.
    page.get_by_role("button", name="End session").click()
    page.get_by_role("dialog").get_by_role("button", name="End session").click()
    expect(page.get_by_role("heading", name="Test conversation ended")).to_be_visible()
    expect(page.locator("[data-test-cost]")).to_have_text(stored_total)
    expect(page.locator("[data-test-tokens]")).to_have_text(re.compile(r"^[\d,]+$"))
    expect(page.get_by_text("How much did you learn")).to_have_count(0)
    assert_accessible(page)
    _shoot(page, viewport, "ended")
    for link in page.locator("main a").all():
        href = link.get_attribute("href") or ""
        assert not href.startswith("/practice/"), f"{href} is a student page"

    # The record of the ended test shows the cost of each reply and of the whole test.
    page.get_by_role("link", name=re.compile("Read the transcript")).click()
    expect(page.locator("[data-test-cost]")).to_have_text(stored_total)
    expect(page.locator(".transcript-record .msg-meta")).to_have_count(2)
    assert_accessible(page)
    _shoot(page, viewport, "record")
    page.get_by_role("link", name=f"Back to {name}").click()
    expect(page.get_by_role("heading", name=re.compile(name))).to_be_visible()
