"""A teacher's journey in real Chromium: write a client, preview, publish, test-converse, review a
student's session, give feedback the student then reads, and download every export.

axe-core checks each teacher page on the way (no serious or critical violations).
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from sessions_app.money import usd
from tests.browser.axe import assert_accessible
from tests.browser.composer import send_turn
from tests.browser.conftest import ARTIFACTS
from tests.browser.server import LiveServer

pytestmark = pytest.mark.browser

REPLY_TIMEOUT_MS = 30_000


def _unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def _create_client(page: Page, app_server: LiveServer, name: str) -> None:
    page.goto(app_server.url + "/teach/")
    page.get_by_role("link", name="New client").click()
    expect(page.get_by_role("heading", name="New client")).to_be_visible()
    assert_accessible(page)

    # Saving an empty form names the missing fields.
    page.get_by_role("button", name="Save client").click()
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()  # forms.js: keyboard and screen-reader users start there
    expect(summary).to_contain_text("Name is required.")
    expect(summary).to_contain_text("Presenting problem is required.")
    assert_accessible(page)

    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Age").fill("34")
    page.get_by_label("Occupation").fill("Night-shift nurse")
    page.get_by_label("Presenting problem").fill("Can't sleep since a patient died on her shift.")
    page.get_by_label("Core beliefs").fill(
        "I should have seen it coming\nI have to hold it together"
    )
    page.get_by_label("Communication style").select_option("reserved")
    page.get_by_label("Resistance level").select_option("4")
    page.get_by_label("Opening statement").fill("My manager said I should talk to someone.")
    page.get_by_label("What they hold back").fill("She has started drinking to get to sleep.")
    page.get_by_label("Keywords", exact=True).fill("drinking")
    page.get_by_label("Content warnings").fill("death of a patient\nalcohol use")
    page.get_by_label("Learning objectives").fill("Reflecting feelings\nExploring coping")
    page.get_by_label("Teacher notes").fill("Watch for premature reassurance.")
    page.get_by_role("button", name="Save client").click()


def test_a_teacher_writes_previews_and_publishes_a_client(
    new_page: Callable[..., Page], login: Callable[..., None], app_server: LiveServer
) -> None:
    page = new_page()
    login(page, "teacher")
    name = _unique("Dana Whitfield")
    _create_client(page, app_server, name)

    # The new client opens on its preview: the generated prompt, read-only, no teacher notes.
    expect(page.get_by_role("heading", name=f"Preview {name}")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("saved as a draft")
    prompt = page.get_by_label("System prompt (read-only)")
    expect(prompt).to_have_attribute("readonly", "")
    expect(prompt).to_have_value(re.compile(f"You are {name}\\."))
    assert "premature reassurance" not in prompt.input_value()
    assert "drinking" not in prompt.input_value()  # hidden items wait for trust
    assert_accessible(page)

    # The sample opening exchange streams in; its tokens and cost show under the reply.
    page.get_by_role("button", name="Run the opening exchange").click()
    expect(page).to_have_url(re.compile(r"/teach/previews/[0-9a-f-]+/$"))
    reply = page.locator("#transcript .msg-client.msg-complete:not(.msg-opening)")
    expect(reply).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(reply.locator(".msg-meta")).to_contain_text(re.compile(r"\d+ tokens · \$0\.\d+"))
    expect(page.locator("#preview-status")).to_contain_text("Preview finished")
    assert_accessible(page)
    session_id = page.url.rstrip("/").split("/")[-1]
    printed = app_server.shell(
        f"s = PracticeSession.objects.get(pk='{session_id}')\n"
        "print(s.kind, s.status, s.estimated_cost > 0, hasattr(s, 'preview'))"
    )
    assert printed == "teacher_test completed True True"

    # Publish, and a student finds the client in the gallery.
    page.get_by_role("link", name=f"Back to the preview of {name}").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text(f"{name} is published")
    card = page.locator(".client-card", has=page.get_by_role("heading", name=name))
    expect(card.locator(".badge-published")).to_have_text("Published")
    assert_accessible(page)

    student = new_page()
    login(student, "student")
    student.goto(app_server.url + "/practice/")
    expect(student.get_by_text(name).first).to_be_visible()


def _cost_lines(page: Page) -> list[Decimal]:
    return [
        Decimal(value)
        for value in page.locator("#transcript [data-cost-usd]").evaluate_all(
            "lines => lines.map(line => line.dataset.costUsd)"
        )
    ]


def test_a_teacher_test_converses_and_sees_cost_per_message_and_a_running_total(
    page: Page, login: Callable[..., None], app_server: LiveServer
) -> None:
    login(page, "teacher")
    name = _unique("Test Talker")
    _create_client(page, app_server, name)
    page.goto(app_server.url + "/teach/")
    page.get_by_role("button", name=f"Test conversation with {name}").click()
    page.wait_for_load_state()
    if "/sessions/" not in page.url:  # a client with content warnings asks to confirm first
        page.get_by_role("button", name=re.compile("start the session", re.I)).click()
    expect(page).to_have_url(re.compile(r"/sessions/[0-9a-f-]+/$"))
    expect(page.locator("#running-cost")).to_contain_text("Spent so far: $0.000000")

    for turn, text in enumerate(["Hi, what brings you in?", "That sounds exhausting."], 1):
        send_turn(page, text)
        replies = page.locator("#transcript .msg-client.msg-complete:not(.msg-opening)")
        expect(replies).to_have_count(turn, timeout=REPLY_TIMEOUT_MS)
        # Streaming: the reply's text grew in place; then its tokens and cost appeared.
        expect(replies.last.locator(".msg-meta")).to_contain_text(re.compile(r"tokens · \$0\."))

    assert_accessible(page)
    costs = _cost_lines(page)
    assert len(costs) == 2 and all(cost > 0 for cost in costs)
    total = sum(costs, Decimal(0))
    # The running total is summed in the browser and shown by the app's one money rule.
    expect(page.locator("[data-running-cost]")).to_have_text(usd(total))
    session_id = page.url.rstrip("/").split("/")[-1]
    stored = app_server.shell(
        f"print(PracticeSession.objects.get(pk='{session_id}').estimated_cost)"
    )
    assert Decimal(stored) == total


def _student_session(app_server: LiveServer, client_name: str) -> str:
    """A completed session of the demo student's with a reflection, made on the server."""
    code = f"""
from decimal import Decimal
from accounts.models import User
from clients.models import ClientProfile
from conversations.models import Message
from sessions_app.models import SessionReflection
from sessions_app.services import session_end, session_start
from conftest import add_message
from conversations.services import message_account, turn_state_record
teacher = User.objects.get(username="teacher")
client = ClientProfile.objects.create(
    owner=teacher, name={client_name!r}, presenting_problem="Exam panic.", is_published=True,
    opening_statement="I don't even know why I'm here.",
)
session = session_start(student=User.objects.get(username="student"), client=client)
turns = [
    ("student", "Hi, what brings you here today?"),
    ("client", "My roommate made me come. I panic before exams."),
    ("student", "=SUM(A1:A9) sounds like my stats homework"),
    ("client", "-ish. I guess. I don't really know."),
]
# The state log of each student turn, as the engine would have kept it (the trust curve).
codes = iter([("open_question",), ("other", "closed_question")])
trust = iter([(2, 3), (3, 2)])
for number, (role, text) in enumerate(turns, 1):
    message = add_message(session=session, role=role, content=text)
    if role == "client":
        message_account(message=message, input_tokens=800, output_tokens=30,
                        cache_write_tokens=0, cache_read_tokens=200, cost=Decimal("0.0000912345"))
    else:
        before, after = next(trust)
        turn_state_record(message=message, turn=(number + 1) // 2, trust_before=before,
                          trust_after=after, codes=next(codes), unlocked=[])
session_end(session=session)
SessionReflection.objects.create(
    session=session, went_well="I kept my questions open.", was_hard="Silence after the joke.",
)
print(session.pk)
"""
    return app_server.shell(code)


