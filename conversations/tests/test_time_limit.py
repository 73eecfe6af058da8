"""The client's time limit is the server's to enforce: no turn after it, the session ends."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_client, make_user
from conversations.models import Message
from conversations.tests.conftest import open_socket, student_frame
from sessions_app.models import PracticeSession
from sessions_app.services import session_start

pytestmark = pytest.mark.django_db(transaction=True)


def timed_session(minutes_ago: float, limit: int | None = 10) -> PracticeSession:
    teacher = make_user("teacher-time", "teacher")
    student = make_user("student-time")
    client = make_client(teacher, session_time_limit_minutes=limit)
    session = session_start(student=student, client=client, prompt_version="test")
    started = timezone.now() - timedelta(minutes=minutes_ago)
    PracticeSession.objects.filter(pk=session.pk).update(started_at=started)
    session.refresh_from_db()
    return session


def test_a_session_knows_its_deadline():
    session = timed_session(minutes_ago=3, limit=10)
    assert session.deadline == session.started_at + timedelta(minutes=10)
    assert not session.time_is_up()
    assert session.time_is_up(now=session.started_at + timedelta(minutes=10))


def test_a_session_without_a_limit_never_runs_out():
    session = timed_session(minutes_ago=600, limit=None)
    assert session.deadline is None
    assert not session.time_is_up()


async def test_a_turn_within_the_limit_is_taken(provider):
    session = await _timed(minutes_ago=9)
    socket = await open_socket(session.student, session.id)
    await socket.send(student_frame("Hello.", str(uuid.uuid4())))
    events = await socket.receive_until("reply.completed")
    await socket.close()
    assert events[0]["type"] == "message"


async def test_a_turn_after_the_limit_is_refused_and_the_session_ends(provider):
    session = await _timed(minutes_ago=11)
    socket = await open_socket(session.student, session.id)
    await socket.send(student_frame("Are you still there?", str(uuid.uuid4())))
    events = [await socket.receive(), await socket.receive()]
    await socket.close()

    assert {"type": "session.ended", "status": "completed"} in events
    (error,) = [event for event in events if event["type"] == "error"]
    assert error["code"] == "time_up"
    assert "time limit" in error["message"]
    await session.arefresh_from_db()
    assert session.status == PracticeSession.Status.COMPLETED
    assert session.ended_at is not None
    assert not await Message.objects.filter(session=session).aexists(), "nothing stored"
    assert provider.requests == [], "the model is never asked"


async def test_a_retry_after_the_limit_is_refused_too(provider):
    session = await _timed(minutes_ago=11)
    socket = await open_socket(session.student, session.id)
    await socket.send({"type": "retry_reply"})
    events = [await socket.receive(), await socket.receive()]
    await socket.close()
    assert {event["type"] for event in events} == {"error", "session.ended"}
    assert [event["code"] for event in events if event["type"] == "error"] == ["time_up"]
    await session.arefresh_from_db()
    assert session.status == PracticeSession.Status.COMPLETED


async def _timed(minutes_ago: float) -> PracticeSession:
    session = await asyncio.to_thread(timed_session, minutes_ago)
    return await PracticeSession.objects.select_related("student").aget(pk=session.pk)
