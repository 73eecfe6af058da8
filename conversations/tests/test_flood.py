"""Flood guards shared through the cache: sockets per user, frames per user over all their
sockets, and refusals recorded as one counted event rather than one row per frame."""

import asyncio
import uuid

import pytest

from conftest import add_message, make_client, make_user
from conversations.models import Message
from conversations.tests.conftest import error_events_handler, open_socket, student_frame
from monitoring.models import ErrorEvent
from sessions_app.services import session_start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def session(db):
    teacher = make_user("teacher-fl", "teacher")
    student = make_user("student-fl")
    session = session_start(student=student, client=make_client(teacher), prompt_version="t")
    # A stored turn: a counted socket sends it once connected.
    add_message(session=session, role=Message.Role.STUDENT, content="Hello.")
    return session


async def _counted_socket(session):
    socket = await open_socket(session.student, session.id)
    await socket.receive_until("message")
    return socket


async def test_one_socket_too_many_is_refused_with_a_sentence(session, settings):
    settings.SOCKETS_PER_USER = 3
    sockets = [await _counted_socket(session) for _ in range(3)]
    extra = await open_socket(session.student, session.id)
    event = await extra.receive()
    assert event["code"] == "too_many_sockets" and "too many tabs" in event["message"]
    assert await extra.close_code() == 4429
    await extra.close()

    await sockets.pop().close()  # closing one makes room for another
    sockets.append(await _counted_socket(session))
    for socket in sockets:
        await socket.close()
    recorded = await ErrorEvent.objects.aget(kind="socket.too_many")
    assert recorded.user_id == session.student_id


async def test_frames_are_capped_per_user_over_all_their_sockets(session, settings):
    settings.SOCKET_FRAMES_PER_SECOND = 10
    settings.SOCKETS_PER_USER = 3
    sockets = [await _counted_socket(session) for _ in range(2)]
    for _ in range(8):
        for socket in sockets:
            await socket.send("{flood")
    codes = [(await socket.receive())["code"] for socket in sockets for _ in range(8)]
    for socket in sockets:
        await socket.close()
    assert codes.count("bad_json") <= 10  # 16 frames, 10 a second between both sockets
    assert codes.count("too_fast") >= 6


async def test_a_flood_of_refused_frames_is_one_counted_event(session, settings):
    settings.SOCKET_FRAMES_PER_SECOND = 2
    socket = await _counted_socket(session)
    for _ in range(60):
        await socket.send("{flood")
    codes = [(await socket.receive())["code"] for _ in range(60)]
    await socket.close()
    assert codes.count("too_fast") >= 50
    [event] = [e async for e in ErrorEvent.objects.filter(kind="socket.too_fast")]
    assert event.user_id == session.student_id
    assert event.details["count"] >= 1


async def test_a_student_hammering_the_message_limit_leaves_one_counted_event(
    session, settings, provider
):
    settings.LIMIT_MESSAGES_PER_MINUTE = 1
    socket = await _counted_socket(session)
    await socket.send(student_frame("One.", str(uuid.uuid4())))
    await socket.receive_until("reply.completed")
    for n in range(8):
        await socket.send(student_frame(f"More {n}.", str(uuid.uuid4())))
        assert (await socket.receive())["code"] == "user_rate"
    await socket.close()
    [event] = [e async for e in ErrorEvent.objects.filter(kind="limit.user_rate")]
    assert event.details["count"] >= 1


def test_sockets_lost_with_a_killed_process_stop_counting_within_two_buckets(
    db, settings, monkeypatch
):
    from conversations import limits

    settings.SOCKETS_PER_USER = 3
    clock = [1_000_000.0]
    monkeypatch.setattr(limits.time, "time", lambda: clock[0])
    assert all(limits.socket_open(user_id=7) is not None for _ in range(3))  # never closed
    assert limits.socket_open(user_id=7) is None
    clock[0] += limits.SOCKET_BUCKET_SECONDS  # still counted from the last bucket
    assert limits.socket_open(user_id=7) is None
    clock[0] += limits.SOCKET_BUCKET_SECONDS  # no heartbeat came: they no longer count
    assert limits.socket_open(user_id=7) is not None


def test_an_open_socket_keeps_counting_by_its_heartbeat(db, settings, monkeypatch):
    from conversations import limits

    settings.SOCKETS_PER_USER = 1
    clock = [2_000_000.0]
    monkeypatch.setattr(limits.time, "time", lambda: clock[0])
    assert limits.socket_open(user_id=8) is not None
    for _ in range(3):
        clock[0] += limits.SOCKET_BUCKET_SECONDS
        limits.socket_heartbeat(user_id=8)
        assert limits.socket_open(user_id=8) is None


async def test_a_conversation_reopens_after_its_socket_lost_the_cache_mid_heartbeat(
    session, settings, monkeypatch
):
    from conversations import limits

    def cache_unreachable(**kwargs) -> int:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    settings.SOCKETS_PER_USER = 1
    monkeypatch.setattr(limits, "seconds_to_next_bucket", lambda: 0.0)
    monkeypatch.setattr(limits, "socket_heartbeat", cache_unreachable)
    socket = await _counted_socket(session)
    await asyncio.sleep(0.3)  # its heartbeat has run, and failed
    await socket.close()  # the close still takes the socket out of the count

    again = await open_socket(session.student, session.id)
    assert (await again.receive())["type"] == "message"  # not "too many tabs"
    await again.close()
    error_events_handler().flush()
    recorded = await ErrorEvent.objects.aget(kind="socket.heartbeat_failed")
    assert recorded.details["exception"] == "ConnectionError"
