"""A student's whole week in real Chromium, on a laptop and on a phone (390x844).

First login and the notice → choose a client → content warnings → start → three turns, each reply
seen growing through intermediate states → reload while a reply streams: the same history, the
reply completed → end (a real dialog) → reflection and feedback → a new session → the teacher's
released feedback. axe-core checks every page; each page is photographed into
test-artifacts/screenshots/<viewport>/.

The server streams the demo provider at DEMO_REPLY_DELAY_MS per word, slow enough to watch a
reply grow and to reload in the middle of one. Every wait is for a condition, never a sleep.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.browser.composer import send_turn
from tests.browser.conftest import ARTIFACTS
from tests.browser.server import LiveServer, LiveServers

pytestmark = pytest.mark.browser

REPLY_DELAY_MS = "250"
REPLY_TIMEOUT_MS = 60_000
# Per student and minute: the journey's four turns pass; the error test runs into it.
RATE_LIMIT = "5"
VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
FIRST_CLIENT, SECOND_CLIENT = "Maya Torres", "Jordan Lee"
TURNS = [
    "Hi, thanks for coming in. What brings you here today?",
    "That sounds like a lot to carry. How have you been sleeping?",
    "It makes sense that you feel worn down",
]
RELOADED_TURN = "What would you like to be different a month from now?"

# Records each distinct text of the newest streaming client reply, as the page shows it.
WATCH_REPLY = """
() => {
  window.__replyStates = [];
  window.__busySeen = false;
  const transcript = () => document.getElementById("transcript");
  const record = () => {
    const streaming = document.querySelectorAll("#transcript .msg-client.msg-streaming");
    const row = streaming[streaming.length - 1];
    if (transcript() && transcript().getAttribute("aria-busy") === "true") window.__busySeen = true;
    if (!row) return;
    const text = row.querySelector(".msg-text").textContent;
    const states = window.__replyStates;
    if (text && states[states.length - 1] !== text) states.push(text);
  };
  if (window.__replyObserver) window.__replyObserver.disconnect();
  window.__replyObserver = new MutationObserver(record);
  window.__replyObserver.observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ["aria-busy"],
  });
}
"""


@pytest.fixture(scope="module")
def slow_server(app_servers: LiveServers) -> Iterator[LiveServer]:
    server = app_servers.start(
        env={"DEMO_REPLY_DELAY_MS": REPLY_DELAY_MS, "LIMIT_MESSAGES_PER_MINUTE": RATE_LIMIT}
    )
    try:
        yield server
    finally:
        server.stop()


def new_student(server: LiveServer, label: str) -> str:
    username = f"journey-{label}-{uuid.uuid4().hex[:6]}"
    server.shell(
        "from accounts.models import User\n"
        f"User.objects.create_user({username!r}, password='rapport-demo', role='student',"
        " first_name='Jo', last_name='Journey')"
    )
    return username


class Camera:
    def __init__(self, page: Page, viewport: str) -> None:
        self.page = page
        self.directory = ARTIFACTS / "screenshots" / viewport
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def shoot(self, name: str) -> None:
        self.count += 1
        self.page.screenshot(path=self.directory / f"{self.count:02d}-{name}.png", full_page=True)


def check(page: Page, camera: Camera, name: str) -> None:
    assert_accessible(page)
    camera.shoot(name)


def card(page: Page, name: str):
    return page.locator(".client-card").filter(has=page.get_by_role("heading", name=name))


def completed_replies(page: Page):
    return page.locator("#transcript .msg-client.msg-complete:not(.msg-opening)")


def send(page: Page, text: str) -> None:
    page.evaluate(WATCH_REPLY)
    send_turn(page, text)


def take_a_turn(page: Page, text: str, number: int) -> None:
    """Send a turn; see it at once, the client typing, the reply grow, complete and announced."""
    send(page, text)
    expect(page.locator("#transcript .msg-student")).to_have_count(number)
    expect(page.locator("#transcript .msg-student").last).to_contain_text(text)
    expect(page.get_by_label("Your reply")).to_have_value("")
    replies = completed_replies(page)
    expect(replies).to_have_count(number, timeout=REPLY_TIMEOUT_MS)
    expect(page.get_by_label("Your reply")).to_be_enabled()
    expect(page.locator("#transcript")).to_have_attribute("aria-busy", "false")

    final = replies.last.locator(".msg-text").inner_text().strip()
    states = page.evaluate("window.__replyStates")
    intermediate = [s for s in states if s.strip() and s.strip() != final]
    assert len(intermediate) >= 2, f"turn {number}: the reply grew through {states!r} to {final!r}"
    for state in intermediate:
        assert final.startswith(state.strip()), f"{state!r} is not a beginning of {final!r}"
    assert page.evaluate("window.__busySeen"), "the transcript was aria-busy while streaming"
    expect(page.locator("#announcer")).to_contain_text(final)


def transcript_texts(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("#transcript .msg .msg-text").all_inner_texts()]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_student_practises_reflects_and_reads_feedback(
    viewport: str, new_page: Callable[..., Page], slow_server: LiveServer
) -> None:
    server = slow_server
    page = new_page(server)
    page.set_viewport_size(VIEWPORTS[viewport])
    camera = Camera(page, viewport)
    username = new_student(server, viewport)

    # First login: the notice comes before anything else, once.
    server.submit_login(page, username)
    expect(page).to_have_url(re.compile(r"/accounts/notice/\?next="))
    expect(page.get_by_role("heading", name="Before you start")).to_be_visible()
    expect(page.get_by_role("heading", name="The client is simulated")).to_be_visible()  # demo mode
    check(page, camera, "notice")
    page.get_by_role("button", name=re.compile("I have read this")).click()
    expect(page).to_have_url(server.url + "/practice/")

    # Choose a client: the cards say enough to choose; never the teacher's secrets.
    expect(page.get_by_role("heading", name="Choose a client")).to_be_visible()
    maya = card(page, FIRST_CLIENT)
    expect(maya.get_by_text("Content warnings")).to_be_visible()
    expect(maya.get_by_text("Time limit")).to_be_visible()
    check(page, camera, "gallery")
    maya.get_by_role("link", name="Details").click()
    expect(page.get_by_role("heading", name=FIRST_CLIENT, exact=True)).to_be_visible()
    check(page, camera, "client-preview")
    page.go_back()

    # Start: the content warnings first, then the session.
    card(page, FIRST_CLIENT).get_by_role("button", name="Start session").click()
    warning_step = page.get_by_role("heading", name=f"Before you start with {FIRST_CLIENT}")
    expect(warning_step).to_be_visible()
    expect(page.locator(".content-warnings li").first).to_be_visible()
    check(page, camera, "content-warnings")
    page.get_by_role("button", name=re.compile("I understand")).click()
    expect(page).to_have_url(re.compile(r"/sessions/[0-9a-f-]{36}/$"))
    session_url = page.url
    session_id = session_url.rstrip("/").rsplit("/", 1)[-1]

    # The conversation: the opening statement first, a countdown, three turns.
    expect(page.get_by_role("heading", name=FIRST_CLIENT)).to_be_visible()
    expect(page.locator("#transcript .msg-opening")).to_be_visible()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^\d+:\d\d$"))
    check(page, camera, "conversation-start")
    for number, text in enumerate(TURNS, 1):
        take_a_turn(page, text, number)
    check(page, camera, "conversation")

    # Reload while a reply streams: the same history, nothing doubled, the reply completed.
    before = transcript_texts(page)
    send(page, RELOADED_TURN)
    expect(page.locator("#transcript .msg-student")).to_have_count(len(TURNS) + 1)
    expect(page.get_by_text(re.compile("is typing"))).to_be_visible()
    streaming = page.locator("#transcript .msg-client.msg-streaming .msg-text").last
    expect(streaming).to_have_text(re.compile(r"\S"), timeout=REPLY_TIMEOUT_MS)
    page.reload()
    expect(page.locator("#transcript .msg-student")).to_have_count(len(TURNS) + 1)
    expect(completed_replies(page)).to_have_count(len(TURNS) + 1, timeout=REPLY_TIMEOUT_MS)
    after = transcript_texts(page)
    assert after[: len(before)] == before
    assert after[len(before)] == RELOADED_TURN
    assert after[-1], "the reply streamed through the reload is complete"
    stored = server.shell(
        f"print(Message.objects.filter(session_id={session_id!r}, status='complete').count())"
    )
    assert stored == str(2 * (len(TURNS) + 1))

    # End, through a real dialog: "Keep talking" first, then end.
    page.get_by_role("button", name="End session").click()
    dialog = page.get_by_role("dialog", name="End this session?")
    expect(dialog).to_be_visible()
    check(page, camera, "end-dialog")
    dialog.get_by_role("button", name="Keep talking").click()
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="End session").click()
    dialog.get_by_role("button", name="End session").click()
    expect(page).to_have_url(session_url + "complete/")

    # Reflection and feedback: a missing rating loses no words.
    expect(page.get_by_role("heading", name="Session saved")).to_be_visible()
    expect(page.locator(".stats")).to_contain_text(str(len(TURNS) + 1))
    summary = page.get_by_role("region", name="Your skills in this session")
    expect(summary).to_contain_text("practice targets, not grades")
    expect(summary.get_by_role("row", name=re.compile("Reflections to questions"))).to_be_visible()
    page.get_by_label("What went well").fill("I stayed with the silence.")
    page.get_by_label("What was hard").fill("Not jumping to advice.")
    page.get_by_label("What I would do differently").fill("Ask about sleep earlier.")
    page.get_by_label("Suggestions").fill("More clients, please.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved yet")
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.get_by_label("What went well")).to_have_value("I stayed with the silence.")
    check(page, camera, "reflection-errors")
    page.get_by_role("group", name="How easy was Rapport to use?").get_by_label("4").check()
    page.get_by_role("group", name="How much did you learn").get_by_label("5").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    expect(page.get_by_label("Suggestions")).to_have_value("More clients, please.")
    check(page, camera, "complete")

    # Start a new session with another client, then pause and leave it.
    page.get_by_role("link", name="Start a new session").click()
    expect(page.get_by_role("heading", name="Choose a client")).to_be_visible()
    card(page, SECOND_CLIENT).get_by_role("button", name="Start session").click()
    page.get_by_role("button", name=re.compile("I understand")).click()
    expect(page.get_by_role("heading", name=SECOND_CLIENT)).to_be_visible()
    page.get_by_role("link", name="Pause and leave").click()

    # The teacher releases feedback; the student reads it beside the messages.
    server.shell(
        "from django.utils import timezone\n"
        "from reviews.models import MessageComment, SessionReview\n"
        f"session = PracticeSession.objects.get(pk={session_id!r})\n"
        "teacher = User.objects.get(username='teacher')\n"
        "review = SessionReview.objects.create(session=session, reviewer=teacher,"
        " overall_note='You gave the client room to talk. Try one more open question.',"
        " released_at=timezone.now())\n"
        "first = session.messages.filter(role='student').order_by('sequence_number').first()\n"
        "MessageComment.objects.create(review=review, message=first, text='A warm opening.')\n"
    )
    expect(page.get_by_role("heading", name="Your sessions")).to_be_visible()
    page.reload()
    rows = page.locator(".session-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(SECOND_CLIENT)
    expect(rows.first).to_contain_text("In progress")
    expect(rows.last).to_contain_text("Feedback from your teacher")
    check(page, camera, "my-sessions")
    rows.last.get_by_role("link", name=FIRST_CLIENT, exact=True).click()
    expect(page.get_by_role("heading", name="Feedback from your teacher")).to_be_visible()
    expect(page.get_by_text("Try one more open question.")).to_be_visible()
    first_turn = page.locator(".transcript-record .msg-student").first
    expect(first_turn.get_by_label("Teacher's comment")).to_contain_text("A warm opening.")
    expect(page.get_by_text("I stayed with the silence.")).to_be_visible()
    check(page, camera, "feedback")


def test_when_time_runs_out_the_session_ends_gracefully(
    new_page: Callable[..., Page], slow_server: LiveServer
) -> None:
    server = slow_server
    page = new_page(server)
    username = new_student(server, "timer")
    server.shell(
        "from accounts.services import notice_acknowledge\n"
        f"notice_acknowledge(user=User.objects.get(username={username!r}))"
    )
    server.login(page, username)
    card(page, SECOND_CLIENT).get_by_role("button", name="Start session").click()
    page.get_by_role("button", name=re.compile("I understand")).click()
    expect(page.get_by_role("heading", name=SECOND_CLIENT)).to_be_visible()
    session_url = page.url
    session_id = session_url.rstrip("/").rsplit("/", 1)[-1]

    # Ten seconds before the limit (the demo card allows 30 minutes), the page counts down.
    server.shell(
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        f"PracticeSession.objects.filter(pk={session_id!r}).update("
        "started_at=timezone.now() - timedelta(minutes=30) + timedelta(seconds=10))"
    )
    page.reload()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^0:(0\d|10)$"))
    expect(page.locator("#timer")).to_have_class(re.compile("timer-low"))
    expect(page).to_have_url(session_url + "complete/", timeout=REPLY_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Session saved")).to_be_visible()
    status = server.shell(f"print(PracticeSession.objects.get(pk={session_id!r}).status)")
    assert status == "completed"


def test_a_refused_turn_is_explained_inline_and_its_text_kept(
    new_page: Callable[..., Page], slow_server: LiveServer
) -> None:
    server = slow_server
    page = new_page(server)
    username = new_student(server, "limits")
    server.shell(
        "from accounts.services import notice_acknowledge\n"
        f"notice_acknowledge(user=User.objects.get(username={username!r}))"
    )
    server.login(page, username)
    card(page, FIRST_CLIENT).get_by_role("button", name="Start session").click()
    page.get_by_role("button", name=re.compile("I understand")).click()
    box, error = page.get_by_label("Your reply"), page.locator("#composer-error")

    # Turn after turn until the per-minute limit refuses one (a new minute may reset it once).
    for number in range(1, 3 * int(RATE_LIMIT)):
        text = f"Question number {number}: how does that feel?"
        send(page, text)
        stored = page.locator("#transcript .msg-student").filter(has_text=text)
        expect(stored.or_(error.filter(has_text=re.compile(r"\S")))).to_be_visible()
        if error.inner_text().strip():
            break
        expect(completed_replies(page)).to_have_count(number, timeout=REPLY_TIMEOUT_MS)
    else:
        pytest.fail("the rate limit never refused a turn")

    expect(
        page.get_by_role("alert").filter(has_text="faster than a conversation allows")
    ).to_be_visible()
    expect(box).to_have_value(text)
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    assert_accessible(page)
    Camera(page, "laptop").shoot("refused-turn")
