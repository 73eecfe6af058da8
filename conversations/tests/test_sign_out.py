"""Sockets do not outlive the login: logout, deactivation and deletion close them, and every turn
checks the account is still active (in the read that locks the session, no extra query)."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.test import Client

from accounts.models import User
from conftest import add_message, make_client, make_user
from conversations.engine import turn
from conversations.models import Message
from conversations.tests.conftest import open_socket, student_frame
from sessions_app.services import session_start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(db):
    teacher = make_user("teacher-so", "teacher")
    student = make_user("student-so")
    session = session_start(student=student, client=make_client(teacher), prompt_version="t")
    # A stored turn: the socket sends it once connected, after joining its groups.
    add_message(session=session, role=Message.Role.STUDENT, content="Hello.")
    return {"student": student, "session": session}


async def _connected(socket):
    await socket.receive_until("message")
    return socket


def _logout(cookie: str) -> int:
    client = Client()
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    return client.post("/accounts/logout/").status_code


async def test_logging_out_closes_the_sockets_of_that_login(people, provider):
    from accounts.testing import session_cookie

    cookie = await asyncio.to_thread(session_cookie, people["student"])
    other_device = await _connected(await open_socket(people["student"], people["session"].id))
    socket = await _connected(await _open_with_cookie(cookie, people["session"].id))
    assert await sync_to_async(_logout)(cookie) == 302
    assert await _close_code(socket) == 4401
    assert await other_device.nothing_more()  # still logged in on the other device
    await other_device.close()


async def test_deactivating_an_account_closes_its_sockets(people):
    socket = await _connected(await open_socket(people["student"], people["session"].id))

    def deactivate() -> None:
        people["student"].is_active = False
        people["student"].save(update_fields=["is_active"])

    await sync_to_async(deactivate)()
    assert await _close_code(socket) == 4401


async def test_a_turn_from_a_deactivated_account_is_refused_and_not_stored(people, provider):
    socket = await _connected(await open_socket(people["student"], people["session"].id))
    # Deactivated behind the signals' back (a bulk update): the turn itself still checks.
    await User.objects.filter(pk=people["student"].pk).aupdate(is_active=False)
    await socket.send(student_frame("Still here?", str(uuid.uuid4())))
    event = await socket.receive()
    await socket.close()
    assert event["type"] == "error" and event["code"] == "signed_out"
    assert await Message.objects.filter(session=people["session"]).acount() == 1


def test_a_turn_reads_the_session_and_its_student_in_one_query(people, django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(2):  # the session, then its messages
        session, _ = turn._locked_session_and_history(people["session"].pk)
        assert session.student.is_active


async def _open_with_cookie(cookie: str, session_id):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from conversations.tests.conftest import Socket

    communicator = WebsocketCommunicator(
        application,
        f"/ws/sessions/{session_id}/",
        headers=[(b"origin", b"http://testserver"), (b"cookie", cookie.encode())],
        subprotocols=["rapport.v1.json"],
    )
    connected, _ = await communicator.connect()
    assert connected
    return Socket(communicator, True)


async def _close_code(socket) -> int | None:
    """The close code, skipping the history events sent on connect."""
    for _ in range(50):
        output = await socket.communicator.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output.get("code")
    return None
