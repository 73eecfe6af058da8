"""The conversation page as a student meets it, at 1280x800 and at 390x844 (issue 11, 1-4).

The newest message stays wholly visible above the reply form after each streamed piece of a reply
and each sent turn, unless the reader scrolled up to read (then a "New message" button); on a
phone the timer and End button stay in reach and the site header keeps to one line; a dropped
socket says "Reconnecting…", keeps what was typed and holds Send until it is back; each message
shows its time and can be copied, and the transcript downloads from My sessions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, Route, WebSocketRoute, expect

from tests.browser.axe import assert_accessible
from tests.browser.composer import send_turn
from tests.browser.conftest import ARTIFACTS
from tests.browser.server import LiveServer, LiveServers
from tests.browser.test_student_journey import VIEWPORTS, card, new_student

pytestmark = pytest.mark.browser

REPLY_TIMEOUT_MS = 60_000
CLIENT = "Jordan Lee"
TURNS = [
    "Hi, thanks for coming in. What brings you here today?",
    "That sounds like a lot to carry. How have you been sleeping?",
    "It makes sense that you feel worn down.",
    "What helps, even a little, on the hard days?",
    "What would you like to be different a month from now?",
]

# After every message the socket brings, is the newest message wholly above the reply form?
# Listens after conversation.js's own handler (registered first), so it sees what the reader sees.
WATCH_NEWEST = """
() => {
  window.__hiddenNewest = [];
  document.addEventListener("htmx:wsAfterMessage", () => {
    const last = document.querySelector("#transcript > .msg:last-child");
    const composer = document.getElementById("composer");
    if (!last || !composer) return;
    const bottom = last.getBoundingClientRect().bottom, top = composer.getBoundingClientRect().top;
    if (bottom > top + 0.5) window.__hiddenNewest.push([bottom, top]);
  });
}
"""


@pytest.fixture(scope="module")
def chat_server(app_servers: LiveServers) -> Iterator[LiveServer]:
    """Replies stream word by word, slowly enough to scroll away in the middle of one."""
    server = app_servers.start(env={"DEMO_REPLY_DELAY_MS": "120"})
    try:
        yield server
    finally:
        server.stop()


def _shoot(page: Page, viewport: str, name: str) -> None:
    """What the window shows (not the whole page: what sticks where is the point)."""
    directory = ARTIFACTS / "screenshots" / viewport
    directory.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=directory / f"conversation-page-{name}.png")


def _start_session(server: LiveServer, page: Page, label: str) -> None:
    username = new_student(server, label)
    server.shell(
        "from accounts.services import notice_acknowledge\n"
        f"notice_acknowledge(user=User.objects.get(username={username!r}))"
    )
    server.login(page, username)
    card(page, CLIENT).get_by_role("button", name="Start session").click()
    page.get_by_role("button", name=re.compile("I understand")).click()
    expect(page.get_by_role("heading", name=CLIENT)).to_be_visible()


def _replies(page: Page):
    return page.locator("#transcript .msg-client.msg-complete:not(.msg-opening)")


def _turn(page: Page, text: str, number: int) -> None:
    send_turn(page, text)
    expect(page.locator("#transcript .msg-student")).to_have_count(number)
    expect(_replies(page)).to_have_count(number, timeout=REPLY_TIMEOUT_MS)
    expect(page.get_by_label("Your reply")).to_be_enabled()


def _box(page: Page, selector: str) -> dict:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not on screen"
    return box


def _newest_ends_above_the_form(page: Page) -> None:
    last = _box(page, "#transcript > .msg:last-child")
    form = _box(page, "#composer")
    assert last["y"] + last["height"] <= form["y"] + 0.5, (
        f"the newest message ends at {last['y'] + last['height']:.0f}px, "
        f"below the reply form's top at {form['y']:.0f}px"
    )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_newest_message_stays_above_the_reply_form(
    viewport: str, new_page: Callable[..., Page], chat_server: LiveServer
) -> None:
    page = new_page(chat_server)
    page.set_viewport_size(VIEWPORTS[viewport])
    _start_session(chat_server, page, f"follow-{viewport}")
    page.evaluate(WATCH_NEWEST)
    for number, text in enumerate(TURNS, 1):
        _turn(page, text, number)
        _newest_ends_above_the_form(page)
    assert page.evaluate("window.__hiddenNewest") == [], "a reply grew behind the reply form"
    expect(page.locator("#new-message")).to_be_hidden()
    _shoot(page, viewport, "five-turns")


def test_a_reader_who_scrolled_up_gets_a_new_message_button_instead_of_a_jump(
    new_page: Callable[..., Page], chat_server: LiveServer
) -> None:
    page = new_page(chat_server)
    page.set_viewport_size(VIEWPORTS["phone"])
    _start_session(chat_server, page, "scrolled")
    for number, text in enumerate(TURNS[:3], 1):
        _turn(page, text, number)

    # The reader scrolls up while the next reply streams: the page stays where they read.
    send_turn(page, TURNS[3])
    expect(page.locator("#transcript .msg-client.msg-streaming")).to_have_count(1)
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    expect(_replies(page)).to_have_count(4, timeout=REPLY_TIMEOUT_MS)
    assert page.evaluate("window.scrollY") == 0, "the page jumped away from what they read"
    button = page.get_by_role("button", name="New message ↓")
    expect(button).to_be_visible()
    assert_accessible(page)
    _shoot(page, "phone", "new-message-button")

    button.click()
    expect(button).to_be_hidden()
    _newest_ends_above_the_form(page)


def test_on_a_phone_the_timer_and_end_button_stay_in_reach_and_the_header_is_one_line(
    new_page: Callable[..., Page], chat_server: LiveServer
) -> None:
    page = new_page(chat_server)
    page.set_viewport_size(VIEWPORTS["phone"])
    _start_session(chat_server, page, "phone-header")

    # The site header: one line, its links behind a Menu that works from the keyboard.
    header = _box(page, ".site-header")
    assert header["height"] <= 60, f"the site header is {header['height']:.0f}px tall"
    expect(page.get_by_role("link", name="My sessions")).to_be_hidden()
    page.locator(".site-menu summary").focus()
    page.keyboard.press("Enter")
    menu = page.get_by_role("navigation", name="Main menu")
    expect(menu.get_by_role("link", name="My sessions")).to_be_visible()
    expect(menu.get_by_role("button", name=re.compile("Log out"))).to_be_visible()
    assert_accessible(page)
    _shoot(page, "phone", "menu-open")
    page.keyboard.press("Enter")  # the summary still has focus: Enter closes it again
    expect(menu).to_be_hidden()

    # Scrolled down after a few turns, the timer and End are still on screen.
    for number, text in enumerate(TURNS[:3], 1):
        _turn(page, text, number)
    assert page.evaluate("window.scrollY") > 0, "the conversation is long enough to scroll"
    height = VIEWPORTS["phone"]["height"]
    for name in ("timer", "end"):
        target = page.get_by_role("timer") if name == "timer" else page.locator("#end-form button")
        expect(target).to_be_visible()
        box = target.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, f"{name}: {box}"
    _newest_ends_above_the_form(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
    assert_accessible(page)
    _shoot(page, "phone", "sticky-header")


def test_the_site_header_keeps_its_links_in_line_on_a_laptop(
    page: Page, login: Callable[..., None]
) -> None:
    page.set_viewport_size(VIEWPORTS["laptop"])
    login(page, "student")
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="My sessions")
    ).to_be_visible()
    expect(page.locator(".site-menu summary")).to_be_hidden()


def test_send_waits_until_the_page_is_connected_and_keeps_what_was_typed(
    new_page: Callable[..., Page], chat_server: LiveServer
) -> None:
    """On a slow start the page showed before it could send: a turn typed then went nowhere."""
    page = new_page(chat_server)
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(re.compile(r"/static/js/conversation\.js"), hold)
    _start_session(chat_server, page, "slow-start")
    box, send = page.get_by_label("Your reply"), page.get_by_role("button", name="Send")
    expect(box).to_be_visible()
    expect(send).to_be_disabled()
    box.fill("Typed while the page was still starting")

    held[0].continue_()
    expect(send).to_be_enabled()
    expect(box).to_have_value("Typed while the page was still starting")
    send.click()
    expect(page.locator("#transcript .msg-student")).to_have_count(1)
    expect(_replies(page)).to_have_count(1, timeout=REPLY_TIMEOUT_MS)


def test_when_the_socket_drops_the_page_says_reconnecting_keeps_the_text_and_holds_send(
    new_page: Callable[..., Page], chat_server: LiveServer
) -> None:
    page = new_page(chat_server)
    sockets: list[WebSocketRoute] = []
    refused = {"now": False}

    def route(socket: WebSocketRoute) -> None:
        if refused["now"]:  # the server is away: the attempt fails
            socket.close(code=1011, reason="away")
            return
        socket.connect_to_server()
        sockets.append(socket)

    page.route_web_socket(re.compile(r"/ws/sessions/"), route)
    _start_session(chat_server, page, "socket")
    _turn(page, TURNS[0], 1)
    box, send = page.get_by_label("Your reply"), page.get_by_role("button", name="Send")
    box.fill("Something I was still typing")
    banner = page.locator("#connection")

    # The server goes away (a restart closes its sockets with 1001, "going away").
    refused["now"] = True
    sockets[-1].close(code=1001, reason="restart")
    expect(banner).to_contain_text("Reconnecting…", timeout=2_000)
    expect(send).to_be_disabled()
    box.press("Enter")  # Enter sends nothing while the socket is down
    expect(box).to_have_value("Something I was still typing")
    expect(page.locator("#transcript .msg-student")).to_have_count(1)
    assert_accessible(page)
    _shoot(page, "laptop", "reconnecting")

    # It comes back: the banner goes, Send works, the kept text goes out.
    refused["now"] = False
    expect(banner).to_be_hidden(timeout=15_000)
    expect(send).to_be_enabled()
    expect(box).to_have_value("Something I was still typing")
    box.press("Enter")
    expect(page.locator("#transcript .msg-student")).to_have_count(2)
    expect(_replies(page)).to_have_count(2, timeout=REPLY_TIMEOUT_MS)


def test_when_the_browser_goes_offline_the_page_says_reconnecting_at_once(
    new_page: Callable[..., Page], chat_server: LiveServer
) -> None:
    page = new_page(chat_server)
    _start_session(chat_server, page, "offline")
    box, send = page.get_by_label("Your reply"), page.get_by_role("button", name="Send")
    box.fill("Typed before the network went")
    page.context.set_offline(True)
    expect(page.locator("#connection")).to_contain_text("Reconnecting…", timeout=2_000)
    expect(send).to_be_disabled()
    page.context.set_offline(False)
    expect(page.locator("#connection")).to_be_hidden(timeout=15_000)
    expect(send).to_be_enabled()
    expect(box).to_have_value("Typed before the network went")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_each_message_shows_its_time_can_be_copied_and_the_transcript_downloads(
    viewport: str, new_page: Callable[..., Page], chat_server: LiveServer
) -> None:
    page = new_page(chat_server)
    page.set_viewport_size(VIEWPORTS[viewport])
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    _start_session(chat_server, page, f"copy-{viewport}")
    _turn(page, TURNS[0], 1)

    # The time shows when the message has focus (here: its copy button, from the keyboard).
    mine = page.locator("#transcript .msg-student").last
    time = mine.locator("time.msg-time")
    expect(time).to_have_text(re.compile(r"^\d\d:\d\d$"))
    expect(time).to_have_css("opacity", "0")
    copy = mine.locator("button[data-copy]")
    expect(copy).to_have_accessible_name("Copy this message")
    copy.focus()
    expect(time).to_have_css("opacity", "1")
    page.keyboard.press("Enter")
    expect(copy).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == TURNS[0]
    assert_accessible(page)
    _shoot(page, viewport, "message-time-and-copy")

    # End, then download the transcript from My sessions: the words, never costs or tokens.
    page.get_by_role("button", name="End session").click()
    page.get_by_role("dialog").get_by_role("button", name="End session").click()
    expect(page.get_by_role("heading", name="Session saved")).to_be_visible()
    page.goto(chat_server.url + "/practice/sessions/")
    row = page.locator(".session-row").first
    assert_accessible(page)
    _shoot(page, viewport, "my-sessions-downloads")
    for name, suffix in (("Markdown", ".md"), ("Plain text", ".txt")):
        with page.expect_download() as download:
            row.get_by_role("link", name=re.compile(f"^{name}")).click()
        assert download.value.suggested_filename.endswith(suffix)
        body = download.value.path().read_text(encoding="utf-8")
        assert TURNS[0] in body
        assert "tokens" not in body.lower() and "$" not in body
