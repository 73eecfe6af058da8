"""No page scrolls sideways on a 390 px phone: every page of the authorization world, per role.

The pages are tests/test_authorization.py's GET rows that answer a role with a page (200), its
URLs filled in from a world built the same way in the server's own database (the demo logins
stand for the matrix's student, teacher and staff). Wide tables scroll inside their own box; the
document never does. Each page's screenshot is kept under test-artifacts/screenshots/390/.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import ARTIFACTS
from tests.browser.server import LiveServer, LiveServers

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = ARTIFACTS / "screenshots" / "390"
# The matrix's roles that have a demo login (the demo `staff` is the matrix's superuser, who gets
# what staff get on Rapport's own pages). The "other" roles see the same kinds of pages.
LOGINS = {"anonymous": None, "student": "student", "teacher": "teacher", "staff": "staff"}

# Run in the server's `manage.py shell`: the authorization world over the demo data, and the path
# of every GET row that answers each role with 200 (not the admin's own pages, Django's).
WORLD_PAGES = """
import json
from accounts.models import User
from clients.models import ClientProfile
from conftest import make_client
from conversations.models import Message
from sessions_app.services import session_end, session_start
from conftest import add_message
from django.urls import reverse
from tests.test_authorization import HTTP_CASES, OK, World

teacher = User.objects.get(username="teacher")
student = User.objects.get(username="student")
client = ClientProfile.objects.filter(owner=teacher, is_published=True).order_by("name").first()
session = session_start(student=student, client=client)
add_message(session=session, role=Message.Role.STUDENT, content="Hello.")
ended = session_start(student=student, client=client)
add_message(session=ended, role=Message.Role.STUDENT, content="Hello again.")
session_end(session=ended)
users = {
    "anonymous": None,
    "student": student,
    "other_student": User.objects.get(username="student2"),
    "teacher": teacher,
    "other_teacher": None,
    "staff": User.objects.get(username="staff"),
}
users["superuser"] = users["staff"]
world = World(
    users=users,
    client=client,
    draft_client=make_client(teacher, name="Draft Client", is_published=False),
    session=session,
    ended_session=ended,
)
pages = {role: [] for role in ROLES}
for case in HTTP_CASES:
    if case.method != "GET":
        continue
    for role in ROLES:
        if case.expect.of(role) == OK:
            path = reverse(case.name, kwargs=case.kwargs(world))
            if path not in pages[role]:
                pages[role].append(path)
