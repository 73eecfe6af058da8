"""Every staff page, the teacher feedback form and the help page under axe-core, with data on
them; and the polling fallback keeps the dashboard fresh when the socket cannot connect."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import ARTIFACTS
from tests.browser.server import LiveServer

pytestmark = pytest.mark.browser

STAFF_PAGES = [
    ("/monitor/", "Monitor"),
    ("/monitor/errors/?period=all", "Errors"),
    ("/monitor/sessions/", "Session logs"),
    ("/monitor/daily/", "Daily metrics"),
    ("/monitor/pilot/", "Pilot scorecard"),
    ("/monitor/feedback/", "Feedback"),
    ("/monitor/quality/", "Client quality"),
    ("/help/", "Help: trying Rapport in the pilot"),
]


@pytest.fixture(scope="module")
def with_data(app_server: LiveServer) -> str:
    """A few generated sessions, an error and teacher feedback; returns a session id."""
    return app_server.shell(
        "from django.core.management import call_command\n"
        "from io import StringIO\n"
        "call_command('generate_load', sessions=12, messages_per_session=6, students=3,"
        " clients=2, days=2, stdout=StringIO())\n"
        "from accounts.models import User\n"
        "from monitoring.services import feedback_submit\n"
        "teacher = User.objects.get(username='teacher')\n"
        "feedback_submit(teacher=teacher, overall_impression=4, client_quality=4,"
        " what_worked='The reserved client.')\n"
        "from sessions_app.models import PracticeSession\n"
        "print(PracticeSession.objects.filter(prompt_version='load').first().pk)"
    ).strip()


@pytest.mark.parametrize(("path", "heading"), STAFF_PAGES)
def test_staff_pages_have_no_serious_accessibility_issues(
    path: str, heading: str, page: Page, login: Callable[..., None], with_data: str
) -> None:
    login(page, "staff")
    page.goto(path)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert_accessible(page)


def test_the_session_transcript_is_accessible(
    page: Page, login: Callable[..., None], with_data: str
) -> None:
    login(page, "staff")
    page.goto(f"/monitor/sessions/{with_data}/")
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize(("viewport", "size"), [("laptop", (1280, 800)), ("phone", (390, 844))])
def test_the_session_page_offers_the_persons_export_apart_from_the_staff_record(
    page: Page, login: Callable[..., None], with_data: str, viewport: str, size: tuple[int, int]
) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login(page, "staff")
    page.goto(f"/monitor/sessions/{with_data}/")
    expect(page.get_by_role("link", name=re.compile("own data, to hand to them"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Full record for staff only"))).to_be_visible()
    directory = ARTIFACTS / "screenshots" / viewport
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=directory / "monitor-session-downloads.png", full_page=True)


def test_a_teacher_sends_pilot_feedback_from_the_header(
    page: Page, login: Callable[..., None]
) -> None:
    login(page, "teacher")
    page.get_by_role("link", name="Pilot feedback").click()
    expect(page.get_by_role("heading", name="Pilot feedback")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("group", name="Overall impression").get_by_label("4").check()
    page.get_by_role("group", name="How realistic").get_by_label("5").check()
    page.get_by_label("What worked").fill("Students liked the reserved client.")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_text("Thank you: your feedback has reached the pilot team.")).to_be_visible()


def test_the_dashboard_polls_when_the_socket_cannot_connect(
    page: Page, login: Callable[..., None]
) -> None:
    page.context.route_web_socket("**/ws/monitor/", lambda ws: ws.close(code=1011))
    login(page, "staff")
    page.goto("/monitor/")
    live = page.locator("#live-metrics")
    first = live.get_attribute("data-updated")
    expect(live).not_to_have_attribute("data-updated", first or "", timeout=9000)