def test_a_teacher_reviews_rates_comments_and_releases_feedback_the_student_reads(
    new_page: Callable[..., Page], login: Callable[..., None], app_server: LiveServer
) -> None:
    client_name = _unique("Priya Review")
    session_id = _student_session(app_server, client_name)
    page = new_page()
    login(page, "teacher")

    # History: filter to this client, see the session with its numbers.
    page.goto(app_server.url + "/teach/sessions/")
    assert_accessible(page)
    page.get_by_label("Client").select_option(label=client_name)
    page.get_by_label("Kind").select_option("practice")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("table.history tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Sam Student")
    expect(row.locator("td.num").first).to_have_text("2")  # student turns
    expect(page.locator("#total-cost")).to_have_text("$0.000182")
    assert_accessible(page)
    row.get_by_role("link").click()

    # The review page: transcript with the student's reflection beside it.
    expect(page).to_have_url(app_server.url + f"/teach/sessions/{session_id}/")
    reflection = page.get_by_role("region", name="Student's reflection")
    expect(reflection).to_contain_text("I kept my questions open.")
    expect(reflection).to_contain_text("Silence after the joke.")
    assert_accessible(page)

    page.get_by_label("Feedback for the student").fill("Warm start; try reflecting before asking.")
    for label, value in [
        ("In-character consistency", "8"),
        ("Educational appropriateness", "9"),
        ("Response relevance", "7"),
        ("Conversation flow", "6"),
        ("Boundary maintenance", "10"),
    ]:
        _rating(page, label, value).check()
    page.get_by_label("Use as an example").select_option("best")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("status")).to_contain_text("Review saved.")
    expect(_rating(page, "Conversation flow", "6")).to_be_checked()

    page.get_by_text("Comment on message 3").click()
    page.get_by_label("Comment for the student on message 3").fill("Humour can break the ice.")
    page.get_by_role("button", name="Add comment").first.click()
    expect(page.get_by_role("status")).to_contain_text("Comment added to message 3.")
    expect(page.locator(".comment")).to_contain_text("Humour can break the ice.")

    # Not released yet: the student sees nothing.
    student = new_page()
    login(student, "student")
    student.goto(app_server.url + f"/sessions/{session_id}/")
    expect(student.get_by_text("Warm start")).to_have_count(0)

    page.get_by_role("button", name="Release feedback to Sam Student").click()
    expect(page.get_by_role("status")).to_contain_text("Feedback released")
    assert_accessible(page)

    student.reload()
    expect(student.get_by_text("Warm start; try reflecting before asking.")).to_be_visible()
    expect(student.get_by_text("Humour can break the ice.")).to_be_visible()
    assert "Watch for" not in student.content()
    rated = app_server.shell(
        f"r = PracticeSession.objects.get(pk='{session_id}').review\n"
        "print(r.in_character_consistency, r.boundary_maintenance, r.example, r.is_released)"
    )
    assert rated == "8 10 best True"


