"""A logging handler that stores ERROR records as ErrorEvents, for the errors page.

emit() only puts a dict on a queue; a thread of its own writes the rows on its own database
connection. So a record logged from the event loop never touches the ORM there, and one logged
inside a transaction that is about to roll back (or is already broken) is still stored. If the
database itself is down, the event goes to stderr and is dropped: logging must never raise.

Configured in settings.LOGGING for django.request (unhandled view errors, 5xx) and for
conversations (a reply task that died). Imported while settings load: no models at import time.
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
    def __init__(self, level: int = logging.ERROR) -> None:
        super().__init__(level)
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1000)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request also logs every 5xx a view returns on purpose (healthz's 503): only an
        # exception that escaped a view is an unhandled error.
        if record.name == "django.request" and not record.exc_info:
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
        """Wait until every queued event has been written (tests, shutdown)."""
        if self._thread is not None and self._thread.is_alive():
            self.queue.join()


def write_event(fields: dict[str, Any]) -> None:
    from django.db import OperationalError, close_old_connections, connection

    from monitoring.models import ErrorEvent

    for attempt in range(1, WRITE_ATTEMPTS + 1):
        close_old_connections()
        try:
            ErrorEvent.objects.create(**fields)
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
    details: dict[str, Any] = {"logger": record.name}
    user_id = None
    request = getattr(record, "request", None)
    if request is not None and not isinstance(request, str):
        request_details, user_id = _request_details(request)
        details |= request_details
    if record.exc_info and record.exc_info[0] is not None:
        details["exception"] = record.exc_info[0].__name__
        details["traceback"] = "".join(traceback.format_exception(*record.exc_info))[
            -TRACEBACK_LIMIT:
        ]
    status_code = getattr(record, "status_code", None)
    default_kind = "server.error" if record.name == "django.request" else "server.task_error"
    return {
        "kind": getattr(record, "event_kind", None) or default_kind,
        "severity": "critical",
        "message": record.getMessage()[:MESSAGE_LIMIT],
        "status_code": status_code if isinstance(status_code, int) else None,
        "user_id": user_id,
        "details": details,
    }
