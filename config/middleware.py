"""A request takes its database connection from the pool before anything else runs.

With the pool (config/settings.py, `_postgres_pool`) a request's thread borrows one connection
at its first query and gives it back when the request ends. Taking it here, first, means a
request either holds a connection for its whole life or has done nothing at all when it is
turned away: no session read, no rate-limit counter, no half of a write. A request that finds
no connection free within DATABASE_POOL_TIMEOUT gets a plain 503 page and is recorded for staff
as a `server.busy` error event, instead of Django's 500 (or, with DEBUG on, its traceback page).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

BUSY = "Rapport is busy, try again in a moment."
BUSY_KIND = "server.busy"
RETRY_AFTER_SECONDS = 5

# Routed to monitoring's error events in settings.LOGGING.
logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]


def pool_settings() -> dict | None:
    """The pool's options (config/settings.py), or None without a pool (SQLite)."""
    return settings.DATABASES["default"].get("OPTIONS", {}).get("pool")


def is_pool_timeout(error: BaseException) -> bool:
    """Django's OperationalError raised because psycopg's pool had no connection to lend."""
    from psycopg_pool import PoolTimeout

    return isinstance(error, OperationalError) and isinstance(error.__cause__, PoolTimeout)


def busy_response(request: HttpRequest) -> HttpResponse:
    """The 503 page, and an error event for staff. Touches no database: there is none to have."""
    logger.error(
        "No database connection was free within %s s; %s %s answered 503.",
        (pool_settings() or {}).get("timeout"),
        request.method,
        request.path,
        extra={"request": request, "status_code": 503, "event_kind": BUSY_KIND},
    )
    response = HttpResponse(render_to_string("503.html", {"busy": BUSY}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _take_connection(request: HttpRequest) -> HttpResponse | None:
    """None once this thread holds a connection; the 503 page when the pool had none."""
    try:
        connection.ensure_connection()
    except OperationalError as error:
        if not is_pool_timeout(error):
            raise
        return busy_response(request)
    return None


class DatabaseConnectionMiddleware:
    """Runs right after the static files, before the session is read (settings.MIDDLEWARE)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Handler) -> None:
        if not pool_settings():
            raise MiddlewareNotUsed  # SQLite: one file, nothing to run out of
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if self.is_async:
            return self.__acall__(request)
        return _take_connection(request) or self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        # Thread-sensitive: the request's own thread, where its views and middleware run.
        busy = await sync_to_async(_take_connection)(request)
        return busy or await self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view that gave its connection back and asked again (the engine's calls, which close
        their connection after each step) and found none: the same 503."""
        if is_pool_timeout(exception):
            return busy_response(request)
        return None
