"""A logging handler that stores records for staff as ErrorEvents, for the errors page.

Any module reports to staff by logging, never by importing monitoring. What is stored: every
ERROR record (an unhandled view error, a reply task that died) and any WARNING record that names
its kind. A record's `extra=` may carry:

- event_kind: the event's kind ("provider.overloaded"); without it "server.error" for
  django.request and "server.task_error" for everything else.
- session_id, user_id, status_code: stored in the event's columns.
- details: a dict stored as the event's details (otherwise the logger's name).
- repeat: True for a refusal that may repeat many times a second (a limit hit): one event per
  kind and user per window, with a count (monitoring.services.error_record_repeated).

A WARNING is stored as a warning, ERROR and above as critical.

Where the row is written:
- Here and now, on a connection the logging thread already holds, when that is safe: not on an
  event loop (the ORM is sync-only), not inside a transaction (a rollback would take the event
  with it), and never opening a connection for it (the pool may be dry: that is an error itself).
  The engine logs from its database thread between transactions, so its events are written in
  turn with its own statements: on SQLite, which allows one writer, nothing races them.
- Otherwise, or if that write fails, on a queue that a thread of its own writes on its own
  connection, retrying a busy database: a record logged from the event loop, or inside a
  transaction that is about to roll back, is still stored.
flush() waits for that queue: a test that looks for such an event calls it first.
If the database itself is down, the event goes to stderr and is dropped: logging never raises.

Configured in settings.LOGGING for django.request, conversations and config.middleware.
Imported while settings load: no models at import time.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sys
import threading
import time
import traceback
from typing import Any

MESSAGE_LIMIT = 2000
WRITE_ATTEMPTS = 4
RETRY_SECONDS = 0.25
TRACEBACK_LIMIT = 8000


class DatabaseHandler(logging.Handler):
    def __init__(self, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1000)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request also logs every 5xx a view returns on purpose (healthz's 503): only an
        # exception that escaped a view is an unhandled error.
        if record.name == "django.request" and not record.exc_info:
            return False
        # A warning is for staff only when it says what kind of event it is.
        if record.levelno < logging.ERROR and not getattr(record, "event_kind", None):
            return False
        return super().filter(record)

    def handle(self, record: logging.LogRecord) -> bool:
        """Filter and emit without the handler's lock: emit may write to the database, and a
        lock held meanwhile would block every thread that logs, the event loop's included.
        emit needs no lock: its queue is thread-safe and each thread writes on its own
        connection."""
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields = event_fields(record)
            if _safe_to_write_here() and _written_here(fields):
                return
            self._ensure_worker()
            self.queue.put_nowait(fields)
        except queue.Full:
            sys.stderr.write("monitoring: error queue full; an ErrorEvent was dropped\n")
        except Exception:
            self.handleError(record)

    def _ensure_worker(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._work, name="monitoring-errors", daemon=True
                )
                self._thread.start()

    def _work(self) -> None:
        while True:
            fields = self.queue.get()
            try:
                write_event(fields)
            except Exception as error:  # never log from here: that could loop back to us
                sys.stderr.write(f"monitoring: could not store an error event: {error!r}\n")
            finally:
                self.queue.task_done()

    def flush(self) -> None:
        """Wait until every queued event has been written (tests, shutdown)."""
        if self._thread is not None and self._thread.is_alive():
            self.queue.join()


def _safe_to_write_here() -> bool:
    """Off the event loop, on an open connection, outside a transaction (the docstring says why)."""
    from django.db import connection

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return connection.connection is not None and not connection.in_atomic_block
    return False


def _written_here(fields: dict[str, Any]) -> bool:
    try:
        store_event(fields)
    except Exception:  # the queue's writer tries again, and says so on stderr if it cannot
        return False
    return True


def store_event(fields: dict[str, Any]) -> None:
    """One event's row: created, or for a repeated refusal its window's event counted."""
    from monitoring.services import error_record, error_record_repeated

    fields = dict(fields)
    if fields.pop("repeat", False):
        error_record_repeated(
            kind=fields["kind"],
            severity=fields["severity"],
            message=fields["message"],
            user_id=fields["user_id"],
            session_id=fields["session_id"],
        )
        return
    error_record(**fields)


def write_event(fields: dict[str, Any]) -> None:
    """The queue's writer: store the event on this thread's connection, retrying a busy one."""
    from django.db import OperationalError, close_old_connections, connection

    for attempt in range(1, WRITE_ATTEMPTS + 1):
        close_old_connections()
        try:
            store_event(fields)
            return
        except OperationalError:
            # SQLite allows one writer: wait for the transaction that logged this to finish.
            # On PostgreSQL: the pool had no connection free (a burst of requests).
            if attempt == WRITE_ATTEMPTS:
                raise
            time.sleep(RETRY_SECONDS * attempt)
        finally:
            # Give the connection back to the pool now: errors are rare, and a connection this
            # thread kept until the next one would be one the pages cannot have.
            connection.close()


def _request_details(request: Any) -> tuple[dict[str, Any], int | None]:
    """Path and method, and the user only if the request already loaded it (no query here)."""
    from django.utils.functional import empty

    details = {"path": getattr(request, "path", ""), "method": getattr(request, "method", "")}
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    user_id = None
    if wrapped is not empty and wrapped is not None and getattr(wrapped, "is_authenticated", False):
        user_id = wrapped.pk
    return details, user_id


def event_fields(record: logging.LogRecord) -> dict[str, Any]:
    given = getattr(record, "details", None)
    details: dict[str, Any] = dict(given) if isinstance(given, dict) else {"logger": record.name}
    user_id = getattr(record, "user_id", None)
    request = getattr(record, "request", None)
    if request is not None and not isinstance(request, str):
        request_details, request_user_id = _request_details(request)
        details |= request_details
        user_id = request_user_id if request_user_id is not None else user_id
    if record.exc_info and record.exc_info[0] is not None:
        details["exception"] = record.exc_info[0].__name__
        details["traceback"] = "".join(traceback.format_exception(*record.exc_info))[
            -TRACEBACK_LIMIT:
        ]
    status_code = getattr(record, "status_code", None)
    default_kind = "server.error" if record.name == "django.request" else "server.task_error"
    fields = {
        "kind": getattr(record, "event_kind", None) or default_kind,
        "severity": "critical" if record.levelno >= logging.ERROR else "warning",
        "message": record.getMessage()[:MESSAGE_LIMIT],
        "status_code": status_code if isinstance(status_code, int) else None,
        "session_id": getattr(record, "session_id", None),
        "user_id": user_id,
        "details": details,
    }
    if getattr(record, "repeat", False) is True:
        fields["repeat"] = True
    return fields
