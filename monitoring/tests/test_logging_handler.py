import asyncio
import logging
import threading

import pytest
from django.db import transaction
from django.test import Client
from django.urls import path

from conftest import make_user
from monitoring.logging import DatabaseHandler, event_fields
from monitoring.models import ErrorEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _handler() -> DatabaseHandler:
    handler = next(
        h for h in logging.getLogger("django.request").handlers if isinstance(h, DatabaseHandler)
    )
    return handler


def broken_view(request):
    raise RuntimeError("kaboom")


urlpatterns = [path("broken/", broken_view)]


def test_an_unhandled_view_error_becomes_a_critical_event(settings):
    settings.ROOT_URLCONF = __name__
    user = make_user("sta-handler", is_staff=True)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    assert client.get("/broken/").status_code == 500
    _handler().flush()
    event = ErrorEvent.objects.get()
    assert event.kind == "server.error"
    assert event.severity == ErrorEvent.Severity.CRITICAL
    assert event.status_code == 500
    assert event.details["path"] == "/broken/"
    assert event.details["exception"] == "RuntimeError"
    assert "kaboom" in event.details["traceback"]
    assert event.user_id == user.pk


def test_an_event_logged_in_a_transaction_that_rolls_back_is_kept():
    handler = DatabaseHandler()
    logger = logging.getLogger("monitoring.tests.rollback")
    logger.addHandler(handler)
    try:
        with transaction.atomic():
            logger.error("inside a doomed transaction")
            transaction.set_rollback(True)
        handler.flush()
    finally:
        logger.removeHandler(handler)
    assert ErrorEvent.objects.get().message == "inside a doomed transaction"


async def test_logging_from_the_event_loop_never_touches_the_orm_there():
    handler = DatabaseHandler()
    logger = logging.getLogger("monitoring.tests.loop")
    logger.addHandler(handler)
    try:
        logger.error("from a task: %s", "boom")  # SynchronousOnlyOperation if it wrote here
        await asyncio.to_thread(handler.flush)
    finally:
        logger.removeHandler(handler)
    assert (await ErrorEvent.objects.aget()).message == "from a task: boom"


def test_a_failed_write_goes_to_stderr_and_logging_goes_on(monkeypatch, capsys):
    handler = DatabaseHandler()

    def fail(fields):
        raise RuntimeError("database down")

    monkeypatch.setattr("monitoring.logging.store_event", fail)
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "lost", None, None)
    handler.emit(record)
    handler.flush()
    assert "database down" in capsys.readouterr().err


def test_the_fields_of_a_record_without_a_request():
    record = logging.LogRecord(
        "conversations.engine", logging.ERROR, __file__, 1, "x %s", ("y",), None
    )
    fields = event_fields(record)
    assert fields["kind"] == "server.task_error"
    assert fields["message"] == "x y"
    assert fields["user_id"] is None


def test_a_5xx_a_view_returns_on_purpose_is_not_recorded(client, monkeypatch):
    from monitoring import views

    class Broken:
        def cursor(self):
            raise RuntimeError("down")

    monkeypatch.setattr(views, "connection", Broken())
    assert client.get("/healthz").status_code == 503
    _handler().flush()
    assert not ErrorEvent.objects.exists()


# --- Warnings that name their kind: how any module reports to staff --------------------------


def _no_queue(handler: DatabaseHandler, monkeypatch) -> None:
    """Fail the test if the handler hands the event to its queue instead of writing it here."""

    def refuse(fields):
        raise AssertionError(f"queued instead of written on the logging thread: {fields}")

    monkeypatch.setattr(handler.queue, "put_nowait", refuse)


def _logged(logger_name: str, handler: DatabaseHandler, level: int, message: str, **extra) -> None:
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        logger.log(level, message, extra=extra)
    finally:
        logger.removeHandler(handler)


def test_a_warning_that_names_its_kind_is_stored_as_a_warning_with_its_context(monkeypatch):
    student = make_user("stu-handler")
    handler = DatabaseHandler()
    _no_queue(handler, monkeypatch)
    ErrorEvent.objects.exists()  # the thread's connection is open, as on the engine's thread
    _logged(
        "monitoring.tests.kind",
        handler,
        logging.WARNING,
        "Retried once.",
        event_kind="provider.overloaded",
        user_id=student.pk,
        status_code=529,
        details={"retried": True},
    )
    event = ErrorEvent.objects.get()  # written there and then: no flush needed
    assert (event.kind, event.severity, event.status_code) == (
        "provider.overloaded",
        "warning",
        529,
    )
    assert (event.message, event.user_id, event.details) == (
        "Retried once.",
        student.pk,
        {"retried": True},
    )


def test_a_warning_without_a_kind_is_not_for_staff():
    handler = DatabaseHandler()
    _logged("monitoring.tests.plain", handler, logging.WARNING, "just a warning")
    handler.flush()
    assert not ErrorEvent.objects.exists()


def test_a_repeated_refusal_logged_many_times_is_one_counted_event(monkeypatch):
    student = make_user("stu-repeat")
    handler = DatabaseHandler()
    _no_queue(handler, monkeypatch)
    ErrorEvent.objects.exists()
    for _ in range(5):
        _logged(
            "monitoring.tests.repeat",
            handler,
            logging.WARNING,
            "Slow down.",
            event_kind="limit.user_rate",
            user_id=student.pk,
            repeat=True,
        )
    [event] = ErrorEvent.objects.all()
    assert event.kind == "limit.user_rate"
    assert event.details["window_seconds"] == 60


def test_a_thread_with_no_connection_open_queues_rather_than_opening_one(monkeypatch):
    from django.db import connections

    connection = connections["default"]  # this thread's, not the proxy
    handler = DatabaseHandler()
    monkeypatch.setattr(connection, "connection", None)  # as a request whose pool ran dry
    monkeypatch.setattr(connection, "connect", lambda: pytest.fail("the handler opened one"))
    _logged("monitoring.tests.dry", handler, logging.ERROR, "no connection here")
    monkeypatch.undo()
    handler.flush()
    assert ErrorEvent.objects.get().message == "no connection here"


def test_a_slow_write_never_holds_up_another_thread_that_logs(monkeypatch):
    handler = DatabaseHandler()
    writing, release = threading.Event(), threading.Event()

    def store(fields):
        if fields["message"] == "slow":  # as a write waiting on a busy database
            writing.set()
            release.wait(5)

    monkeypatch.setattr("monitoring.logging.store_event", store)
    monkeypatch.setattr("monitoring.logging._safe_to_write_here", lambda: True)
    logger = logging.getLogger("monitoring.tests.slow")
    logger.addHandler(handler)
    first = threading.Thread(target=logger.error, args=("slow",))
    second = threading.Thread(target=logger.error, args=("quick",))
    try:
        first.start()
        assert writing.wait(5)
        second.start()
        second.join(2)
        assert not second.is_alive(), "the second thread waited for the first one's write"
    finally:
        release.set()
        first.join()
        second.join()
        logger.removeHandler(handler)
