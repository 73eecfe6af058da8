"""A teacher's client list, client form and card import, and a newcomer's notice, in real Chromium
on a laptop (1280x800) and a phone (390x844). Screenshots: test-artifacts/screenshots/<viewport>/
named clients-*, and notice-*. Every page loads without a 404 (the favicon included) and passes
axe-core.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Response, expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import ARTIFACTS
from tests.browser.server import LiveServer

pytestmark = pytest.mark.browser

VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def _shoot(page: Page, viewport: str, name: str) -> None:
    directory = ARTIFACTS / "screenshots" / viewport
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=directory / f"{name}.png", full_page=True)


def _new_teacher(server: LiveServer) -> str:
    """A teacher of their own with three clients, so other tests' clients never interfere."""
    username = f"lister-{uuid.uuid4().hex[:6]}"
    server.shell(
        "from accounts.models import User, NOTICE_VERSION\n"
        "from clients.models import ClientProfile\n"
        f"t = User.objects.create_user({username!r}, password='rapport-demo', role='teacher',"
        " notice_version=NOTICE_VERSION)\n"
        "for name, problem, published in ["
        "('Maya Torres', 'Panic attacks at work since a promotion.', True),"
        "('Frank Kowalski', 'Grief and drinking since his wife died.', True),"
        "('Aisha Rahman', 'Cannot decide whether to leave her course.', False)]:\n"
        "    ClientProfile.objects.create(owner=t, name=name, presenting_problem=problem,"
        " is_published=published)\n"
    )
    return username


def _no_missing_files(page: Page) -> list[str]:
    missing: list[str] = []

    def note(response: Response) -> None:
        if response.status == 404:
            missing.append(response.url)

    page.on("response", note)
    return missing


