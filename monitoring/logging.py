"""A logging handler that stores records for staff as ErrorEvents, for the errors page.

What is stored: every ERROR record (an unhandled view error, a reply task that died), and any
WARNING record that names its kind. Any module reports to staff by logging, never by importing
monitoring; a record's `extra=` may carry:

- event_kind: the event's kind ("provider.overloaded"); without it "server.error" for
  django.request and "server.task_error" for everything else.
- session_id, user_id, status_code: stored in the event's columns.
- details: a dict stored as the event's details (otherwise the logger's name).
- repeat_count: the record is one more of a refusal counted per window (conversations.limits):
  1 creates the window's event, a higher count brings that event's count up to date.

A WARNING is stored as a warning, ERROR and above as critical.

emit() only puts a dict on a queue; a thread of its own writes the rows on its own database
connection. So a record logged from the event loop never touches the ORM there, and one logged
inside a transaction that is about to roll back (or is already broken) is still stored. If the
database itself is down, the event goes to stderr and is dropped: logging must never raise.
flush() waits for the queue to be written: a test that looks for an event right after the
action that logged it calls it first.

Configured in settings.LOGGING for django.request, conversations and config.middleware.
Imported while settings load: no models at import time.
"""

from __future__ import annotations

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

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._ensure_worker()
            self.queue.put_nowait(event_fields(record))
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
        """Wait until every queued event has been written (tests, shutdown).

        A test that asserts an ErrorEvent right after the action that logged it calls this
        first (from async code: `await asyncio.to_thread(handler.flush)`)."""
        if self._thread is not None and self._thread.is_alive():
            self.queue.join()


def write_event(fields: dict[str, Any]) -> None:
    from django.db import OperationalError, close_old_connections, connection

    from monitoring.models import ErrorEvent

    for attempt in range(1, WRITE_ATTEMPTS + 1):
        close_old_connections()
        try:
            _store(ErrorEvent, fields)
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


def _store(model: Any, fields: dict[str, Any]) -> None:
    fields = dict(fields)
    count = fields.pop("repeat_count", None)
    if count is None:
        model.objects.create(**fields)
        return
    _store_repeat(model, fields, count)


def _store_repeat(model: Any, fields: dict[str, Any], count: int) -> None:
    """The window's one event for a repeated refusal: created at the first, then its count."""
    from django.core.cache import cache

    key = f"error-repeat-event:{fields['kind']}:{fields['user_id']}"
    if count == 1:
        event = model.objects.create(**fields)
        cache.set(key, event.pk, fields["details"].get("window_seconds", 60))
        return
    event_id = cache.get(key)
    if event_id is not None:  # else its first is not written yet: the next update catches up
        model.objects.filter(pk=event_id).update(details=fields["details"])


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
    repeat_count = getattr(record, "repeat_count", None)
    if isinstance(repeat_count, int):
        fields["repeat_count"] = repeat_count
    return fields