print(json.dumps(pages))
"""


@pytest.fixture(scope="module")
def world_server(app_servers: LiveServers) -> LiveServer:
    """A server of its own: the world adds sessions the other browser tests do not expect."""
    return app_servers.start()


@pytest.fixture(scope="module")
def world_pages(world_server: LiveServer) -> dict[str, list[str]]:
    code = f"ROLES = {list(LOGINS)!r}\n" + WORLD_PAGES
    return json.loads(world_server.shell(code).splitlines()[-1])


def _is_page(page: Page, url: str) -> bool:
    """A whole page: not a download (exports, cards, a person's data), JSON (healthz) or an
    htmx fragment (the live blocks' polling fallbacks)."""
    response = page.request.get(url, max_redirects=0)
    html = response.ok and response.headers.get("content-type", "").startswith("text/html")
    return html and response.text().lstrip().lower().startswith("<!doctype html")


def _overflow(page: Page) -> int:
    """How many pixels the document is wider than the viewport (0: no sideways scroll)."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth"
    )


def _widest(page: Page) -> str:
    """The element that sticks out furthest to the right, to name in a failure."""
    return page.evaluate(
        """() => {
          let worst = null, right = window.innerWidth;
          const clipped = (el) => {
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
              if (getComputedStyle(up).overflowX !== 'visible') return true;
            }
            return false;
          };
          for (const el of document.querySelectorAll('body *')) {
            if (clipped(el)) continue;  // inside a scroll box: that box is what counts
            const box = el.getBoundingClientRect();
            if (box.right > right + 0.5) { right = box.right; worst = el; }
          }
          if (!worst) return 'nothing';
          const name = worst.tagName.toLowerCase() + (worst.id ? '#' + worst.id : '')
            + (worst.className && typeof worst.className === 'string'
               ? '.' + worst.className.trim().split(/\\s+/).join('.') : '');
          return name + ' (right edge ' + Math.round(right) + ' px)';
        }"""
    )


def _slug(path: str) -> str:
    return re.sub(r"[^\w]+", "-", path).strip("-")[:80] or "root"


@pytest.fixture
def phone(new_page: Callable[..., Page], world_server: LiveServer) -> Iterator[Page]:
    page = new_page(server=world_server)
    page.set_viewport_size(PHONE)
    yield page


@pytest.mark.parametrize("role", list(LOGINS))
def test_no_page_scrolls_sideways_on_a_390_px_phone(
    role: str, phone: Page, world_server: LiveServer, world_pages: dict[str, list[str]]
) -> None:
    checked, too_wide = _walk(phone, world_server, role, world_pages[role], SCREENSHOTS / role)
    assert checked, f"no pages to check for {role}"
    assert not too_wide, f"{role} at 390 px:\n" + "\n".join(too_wide)


def _walk(
    page: Page, server: LiveServer, role: str, paths: list[str], directory: Path
) -> tuple[list[str], list[str]]:
    """Open each page as `role`, photograph it whole into `directory` (only this run's pages);
    return the pages opened and, for those that scroll sideways, by how much and why."""
    if LOGINS[role]:
        server.login(page, LOGINS[role])
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    checked, too_wide = [], []
    for path in paths:
        url = server.url + path
        if not _is_page(page, url):
            continue
        page.goto(url)
        page.wait_for_load_state("load")
        checked.append(path)
        page.screenshot(path=directory / f"{_slug(path)}.png", full_page=True)
        if (extra := _overflow(page)) > 0:
            too_wide.append(f"{path}: {extra} px too wide, widest {_widest(page)}")
    return checked, too_wide


LAPTOP = {"width": 1280, "height": 800}
SIZES = {"laptop": LAPTOP, "phone": PHONE}


@pytest.mark.parametrize("role", list(LOGINS))
def test_every_page_is_photographed_on_a_laptop(
    role: str,
    new_page: Callable[..., Page],
    world_server: LiveServer,
    world_pages: dict[str, list[str]],
) -> None:
    """The same pages at 1280x800, under test-artifacts/screenshots/1280/<role>/, to look at."""
    laptop = new_page(server=world_server)
    laptop.set_viewport_size(LAPTOP)
    directory = ARTIFACTS / "screenshots" / "1280" / role
    checked, too_wide = _walk(laptop, world_server, role, world_pages[role], directory)
    assert checked, f"no pages to photograph for {role}"
    assert not too_wide, f"{role} at 1280 px:\n" + "\n".join(too_wide)


# The busy page is answered when no database connection is free: rendered here as the middleware
# renders it, and shown in the browser as a page of the server's.
BUSY_PAGE = """
from django.template.loader import render_to_string
from config.middleware import BUSY
import json
print(json.dumps(render_to_string("503.html", {"busy": BUSY})))
"""


@pytest.mark.parametrize("size", list(SIZES))
def test_the_busy_page_and_the_admin_login_are_photographed(
    size: str, new_page: Callable[..., Page], world_server: LiveServer
) -> None:
    page = new_page(server=world_server)
    page.set_viewport_size(SIZES[size])
    directory = ARTIFACTS / "screenshots" / size
    directory.mkdir(parents=True, exist_ok=True)
    page.goto(world_server.url + "/admin/login/")
    assert "Rapport" in page.title()
    page.screenshot(path=directory / "admin-login.png", full_page=True)
    html = world_server.shell(BUSY_PAGE).splitlines()[-1]
    page.goto(world_server.url + "/accounts/login/")  # the busy page's links resolve on the server
    page.set_content(json.loads(html))
    page.screenshot(path=directory / "busy-503.png", full_page=True)
    assert _overflow(page) <= 0