def _rating(page: Page, label: str, value: str):
    return page.get_by_role("group", name=label).get_by_role("radio", name=value, exact=True)


VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_five_ratings_are_visible_buttons_that_rate_the_simulated_client(
    viewport: str, page: Page, login: Callable[..., None], app_server: LiveServer
) -> None:
    """They were number boxes a rule for another page (.rating) stripped of border and padding."""
    session_id = _student_session(app_server, _unique("Rating Rae"))
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "teacher")
    page.goto(app_server.url + f"/teach/sessions/{session_id}/")
    ratings = page.get_by_role("group", name="Rate the simulated client, not the student")
    expect(ratings).to_contain_text("They are not a grade for")
    ratings.scroll_into_view_if_needed()
    shots = ARTIFACTS / "screenshots" / viewport
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=shots / "review-ratings.png", full_page=True)

    # The trust curve and each turn's coded skills, within the window at either width.
    curve = page.get_by_role("img", name="Trust after each student turn")
    expect(curve).to_be_visible()
    box = curve.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[viewport]["width"]
    page.locator(".trust-panel").screenshot(path=shots / "review-trust-curve.png")
    codes = page.locator(".turn-codes")
    expect(codes).to_have_count(2)
    expect(codes.first).to_contain_text("Open question")
    expect(codes.first).to_contain_text("trust 2 → 3")
    ratings.screenshot(path=shots / "review-ratings-closeup.png")
    width = VIEWPORTS[viewport]["width"]
    for label in ("In-character consistency", "Conversation flow", "Boundary maintenance"):
        group = page.get_by_role("group", name=label)
        expect(group.get_by_role("radio")).to_have_count(11)  # 1 to 10, and Not rated
        for value in ("1", "10", "Not rated"):
            radio = page.get_by_role("radio", name=value, exact=True)
            button = group.locator("label").filter(has=radio)
            expect(button).to_be_visible()
            box = button.bounding_box()
            assert box and box["width"] >= 24 and box["height"] >= 24, (label, value, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (label, value, box)
            border = button.evaluate("node => getComputedStyle(node).borderTopWidth")
            assert border != "0px", (label, value)
    assert_accessible(page)

    _rating(page, "Conversation flow", "7").check()
    _rating(page, "Boundary maintenance", "10").check()
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_role("status")).to_contain_text("Review saved.")
    expect(_rating(page, "Conversation flow", "7")).to_be_checked()
    expect(_rating(page, "In-character consistency", "Not rated")).to_be_checked()
    page.get_by_role("group", name="Conversation flow").scroll_into_view_if_needed()
    page.screenshot(path=shots / "review-ratings-saved.png", full_page=True)

    # The printable page carries the reflection and the five ratings.
    page.get_by_role("link", name="Printable page (Print to PDF)").click()
    expect(page.get_by_role("heading", name="The student's reflection")).to_be_visible()
    expect(page.locator(".print-ratings")).to_contain_text("Conversation flow7 of 10")
    assert_accessible(page)
    page.screenshot(path=shots / "review-print.png", full_page=True)


