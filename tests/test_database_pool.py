"""A request that finds no database connection free gets a plain 503 page, never a traceback or
half a write, and staff see a `server.busy` error event (config/middleware.py)."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from psycopg_pool import PoolTimeout

from config.middleware import BUSY, DatabaseConnectionMiddleware, is_pool_timeout
from monitoring.logging import DatabaseHandler
from monitoring.models import ErrorEvent
from tests.browser.server import NO_PROXY, LiveServer
from tests.processes import Cluster, cluster, people

WAIT_SECONDS = 60


def _pool_timeout() -> OperationalError:
    """What Django raises when psycopg's pool lends nothing in time: its error, from the pool's."""
    try:
        try:
            raise PoolTimeout("couldn't get a connection after 10.00 sec")
        except PoolTimeout as error:
            raise OperationalError(str(error)) from error
    except OperationalError as wrapped:
        return wrapped


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's settings as on PostgreSQL, whatever database this run uses."""
    pool = {"min_size": 2, "max_size": 10, "timeout": 10.0, "name": "rapport"}
    monkeypatch.setattr("config.middleware.pool_settings", lambda: pool)


def _handler() -> DatabaseHandler:
    return next(
        h for h in logging.getLogger("config.middleware").handlers if isinstance(h, DatabaseHandler)
    )


def test_it_is_left_out_without_a_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("config.middleware.pool_settings", lambda: None)
    with pytest.raises(MiddlewareNotUsed):
        DatabaseConnectionMiddleware(lambda request: HttpResponse())


def test_only_the_pool_running_dry_counts_as_busy() -> None:
    assert is_pool_timeout(_pool_timeout())
    assert not is_pool_timeout(OperationalError("server closed the connection unexpectedly"))
    assert not is_pool_timeout(PoolTimeout("not wrapped by Django"))


@pytest.mark.django_db(transaction=True)
def test_a_request_with_no_connection_free_gets_the_busy_page_and_runs_nothing(
    pooled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        ran.append(request)
        return HttpResponse("the page")

    def no_connection() -> None:
        raise _pool_timeout()

    middleware = DatabaseConnectionMiddleware(view)
    monkeypatch.setattr("config.middleware.connection.ensure_connection", no_connection)
    response = middleware(RequestFactory().post("/accounts/notice/", {"next": "/practice/"}))
    monkeypatch.undo()

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert BUSY in page
    assert "Traceback" not in page
    assert ran == []  # nothing past the middleware: no session, no view, no write

    _handler().flush()
    event = ErrorEvent.objects.get()
    assert (event.kind, event.severity, event.status_code) == ("server.busy", "critical", 503)
    assert event.details["path"] == "/accounts/notice/"
    assert event.details["method"] == "POST"


@pytest.mark.django_db(transaction=True)
def test_a_view_that_asks_again_and_finds_none_gets_the_busy_page_too(pooled: None) -> None:
    middleware = DatabaseConnectionMiddleware(lambda request: HttpResponse())
    request = RequestFactory().post("/sessions/x/end/")
    response = middleware.process_exception(request, _pool_timeout())
    assert response is not None and response.status_code == 503
    assert middleware.process_exception(request, RuntimeError("other")) is None
    _handler().flush()
    assert ErrorEvent.objects.get().kind == "server.busy"


# --- A real daphne process, its one connection held up by a lock ---------------------------

POOL_OF_ONE = {
    "DATABASE_POOL_MIN": "1",
    "DATABASE_POOL_MAX": "1",
    "DATABASE_POOL_TIMEOUT": "1",
}


def _get(server: LiveServer, path: str, cookie: str) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(server.url + path, headers={"Cookie": cookie})
    try:
        with NO_PROXY.open(request, timeout=WAIT_SECONDS) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def _wait_until_a_query_waits_for_the_lock(database_url: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    with psycopg.connect(database_url, autocommit=True) as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("no request reached the locked table")


def _busy_events(running: Cluster) -> list[dict]:
    deadline = time.monotonic() + WAIT_SECONDS
    code = (
        "import json\nfrom monitoring.models import ErrorEvent\n"
        "print(json.dumps(list(ErrorEvent.objects.filter(kind='server.busy')"
        ".values('status_code', 'severity', 'details'))))"
    )
    while time.monotonic() < deadline:
        if events := running.shell_json(code):
            return events
        time.sleep(0.5)
    raise AssertionError(f"no server.busy event was stored\n{running.logs()}")


def test_a_page_asked_for_while_every_connection_is_taken_gets_the_busy_page(
    postgres: None, tmp_path: Path
) -> None:
    with cluster(tmp_path, POOL_OF_ONE) as running:
        ids = people(running)
        server = running.start()
        assert _get(server, "/practice/", ids["student"])[0] == 200

        with psycopg.connect(running.database.url) as locker:
            # The one pooled connection goes to the first request, which then waits for its
            # session behind this lock; the second request finds no connection within 1 s.
            locker.execute("LOCK TABLE django_session IN ACCESS EXCLUSIVE MODE")
            first: list[tuple[int, str, dict]] = []
            waiting = threading.Thread(
                target=lambda: first.append(_get(server, "/practice/", ids["student"]))
            )
            waiting.start()
            _wait_until_a_query_waits_for_the_lock(running.database.url)

            status, page, headers = _get(server, "/practice/", ids["other"])
            locker.rollback()
        waiting.join(timeout=WAIT_SECONDS)

        assert status == 503, page
        assert BUSY in page
        assert "Traceback" not in page  # DEBUG is on in these servers: still no traceback page
        assert headers["Retry-After"] == "5"
        assert first and first[0][0] == 200, first  # the request that held on got its page
        events = _busy_events(running)
        assert events[0]["status_code"] == 503
        assert events[0]["details"]["path"] == "/practice/"
        assert "Traceback" not in running.logs()
        health = json.loads(_get(server, "/healthz", "")[1])
        assert health["database"] == "ok"
