"""Every bad frame gets an `error` event with a plain sentence; nothing invalid is stored."""

import asyncio
import json
import uuid
from decimal import Decimal

import pytest
from django.test import override_settings

from conftest import make_client, make_user
from conversations.models import Message
from conversations.tests.conftest import open_socket, student_frame
from monitoring.models import ErrorEvent
from sessions_app.services import session_end, session_start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def session(db):
    teacher = make_user("teacher-bad", "teacher")
    student = make_user("student-bad")
    return session_start(student=student, client=make_client(teacher), prompt_version="test")


async def error_for(session, frame=None, *, binary: bytes | None = None) -> dict:
    socket = await open_socket(session.student, session.id)
    if binary is not None:
        await socket.communicator.send_to(bytes_data=binary)
    else:
        await socket.send(frame)
    event = await socket.receive()
    await socket.close()
    return event


BAD_FRAMES = {
    "not json": ("{nope", "bad_json"),
    "a json list": ("[1, 2]", "unknown_type"),
    "an unknown type": ({"type": "sing"}, "unknown_type"),
    "no type": ({"content": "hi"}, "unknown_type"),
    "a non-uuid id": (
        {"type": "student_message", "content": "hi", "client_msg_id": "7"},
        "bad_client_msg_id",
    ),
    "a missing id": ({"type": "student_message", "content": "hi"}, "bad_client_msg_id"),
    "empty content": (student_frame("", str(uuid.uuid4())), "empty"),
    "whitespace content": (student_frame(" \n\t ", str(uuid.uuid4())), "empty"),
    "content that is a number": (
        {"type": "student_message", "content": 5, "client_msg_id": str(uuid.uuid4())},
        "empty",
    ),
    "over 4,000 characters": (student_frame("a" * 4001, str(uuid.uuid4())), "too_long"),
    "a NUL byte": (student_frame("hi\x00there", str(uuid.uuid4())), "invalid_text"),
    "a huge frame": ("x" * 70_000, "too_long"),
}


@pytest.mark.parametrize("name", BAD_FRAMES)
async def test_a_bad_frame_gets_a_plain_error_and_stores_nothing(session, name):
    frame, code = BAD_FRAMES[name]
    event = await error_for(session, frame)
    assert event["type"] == "error" and event["code"] == code
    assert event["message"].endswith(".") and "Traceback" not in event["message"]
    assert not await Message.objects.filter(session=session).aexists()


async def test_a_binary_frame_gets_an_error(session):
    event = await error_for(session, binary=b"\x00\x01\x02")
    assert event["code"] == "bad_frame"


async def test_htmx_headers_key_is_ignored(session, provider):
    frame = student_frame("Hello.", str(uuid.uuid4())) | {"HEADERS": {"HX-Request": "true"}}
    socket = await open_socket(session.student, session.id)
    await socket.send(frame)
    events = await socket.receive_until("reply.completed")
    await socket.close()
    assert events[0]["type"] == "message"


async def test_retry_with_nothing_to_retry_is_refused(session):
    event = await error_for(session, {"type": "retry_reply"})
    assert event["code"] == "nothing_to_retry"


async def test_a_message_to_an_ended_session_is_refused(session):
    await asyncio.to_thread(session_end, session=session)
    event = await error_for(session, student_frame("Hello?", str(uuid.uuid4())))
    assert event["code"] == "session_ended"
    assert not await Message.objects.filter(session=session).aexists()


async def test_ending_an_ended_session_is_a_plain_error(session):
    await asyncio.to_thread(session_end, session=session)
    event = await error_for(session, {"type": "end_session"})
    assert event["code"] == "session_ended"


async def test_fifty_frames_in_a_second_get_errors_and_the_socket_stays_up(session, provider):
    socket = await open_socket(session.student, session.id)
    for _ in range(50):
        await socket.send({"type": "retry_reply"})
    events = [await socket.receive() for _ in range(50)]
    codes = {event["code"] for event in events}
    assert codes == {"nothing_to_retry", "too_fast"}
    assert all(event["type"] == "error" for event in events)
    await socket.close()


@override_settings(LIMIT_MESSAGES_PER_MINUTE=2)
async def test_the_per_user_message_limit_answers_with_a_sentence_and_stores_nothing(
    session, provider
):
    socket = await open_socket(session.student, session.id)
    for text in ("One.", "Two."):
        await socket.send(student_frame(text, str(uuid.uuid4())))
        await socket.receive_until("reply.completed")
    await socket.send(student_frame("Three.", str(uuid.uuid4())))
    event = await socket.receive()
    await socket.close()

    assert event == {"type": "error", "code": "user_rate", "message": event["message"]}
    assert "Wait a moment" in event["message"]
    assert await Message.objects.filter(session=session).acount() == 4
    assert await ErrorEvent.objects.filter(kind="limit.user_rate", severity="warning").aexists()


@override_settings(LIMIT_SESSION_COST_USD=Decimal(0))
async def test_the_session_cost_cap_stops_new_turns(session, provider):
    event = await error_for(session, student_frame("Hello.", str(uuid.uuid4())))
    assert event["code"] == "session_cost"


@override_settings(LIMIT_USER_DAILY_TOKENS=100)
async def test_the_daily_token_limit_counts_reported_usage(session, provider):
    provider.reply("Hi.")
    socket = await open_socket(session.student, session.id)
    await socket.send(student_frame("Hello.", str(uuid.uuid4())))
    await socket.receive_until("reply.completed")  # the scripted reply reports 170 tokens
    await socket.send(student_frame("And now?", str(uuid.uuid4())))
    event = await socket.receive()
    await socket.close()
    assert event["code"] == "daily_tokens"


@override_settings(LIMIT_GLOBAL_REQUESTS_PER_MINUTE=1)
async def test_the_global_request_limit_is_shared_by_everyone(session, provider):
    socket = await open_socket(session.student, session.id)
    await socket.send(student_frame("Hello.", str(uuid.uuid4())))
    await socket.receive_until("reply.completed")
    await socket.send(student_frame("Again.", str(uuid.uuid4())))
    event = await socket.receive()
    await socket.close()
    assert event["code"] == "global_rate"


def test_frames_are_json_objects_in_the_documented_shape():
    assert json.loads(json.dumps(student_frame("x", "y")))["type"] == "student_message"
