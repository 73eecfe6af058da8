"""A turn sent while no database connection comes free in time is answered "busy", not stored,
and recorded for staff; the socket stays open for the next try."""

import uuid

import pytest
from django.db import OperationalError
from psycopg_pool import PoolTimeout

from config.middleware import BUSY
from conftest import make_client, make_user
from conversations import engine
from conversations.models import Message
from conversations.tests.conftest import error_events_handler, open_socket, student_frame
from monitoring.models import ErrorEvent
from sessions_app.services import session_start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def session(db):
    student = make_user("student-busy")
    client = make_client(make_user("teacher-busy", "teacher"))
    return session_start(student=student, client=client, prompt_version="test")


async def _no_connection(**kwargs) -> None:
    try:
        raise PoolTimeout("couldn't get a connection after 10.00 sec")
    except PoolTimeout as error:
        raise OperationalError(str(error)) from error


async def test_a_turn_with_no_connection_free_is_answered_busy_and_not_stored(
    session, provider, monkeypatch
):
    socket = await open_socket(session.student, session.id)
    monkeypatch.setattr(engine, "student_message", _no_connection)
    await socket.send(student_frame("Hello?", str(uuid.uuid4())))
    events = await socket.receive_until("error")
    monkeypatch.undo()
    assert (events[-1]["code"], events[-1]["message"]) == ("busy", BUSY)

    # The socket is still open: the same turn, sent again, goes through.
    await socket.send(student_frame("Hello?", str(uuid.uuid4())))
    await socket.receive_until("reply.completed")
    await socket.close()

    assert await Message.objects.filter(session=session, role="student").acount() == 1
    error_events_handler().flush()
    assert await ErrorEvent.objects.filter(kind="server.busy").acount() == 1
