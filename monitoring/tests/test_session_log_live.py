"""The staff session log of an active session follows the conversation over a socket."""

import asyncio
import uuid

import pytest
from channels.testing import WebsocketCommunicator

from accounts.testing import session_cookie
from config.asgi import application
from conversations.engine import stream
from conversations.models import Message
from conversations.tests.conftest import ScriptedProvider, open_socket, student_frame

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def provider(monkeypatch) -> ScriptedProvider:
    scripted = ScriptedProvider()
    monkeypatch.setattr(stream, "get_provider", lambda: scripted)
    return scripted


async def _log_socket(user, session_id) -> WebsocketCommunicator:
    cookie = await asyncio.to_thread(session_cookie, user)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/monitor/sessions/{session_id}/",
        headers=[(b"origin", b"http://testserver"), (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _frames_until(communicator: WebsocketCommunicator, text: str) -> list[str]:
    frames = []
    while not frames or text not in frames[-1]:
        frames.append(await communicator.receive_from(timeout=10))
    return frames


async def test_the_staff_session_log_shows_the_students_turn_and_the_reply_as_they_happen(
    staff, student, practice_session, provider
):
    provider.reply("I guess ", "it's been ", "hard.")
    provider.delay = 0.3  # a reply that takes a while, as a real one does
    log = await _log_socket(staff, practice_session.pk)
    talk = await open_socket(student, practice_session.pk)
    try:
        first = await log.receive_from(timeout=10)
        assert 'id="session-log"' in first and 'hx-swap-oob="true"' in first
        assert "No messages." in first

        await talk.send(student_frame("What brings you in?", str(uuid.uuid4())))
        turn = (await _frames_until(log, "What brings you in?"))[-1]
        assert 'id="session-log"' in turn

        frames = await _frames_until(log, 'data-log="tokens">170<')  # the stored usage
        streamed = "".join(f for f in frames if "beforeend:#log-" in f)
        assert "I guess" in streamed and "hard." in streamed, "text shows while it streams"
        assert "I guess it&#x27;s been hard." in frames[-1]
    finally:
        await talk.close()
        await log.disconnect()


async def test_staff_only_watch_the_session_log(staff, practice_session):
    log = await _log_socket(staff, practice_session.pk)
    try:
        await log.receive_from(timeout=10)
        await log.send_to(
            text_data='{"type": "student_message", "content": "Hi", "client_msg_id": "'
            + str(uuid.uuid4())
            + '"}'
        )
        assert await log.receive_nothing(timeout=0.5)
        assert await Message.objects.filter(session=practice_session).acount() == 0
    finally:
        await log.disconnect()


async def test_the_log_of_an_unknown_session_closes_4404(staff):
    log = await _log_socket(staff, uuid.uuid4())
    try:
        output = await log.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": 4404}
    finally:
        await log.disconnect()