def _card(page: Page, name: str):
    return page.locator(".client-card").filter(has=page.get_by_role("heading", name=name))


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_teacher_searches_archives_and_imports_without_duplicating_clients(
    viewport: str,
    new_page: Callable[..., Page],
    login: Callable[..., None],
    app_server: LiveServer,
    tmp_path,
) -> None:
    page = new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    missing = _no_missing_files(page)
    teacher = _new_teacher(app_server)
    login(page, teacher)

    # The list: search and sort.
    page.goto(app_server.url + "/teach/clients/")
    expect(page.locator(".client-card")).to_have_count(3)
    page.get_by_label("Search", exact=True).fill("grief")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".client-card")).to_have_count(1)
    expect(_card(page, "Frank Kowalski")).to_be_visible()
    assert_accessible(page)
    _shoot(page, viewport, "clients-list-searched")
    page.get_by_role("link", name="Clear search").click()
    page.get_by_label("Sort by").select_option("newest")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".client-card h2").first).to_have_text("Aisha Rahman")

    # Archive: off the list, on the archived list, back again.
    _card(page, "Maya Torres").get_by_role("button", name="Archive").click()
    expect(page.get_by_role("status")).to_contain_text("Maya Torres is archived")
    expect(_card(page, "Maya Torres")).to_have_count(0)
    assert_accessible(page)
    _shoot(page, viewport, "clients-list-archived-one")
    page.get_by_role("link", name="Archived (1)").click()
    expect(_card(page, "Maya Torres")).to_be_visible()
    assert_accessible(page)
    _shoot(page, viewport, "clients-archived-list")
    _card(page, "Maya Torres").get_by_role("button", name="Unarchive").click()
    expect(page.get_by_role("status")).to_contain_text("Maya Torres is back on your list")

    # "Export all cards", then import the same file: the page asks, nothing is duplicated.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export all cards").click()
    exported = tmp_path / "all.json"
    download.value.save_as(exported)
    assert len(json.loads(exported.read_text())) == 3
    page.get_by_role("link", name="Import cards").click()
    expect(page.get_by_role("heading", name="Import client cards")).to_be_visible()
    assert_accessible(page)
    _shoot(page, viewport, "clients-import")
    page.get_by_label("Card file (.json)").set_input_files(exported)
    page.get_by_role("button", name="Import").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("You already have Aisha Rahman, Frank Kowalski, Maya Torres.")
    assert_accessible(page)
    _shoot(page, viewport, "clients-import-asks")
    page.get_by_label("Card file (.json)").set_input_files(exported)
    page.get_by_label("Skip the card").check()
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("Skipped, as you already have them")
    expect(page.locator(".client-card")).to_have_count(3)

    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
    assert not missing, f"404s while using the pages: {missing}"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_after_a_failed_save_focus_is_on_a_summary_of_every_error(
    viewport: str,
    new_page: Callable[..., Page],
    login: Callable[..., None],
    app_server: LiveServer,
) -> None:
    page = new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, _new_teacher(app_server))
    page.goto(app_server.url + "/teach/clients/new/")
    page.get_by_label("Age").fill("200")
    page.get_by_role("button", name="Save client").click()
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    for error in ("Name is required.", "Presenting problem is required.", "Age must be between"):
        expect(summary).to_contain_text(error)
    assert "Patient-" not in page.content()
    assert_accessible(page)
    _shoot(page, viewport, "clients-form-errors")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_teacher_writes_disclosures_a_risk_and_a_voice_without_losing_a_word(
    viewport: str,
    new_page: Callable[..., Page],
    login: Callable[..., None],
    app_server: LiveServer,
) -> None:
    page = new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, _new_teacher(app_server))
    page.goto(app_server.url + "/teach/clients/new/")
    rows = page.locator(".disclosure-row")
    expect(rows).to_have_count(1)
    rows.nth(0).get_by_label("What they hold back").fill("She is failing organic chemistry.")
    rows.nth(0).get_by_label("Keywords", exact=True).fill("failing, organic chemistry")

    # "Add a disclosure" brings the form back a row longer, with nothing lost and nothing checked.
    page.get_by_role("button", name="Add a disclosure").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#form-errors")).to_have_count(0)
    expect(rows.nth(0).get_by_label("What they hold back")).to_have_value(
        "She is failing organic chemistry."
    )
    rows.nth(1).get_by_label("What they hold back").fill("She has not told her parents.")
    rows.nth(1).get_by_label("Trust level needed").select_option("2")
    page.get_by_label("If asked directly about harm").select_option("deflects")
    page.get_by_label("The risk they hold back").fill("Passive thoughts of not waking up.")
    page.get_by_label("Risk keywords").fill("waking up")
    page.get_by_label("Voice", exact=True).select_option("rambling")
    page.get_by_label("Example lines").fill("Sorry, I'm rambling.\nIt's fine, honestly.")
    _shoot(page, viewport, "clients-form-disclosures")

    # A save with problems names each in a sentence and keeps every word typed.
    page.get_by_role("button", name="Save client").click()
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Name is required.")
    expect(summary).to_contain_text(
        "Disclosure 2, keywords: give at least one word that gives it away."
    )
    expect(rows.nth(1).get_by_label("What they hold back")).to_have_value(
        "She has not told her parents."
    )
    expect(page.get_by_label("The risk they hold back")).to_have_value(
        "Passive thoughts of not waking up."
    )
    assert_accessible(page)
    _shoot(page, viewport, "clients-form-disclosure-errors")

    page.get_by_label("Name", exact=True).fill("Maya Ortiz")
    page.get_by_label("Presenting problem").fill("Panic before exams.")
    rows.nth(1).get_by_label("Keywords", exact=True).fill("told her parents")
    page.get_by_role("button", name="Save client").click()
    expect(page.get_by_role("status")).to_contain_text("Maya Ortiz was saved as a draft")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_newcomer_reads_in_demo_mode_that_messages_stay_on_the_server(
    viewport: str, new_page: Callable[..., Page], app_server: LiveServer
) -> None:
    username = f"newcomer-{uuid.uuid4().hex[:6]}"
    app_server.shell(
        "from accounts.models import User\n"
        f"User.objects.create_user({username!r}, password='rapport-demo', role='student')"
    )
    page = new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    app_server.submit_login(page, username)
    expect(page.get_by_role("heading", name="Before you start")).to_be_visible()
    expect(page.get_by_text("your messages stay on this server")).to_be_visible()
    assert "sent to the AI provider (Anthropic)" not in page.content()
    assert_accessible(page)
    _shoot(page, viewport, "notice-demo-mode")
