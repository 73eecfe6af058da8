"""The conversation socket with a scripted provider: protocol v1, ownership, storing, failures."""

import asyncio
import uuid
from decimal import Decimal

import pytest

from conftest import make_client, make_user
from conversations.llm.base import ProviderError, Usage
from conversations.models import Message
from conversations.tests.conftest import (
    open_socket,
    student_frame,
    wait_for_replies,
)
from monitoring.models import ErrorEvent
from sessions_app.models import PracticeSession
from sessions_app.services import session_start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(db):
    teacher = make_user("teacher-ws", "teacher")
    student = make_user("student-ws")
    client = make_client(teacher, name="Maya")
    session = session_start(student=student, client=client, prompt_version="test")
    return {"teacher": teacher, "student": student, "client": client, "session": session}


def new_id() -> str:
    return str(uuid.uuid4())


async def messages_of(session) -> list[Message]:
    return [m async for m in Message.objects.filter(session=session).order_by("sequence_number")]


async def test_it_closes_4401_for_anonymous(people):
    socket = await open_socket(None, people["session"].id)
    assert await socket.close_code() == 4401


async def test_it_closes_4403_for_another_student(people):
    other = await asyncio.to_thread(make_user, "other-ws")
    socket = await open_socket(other, people["session"].id)
    assert await socket.close_code() == 4403


async def test_it_closes_4404_for_an_unknown_session(people):
    socket = await open_socket(people["student"], uuid.uuid4())
    assert await socket.close_code() == 4404


