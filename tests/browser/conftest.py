"""Browser tests: real Chromium driving a real daphne process over committed data.

Fixtures:
    app_server           the shared server (LiveServer): .url .ws_url .manage() .shell() .login()
    app_servers          LiveServers: .start(env={...}) for a server with other settings (e.g. an
                         API key and ANTHROPIC_BASE_URL), on its own copy of the seeded database
    browser              Chromium, one per test run
    new_page             new_page(server=app_server) -> a Page in a fresh context (own cookies)
    page                 the test's first page, from new_page()
    login                login(page, "student"): logged in, on that role's home page

A failing test keeps a screenshot, the HTML and the console of each of its pages, and the server's
log lines written during the test, under test-artifacts/<test>/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from conftest import require_service
from tests.browser.server import PROJECT_DIR, LiveServer, LiveServers

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = PROJECT_DIR / "test-artifacts"
# Generous: a 2-core CI machine running Chromium, daphne and the suite at once.
ACTION_TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 30_000

PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
LOG_MARKS = pytest.StashKey[dict[int, int]]()
SERVERS = pytest.StashKey[LiveServers]()


# --- Hooks --------------------------------------------------------------------------------------


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last.

    Playwright's sync API keeps an event loop running in the main thread while the browser is
    open; any test after it would run inside that loop (async tests cannot start their own, and
    Django's async-safety checks would fire). Last, nothing else runs while it is open.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    report = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    if report.failed and report.when in ("setup", "call"):
        for server, text in _server_logs(item):
            report.sections.append((f"daphne log ({server.url}) during this test", text))
        if "new_page" in getattr(item, "fixturenames", ()):
            report.sections.append(("browser artifacts", str(_artifact_dir(item))))
    return report


def _failed(item: pytest.Item) -> bool:
    return any(report.failed for report in item.stash.get(PHASE_REPORTS, {}).values())


def _artifact_dir(item: pytest.Item) -> Path:
    return ARTIFACTS / re.sub(r"[^\w.-]+", "_", item.nodeid)[:180]


def _server_logs(item: pytest.Item) -> list[tuple[LiveServer, str]]:
    """Each server's log lines written since the test started (all of it if started since)."""
    servers: LiveServers | None = item.stash.get(SERVERS, None)
    if servers is None:
        return []
    marks = item.stash.get(LOG_MARKS, {})
    return [(server, server.log(marks.get(id(server), 0))) for server in servers.servers]


# --- Servers ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def app_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServers]:
    servers = LiveServers(directory=tmp_path_factory.mktemp("browser"))
    try:
        yield servers
    finally:
        servers.stop_all()


@pytest.fixture(scope="session")
def app_server(app_servers: LiveServers) -> LiveServer:
    """The shared server: demo data, the demo provider, DEBUG on. Tests share its database.

    Not named live_server: that is pytest-django's (a thread in this process, test database).
    """
    return app_servers.start()


@pytest.fixture(autouse=True)
def _server_log_marks(request: pytest.FixtureRequest, app_servers: LiveServers) -> None:
    """Remember where each server's log stood, to show only this test's lines on failure."""
    request.node.stash[SERVERS] = app_servers
    request.node.stash[LOG_MARKS] = {id(s): s.log_size() for s in app_servers.servers}


# --- Browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    require_service(
        "Chromium", CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install chromium)"
    )
    manager = sync_playwright().start()
    # Playwright's event loop now runs in this thread (see pytest_collection_modifyitems); the
    # test process touches Django only lightly meanwhile. The servers never get this variable.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    try:
        yield manager
    finally:
        manager.stop()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


class Pages:
    """The pages a test opened, each in its own context, with what their consoles said."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[BrowserContext] = []
        self.pages: list[Page] = []
        self.consoles: list[list[str]] = []

    def new(self, server: LiveServer | None = None) -> Page:
        context = self.browser.new_context(base_url=(server or self.server).url)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        self.contexts.append(context)
        self.pages.append(page)
        self.consoles.append(console)
        return page

    def save(self, directory: Path) -> None:
        """Screenshots, HTML and console of every page; never raises (the failure matters more)."""
        for number, (page, console) in enumerate(zip(self.pages, self.consoles, strict=True), 1):
            name = f"page-{number}"
            (directory / f"{name}-console.txt").write_text("\n".join(console) + "\n")
            try:
                (directory / f"{name}.url.txt").write_text(page.url + "\n")
                (directory / f"{name}.html").write_text(page.content())
                page.screenshot(path=directory / f"{name}.png", full_page=True)
            except Exception as error:
                (directory / f"{name}-error.txt").write_text(f"could not save: {error}\n")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def _save_artifacts(item: pytest.Item, pages: Pages) -> None:
    directory = _artifact_dir(item)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    pages.save(directory)
    for server, text in _server_logs(item):
        (directory / f"daphne-{server.port}.log").write_text(text)


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest, browser: Browser, app_server: LiveServer
) -> Iterator[Callable[..., Page]]:
    pages = Pages(browser, app_server)
    yield pages.new
    try:
        if _failed(request.node):
            _save_artifacts(request.node, pages)
        else:  # what an earlier failure left would only mislead
            shutil.rmtree(_artifact_dir(request.node), ignore_errors=True)
    finally:
        pages.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def login(app_server: LiveServer) -> Callable[..., None]:
    return app_server.login
