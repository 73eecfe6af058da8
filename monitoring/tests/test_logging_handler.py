import asyncio
import logging

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

    monkeypatch.setattr("monitoring.logging.write_event", fail)
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


def test_a_warning_that_names_its_kind_is_stored_for_staff_with_its_context(practice_session):
    handler = DatabaseHandler()
    logger = logging.getLogger("monitoring.tests.context")
    logger.addHandler(handler)
    try:
        logger.warning(
            "Overloaded",
            extra={
                "event_kind": "provider.overloaded",
                "session_id": practice_session.pk,
                "user_id": practice_session.student_id,
                "status_code": 529,
                "details": {"retried": True},
            },
        )
        logger.warning("a plain warning is only for the server log")
        handler.flush()
    finally:
        logger.removeHandler(handler)
    event = ErrorEvent.objects.get()
    assert event.kind == "provider.overloaded"
    assert event.severity == ErrorEvent.Severity.WARNING
    assert event.session_id == practice_session.pk
    assert event.user_id == practice_session.student_id
    assert event.status_code == 529
    assert event.details == {"retried": True}


def test_a_refusal_logged_again_and_again_is_one_event_whose_count_grows(student):
    handler = DatabaseHandler()
    logger = logging.getLogger("monitoring.tests.repeat")
    logger.addHandler(handler)
    try:
        for count in (1, 2, 7):
            logger.warning(
                "Flood.",
                extra={
                    "event_kind": "socket.too_fast",
                    "user_id": student.pk,
                    "repeat_count": count,
                    "details": {"count": count, "window_seconds": 60},
                },
            )
        handler.flush()
    finally:
        logger.removeHandler(handler)
    [event] = ErrorEvent.objects.all()
    assert event.details == {"count": 7, "window_seconds": 60}