async def test_it_refuses_a_foreign_origin(people):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    communicator = WebsocketCommunicator(
        application,
        f"/ws/sessions/{people['session'].id}/",
        headers=[(b"origin", b"http://evil.example")],
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_a_turn_is_stored_then_the_reply_streams_and_is_stored(people, provider):
    provider.reply("I guess ", "it's been ", "hard.")
    socket = await open_socket(people["student"], people["session"].id)
    turn_id = new_id()
    await socket.send(student_frame("What brings you in?", turn_id))
    events = await socket.receive_until("reply.completed")
    await socket.close()

    kinds = [e["type"] for e in events]
    assert kinds[0] == "message" and kinds[1] == "reply.started" and "reply.delta" in kinds
    streamed = "".join(e["text"] for e in events if e["type"] == "reply.delta")
    completed = events[-1]
    assert streamed == completed["content"] == "I guess it's been hard."
    assert "cost_usd" not in completed, "students never see costs"
    stored = await messages_of(people["session"])
    assert [(m.sequence_number, m.role, m.status) for m in stored] == [
        (1, "student", "complete"),
        (2, "client", "complete"),
    ]
    assert stored[0].client_msg_id == uuid.UUID(turn_id)
    assert stored[1].content == streamed
    assert stored[1].token_count == 170 and stored[1].cost > 0
    assert stored[1].first_token_ms is not None and stored[1].total_ms >= stored[1].first_token_ms


async def test_the_request_alternates_and_ends_with_the_students_turn(people, provider):
    socket = await open_socket(people["student"], people["session"].id)
    for text in ("Hello.", "How are you feeling?"):
        provider.reply("Fine.")
        await socket.send(student_frame(text, new_id()))
        await socket.receive_until("reply.completed")
    await socket.close()

    request = provider.requests[-1]
    roles = [m["role"] for m in request.messages]
    assert roles == ["user", "assistant", "user"]
    assert request.messages[-1]["content"][0]["text"] == "How are you feeling?"
    assert request.messages[-1]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert request.system[0]["cache_control"] == {"type": "ephemeral"}
    assert "Maya" in request.system[0]["text"]
    assert "TEACHER-ONLY-NOTE" not in str(request.system) + str(request.messages)


async def test_a_repeated_client_msg_id_is_answered_and_never_stored_twice(people, provider):
    socket = await open_socket(people["student"], people["session"].id)
    turn_id = new_id()
    await socket.send(student_frame("Hello.", turn_id))
    await socket.receive_until("reply.completed")
    await socket.send(student_frame("Hello.", turn_id))
    answer = await socket.receive()
    await socket.close()

    assert answer["type"] == "message" and answer["message"]["sequence_number"] == 1
    assert len(await messages_of(people["session"])) == 2
    assert len(provider.requests) == 1


async def test_a_teacher_testing_their_client_sees_costs(people, provider):
    teacher = people["teacher"]
    session = await asyncio.to_thread(
        session_start, student=teacher, client=people["client"], kind="teacher_test"
    )
    provider.reply("Hi.")
    socket = await open_socket(teacher, session.id)
    await socket.send(student_frame("Hello.", new_id()))
    completed = (await socket.receive_until("reply.completed"))[-1]
    await socket.close()
    assert Decimal(completed["cost_usd"]) > 0


async def test_a_reply_runs_to_its_end_after_the_socket_closes(people, provider):
    provider.delay = 0.05
    provider.reply("One ", "two ", "three.")
    socket = await open_socket(people["student"], people["session"].id)
    await socket.send(student_frame("Hello.", new_id()))
    await socket.receive_until("reply.started")
    await socket.close()
    await wait_for_replies()

    reply = (await messages_of(people["session"]))[-1]
    assert (reply.status, reply.content) == ("complete", "One two three.")


async def test_a_second_socket_sees_the_same_reply(people, provider):
    provider.delay = 0.02
    provider.reply("Same ", "words.")
    first = await open_socket(people["student"], people["session"].id)
    second = await open_socket(people["student"], people["session"].id)
    await first.send(student_frame("Hello.", new_id()))
    seen_by_second = await second.receive_until("reply.completed")
    await first.receive_until("reply.completed")
    await first.close()
    await second.close()
    assert seen_by_second[-1]["content"] == "Same words."


async def test_reconnecting_replays_the_history(people, provider):
    socket = await open_socket(people["student"], people["session"].id)
    await socket.send(student_frame("Hello.", new_id()))
    await socket.receive_until("reply.completed")
    await socket.close()

    again = await open_socket(people["student"], people["session"].id)
    history = [await again.receive(), await again.receive()]
    await again.close()
    assert [(e["message"]["role"], e["message"]["sequence_number"]) for e in history] == [
        ("student", 1),
        ("client", 2),
    ]


async def test_ending_mid_reply_keeps_the_partial_as_interrupted(people, provider):
    provider.delay = 0.2
    provider.reply("Well ", "I ", "suppose ", "so.")
    socket = await open_socket(people["student"], people["session"].id)
    await socket.send(student_frame("Hello.", new_id()))
    await socket.receive_until("reply.delta")
    await socket.send({"type": "end_session"})
    events = await socket.receive_until("session.ended")
    if not any(e["type"] == "reply.failed" for e in events):
        events += await socket.receive_until("reply.failed")
    await socket.close()

    failed = next(e for e in events if e["type"] == "reply.failed")
    assert failed["error"]["code"] == "interrupted"
    reply = (await messages_of(people["session"]))[-1]
    assert reply.status == "interrupted" and reply.content.startswith("Well")
    session = await PracticeSession.objects.aget(pk=people["session"].pk)
    assert session.status == "completed"


async def test_a_failure_before_any_text_is_retried_once(people, provider):
    provider.fail(
        error=ProviderError("Overloaded", kind="overloaded", retryable=True, status_code=529)
    )
    provider.reply("Second try.")
    socket = await open_socket(people["student"], people["session"].id)
    await socket.send(student_frame("Hello.", new_id()))
    events = await socket.receive_until("reply.completed")
    await socket.close()

    assert events[-1]["content"] == "Second try."
    assert len(provider.requests) == 2
    recorded = await ErrorEvent.objects.aget(kind="provider.overloaded")
    assert recorded.severity == "warning" and recorded.session_id == people["session"].pk


async def test_a_failure_after_text_keeps_the_partial_and_offers_retry(people, provider):
    usage = Usage(input_tokens=80, output_tokens=3)
    provider.fail(
        "I was ", error=ProviderError("Dropped", kind="incomplete", retryable=True, usage=usage)
    )
    socket = await open_socket(people["student"], people["session"].id)
    await socket.send(student_frame("Hello.", new_id()))
    events = await socket.receive_until("reply.failed")
    assert events[-1]["retryable"] is True
    assert "Traceback" not in events[-1]["error"]["message"]

    provider.reply("Let me start again.")
    await socket.send({"type": "retry_reply"})
    retried = await socket.receive_until("reply.completed")
    await socket.close()

    stored = await messages_of(people["session"])
    assert [(m.role, m.status) for m in stored] == [
        ("student", "complete"),
        ("client", "failed"),
        ("client", "complete"),
    ]
    assert stored[1].content == "I was " and stored[1].token_count == 83
    assert retried[-1]["content"] == "Let me start again."
    assert [m["role"] for m in provider.requests[-1].messages] == ["user"], (
        "failed partials are never sent"
    )
    assert await ErrorEvent.objects.filter(
        kind="provider.incomplete", severity="critical"
    ).aexists()


async def test_a_message_while_a_reply_streams_is_refused_and_not_stored(people, provider):
    provider.delay = 0.2
    provider.reply("Slow ", "reply.")
    socket = await open_socket(people["student"], people["session"].id)
    await socket.send(student_frame("Hello.", new_id()))
    await socket.receive_until("reply.started")
    await socket.send(student_frame("Are you there?", new_id()))
    events = await socket.receive_until("error")
    await socket.receive_until("reply.completed")
    await socket.close()

    assert events[-1]["code"] == "reply_in_progress"
    assert len(await messages_of(people["session"])) == 2


async def test_the_html_renderer_escapes_streamed_text(people, provider):
    provider.reply("<script>alert(1)</script>", " & more")
    socket = await open_socket(people["student"], people["session"].id, json_mode=False)
    history = await socket.receive()
    assert 'id="transcript"' in history
    await socket.send(student_frame("<b>hi</b>", new_id()))
    fragments = [await socket.receive() for _ in range(4)]
    await socket.close()

    joined = "".join(fragments)
    assert "<script>" not in joined and "<b>hi</b>" not in joined
    assert "&lt;script&gt;" in joined and "&lt;b&gt;hi&lt;/b&gt;" in joined
    assert "hx-swap-oob" in joined


async def test_ending_over_http_mid_reply_stops_the_stream_and_tells_the_socket(people, provider):
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient

    provider.delay = 0.2
    provider.reply("Well ", "I ", "suppose ", "so.")
    socket = await open_socket(people["student"], people["session"].id)
    await socket.send(student_frame("Hello.", new_id()))
    await socket.receive_until("reply.delta")
    browser = AsyncClient()
    await sync_to_async(browser.force_login)(people["student"])
    response = await browser.post(f"/sessions/{people['session'].id}/end/")
    events = await socket.receive_until("session.ended")
    if not any(e["type"] == "reply.failed" for e in events):
        events += await socket.receive_until("reply.failed")
    await socket.close()

    assert response.status_code == 302 and response.url.endswith("/complete/")
    assert any(e["type"] == "reply.failed" and e["error"]["code"] == "interrupted" for e in events)
    reply = (await messages_of(people["session"]))[-1]
    assert reply.status == "interrupted"
