"""Every page satisfies the Content-Security-Policy: no inline script or style, no eval.

Chromium enforces the header here (Playwright's bypass_csp stays off) and an init script, which
CSP does not govern, records every `securitypolicyviolation` event. Each role crawls the pages it
can reach from its home page, so pages added later are covered without listing them.
"""

import re
from collections.abc import Callable
from urllib.parse import urljoin, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser.composer import send_turn
from tests.browser.server import LiveServer

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
      `at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""
MAX_PAGES_PER_ROLE = 40
# Links that download a file, change state by GET (none should) or leave the app's pages.
SKIP = re.compile(r"(export|download|logout|/admin/|\.(csv|json|xlsx|md|txt)$)")


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def same_site_links(page: Page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all(
        "a[href]", "links => links.map(link => link.getAttribute('href'))"
    )
    links = []
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        if urlparse(url).netloc == urlparse(base).netloc and not SKIP.search(url):
            links.append(url)
    return links


def crawl(page: Page, start: str, base: str) -> dict[str, list[str]]:
    """Visit pages breadth-first from `start`; return the violations seen on each."""
    seen, queue, found = set(), [start], {}
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        if response is None or response.status >= 400:
            continue
        assert "content-security-policy" in response.headers, f"{url} has no CSP header"
        page.wait_for_load_state("networkidle")
        found[url] = violations(page)
        queue.extend(link for link in same_site_links(page, base) if link not in seen)
    return found


@pytest.mark.parametrize("username", ["student", "teacher", "staff"])
def test_every_page_a_role_reaches_keeps_to_the_policy(
    new_page: Callable[..., Page], app_server: LiveServer, username: str
) -> None:
    page = new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    app_server.login(page, username)
    found = crawl(page, page.url, app_server.url)

    assert len(found) >= 2, f"the crawl reached too little: {list(found)}"
    broken = {url: seen for url, seen in found.items() if seen}
    assert broken == {}


def test_a_conversation_streams_under_the_policy(
    new_page: Callable[..., Page], app_server: LiveServer
) -> None:
    page = new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    app_server.login(page, "student")
    page.goto(app_server.url + "/practice/")
    page.get_by_role("button", name=re.compile("Start", re.I)).first.click()
    while (
        page.get_by_role("button", name=re.compile("Start", re.I)).count()
        and "/sessions/" not in page.url
    ):
        page.get_by_role(
            "button", name=re.compile("Start", re.I)
        ).first.click()  # a confirmation step
    expect(page).to_have_url(re.compile(r"/sessions/[0-9a-f-]+/$"))

    send_turn(page, "Hello, what brings you in today?")
    expect(page.locator("#transcript .msg-client").last).not_to_have_text("", timeout=30_000)
    expect(page.locator("#reply-state")).to_have_attribute("data-state", "idle", timeout=30_000)

    assert violations(page) == []