def test_a_teacher_downloads_every_export_format(
    page: Page, login: Callable[..., None], app_server: LiveServer
) -> None:
    client_name = _unique("Export Ezra")
    session_id = _student_session(app_server, client_name)
    slug = client_name.lower().replace(" ", "-")
    login(page, "teacher")
    page.goto(app_server.url + f"/teach/sessions/{session_id}/")

    def download(label: str) -> tuple[str, str]:
        with page.expect_download() as info:
            page.get_by_role("link", name=label, exact=True).click()
        file = info.value
        return file.suggested_filename, open(file.path(), encoding="utf-8").read()

    name, text = download("JSON")
    assert re.fullmatch(rf"{slug}-\d{{4}}-\d{{2}}-\d{{2}}-{session_id[:8]}\.json", name)
    data = json.loads(text)
    assert [m["content"] for m in data["messages"]][1] == (
        "My roommate made me come. I panic before exams."
    )
    assert data["messages"][1]["cost_usd"] == "0.0000912345"
    assert data["messages"][1]["token_count"] == 1030
    assert Decimal(data["session"]["cost_usd"]) == Decimal("0.0001824690")

    name, text = download("CSV")
    assert name.endswith(".csv") and name.startswith(slug)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["status"] == "opening"  # the client's opening statement comes first
    assert rows[3]["content"] == "'=SUM(A1:A9) sounds like my stats homework"
    assert rows[4]["content"] == "'-ish. I guess. I don't really know."

    name, text = download("Markdown")
    assert name.endswith(".md")
    assert text.startswith(f"# Session with {client_name}")
    assert "> My roommate made me come. I panic before exams." in text

    name, text = download("Plain text")
    assert name.endswith(".txt")
    assert "    My roommate made me come. I panic before exams." in text

    # The printable page: a clean document for Print to PDF.
    page.get_by_role("link", name="Printable page (Print to PDF)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(client_name)
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.locator(".screen-only")).to_be_hidden()
    expect(page.locator(".site-header")).to_have_count(0)
    assert page.pdf()[:4] == b"%PDF"
