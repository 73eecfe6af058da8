"""Whole conversations through the real socket, engine and anthropic SDK, against fakeapi.

Nothing is stubbed on our side: the only stand-in is the model, played by the project's local
server speaking the Messages API wire protocol (SSE, usage with cache fields, errors).
"""

import html
import json
import re
import uuid
from pathlib import Path

import pytest

from clients.cards import cards_parse
from clients.prompts import system_prompt
from clients.services import clients_import
from conftest import make_user
from conversations.models import Message
from conversations.tests.conftest import (
    aclose_providers,
    open_socket,
    student_frame,
    wait_for_replies,
)
from fakeapi.behaviours import (
    DropConnection,
    Overloaded,
    RateLimited,
    Refusal,
    ServerError,
    StreamError,
)
from monitoring.models import ErrorEvent
from sessions_app.services import session_start

pytestmark = pytest.mark.django_db(transaction=True)

CARDS = sorted((Path(__file__).resolve().parents[2] / "clients" / "demo_cards").glob("*.json"))
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "scripts" / "standard-20-turns.json"
FIVE_TURNS = json.loads(SCRIPT.read_text())["student_turns"][:5]
DELTA = re.compile(r'<span hx-swap-oob="beforeend:#msg-[0-9a-f-]+-text">(.*?)</span>', re.S)


@pytest.fixture
def fake_api(fake_anthropic, settings):
    settings.LLM_MAX_RETRIES = 2
    settings.SOCKET_FRAMES_PER_SECOND = 100
    yield fake_anthropic


@pytest.fixture(autouse=True)
async def close_sdk_clients():
    yield
    await wait_for_replies()
    await aclose_providers()


def session_for(card_path: Path):
    teacher = make_user(f"teacher-{uuid.uuid4().hex[:6]}", "teacher")
    student = make_user(f"student-{uuid.uuid4().hex[:6]}")
    client = clients_import(
        cards=cards_parse(card_path.read_text(), source=card_path.name), owner=teacher
    ).created[0]
    return session_start(student=student, client=client, prompt_version="test")


async def json_turn(socket, text: str) -> tuple[str, dict]:
    await socket.send(student_frame(text, str(uuid.uuid4())))
    events = await socket.receive_until_any(("reply.completed", "reply.failed"))
    streamed = "".join(e["text"] for e in events if e["type"] == "reply.delta")
    return streamed, events[-1]


async def html_turn(socket, text: str) -> tuple[str, str]:
    await socket.send(student_frame(text, str(uuid.uuid4())))
    fragments = []
    while 'data-state="idle"' not in (fragments[-1] if fragments else ""):
        fragments.append(await socket.receive())
    streamed = "".join(html.unescape(piece) for f in fragments for piece in DELTA.findall(f))
    return streamed, fragments[-1]


def reply_requests(requests) -> list:
    """The replies' requests, without the model coder's (the requests with tools)."""
    return [request for request in requests if "tools" not in request.body]


def assert_requests_were_what_the_api_accepts(requests, card: dict) -> None:
    codings = [request for request in requests if "tools" in request.body]
    assert len(codings) == 5, "the model coder codes each turn beside its reply"
    requests = reply_requests(requests)
    assert len(requests) == 5
    for number, request in enumerate(requests, start=1):
        body = request.body
        assert body["system"][0]["text"] == system_prompt(card)
        assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
        roles = [message["role"] for message in body["messages"]]
        assert roles == ["user", "assistant"] * (number - 1) + ["user"]
        last = body["messages"][-1]["content"]
        assert last[0]["text"] == FIVE_TURNS[number - 1]
        assert last[0]["cache_control"] == {"type": "ephemeral"}
        assert card["teacher_notes"] not in json.dumps(body)
        assert "temperature" not in body


@pytest.mark.parametrize("card_path", CARDS, ids=lambda path: path.stem)
async def test_five_turns_in_json_mode_with_every_fixture_card(card_path, fake_api):
    session = await _in_thread(session_for, card_path)
    socket = await open_socket(session.student, session.id)
    for text in FIVE_TURNS:
        streamed, completed = await json_turn(socket, text)
        assert completed["type"] == "reply.completed"
        assert streamed == completed["content"]
    await socket.close()

    stored = [m async for m in Message.objects.filter(session=session).order_by("sequence_number")]
    assert [m.sequence_number for m in stored] == list(range(1, 11))
    assert [m.role for m in stored] == ["student", "client"] * 5
    assert all(m.status == "complete" for m in stored)
    replies = [m for m in stored if m.role == "client"]
    assert all(m.content and m.token_count > 0 and m.cost > 0 for m in replies)
    assert_requests_were_what_the_api_accepts(fake_api.requests, session.client_snapshot)


@pytest.mark.parametrize("card_path", CARDS, ids=lambda path: path.stem)
async def test_five_turns_in_html_mode_with_every_fixture_card(card_path, fake_api):
    session = await _in_thread(session_for, card_path)
    socket = await open_socket(session.student, session.id, json_mode=False)
    assert 'id="transcript"' in await socket.receive()
    streamed_replies = []
    for text in FIVE_TURNS:
        streamed, _ = await html_turn(socket, text)
        streamed_replies.append(streamed)
    await socket.close()

    replies = [
        m.content
        async for m in Message.objects.filter(session=session, role="client").order_by(
            "sequence_number"
        )
    ]
    assert replies == streamed_replies and all(replies)
    assert_requests_were_what_the_api_accepts(fake_api.requests, session.client_snapshot)


async def test_the_second_turn_reads_the_first_turns_prefix_from_the_cache(fake_api):
    fake_api.min_cacheable_tokens = 1024
    session = await _in_thread(session_for, CARDS[0])
    socket = await open_socket(session.student, session.id)
    for text in FIVE_TURNS[:2]:
        await json_turn(socket, text)
    await socket.close()
    first, second = [
        m
        async for m in Message.objects.filter(session=session, role="client").order_by(
            "sequence_number"
        )
    ]
    assert first.cache_write_tokens > 0 and first.cache_read_tokens == 0
    assert second.cache_read_tokens >= first.cache_write_tokens


FAULTS = [
    ("a refusal before any text", [Refusal(after_tokens=0)], "reply.failed", ["provider.refusal"]),
    ("429 then success (the SDK retries)", [RateLimited(retry_after=0.01)], "reply.completed", []),
    (
        "529 three times: the SDK gives up, the engine retries once",
        [Overloaded(retry_after=0.01)] * 3,
        "reply.completed",
        ["provider.overloaded"],
    ),
    (
        "500 on every try",
        [ServerError(retry_after=0.01)] * 6,
        "reply.failed",
        ["provider.server_error"] * 2,
    ),
    (
        "an error event before any text",
        [StreamError(after_tokens=0)],
        "reply.completed",
        ["provider.stream_error"],
    ),
    (
        "an error event after some text",
        [StreamError(after_tokens=3)],
        "reply.failed",
        ["provider.stream_error"],
    ),
    (
        "a dropped connection before any text",
        [DropConnection(after_tokens=0)],
        "reply.completed",
        ["provider.incomplete"],
    ),
    (
        "a dropped connection after some text",
        [DropConnection(after_tokens=2)],
        "reply.failed",
        ["provider.incomplete"],
    ),
]


@pytest.mark.parametrize(
    ("name", "behaviours", "ending", "recorded"), FAULTS, ids=[f[0] for f in FAULTS]
)
async def test_faults_lose_no_turn_and_every_failure_is_recorded(
    name, behaviours, ending, recorded, fake_api
):
    session = await _in_thread(session_for, CARDS[0])
    socket = await open_socket(session.student, session.id)
    await json_turn(socket, "Hello, I'm one of the counselors here.")
    fake_api.enqueue(*behaviours)
    streamed, last = await json_turn(socket, "What brings you in?")
    await socket.close()

    assert last["type"] == ending
    students = [m async for m in Message.objects.filter(session=session, role="student")]
    assert len(students) == 2, "the student's turn is stored whatever the provider does"
    reply = await Message.objects.filter(session=session).order_by("-sequence_number").afirst()
    assert reply.role == "client"
    if ending == "reply.completed":
        assert reply.status == "complete" and reply.content == last["content"]
    else:
        assert reply.status == "failed" and reply.content == streamed and last["retryable"]
        assert "Traceback" not in last["error"]["message"]
    kinds = [
        e.kind async for e in ErrorEvent.objects.filter(session=session).order_by("created_at")
    ]
    assert kinds == recorded or (not recorded and kinds == [])


async def test_a_failed_reply_can_be_retried_to_completion(fake_api):
    session = await _in_thread(session_for, CARDS[1])
    socket = await open_socket(session.student, session.id)
    fake_api.enqueue(StreamError(after_tokens=2))
    _, failed = await json_turn(socket, "Hello.")
    assert failed["type"] == "reply.failed"
    await socket.send({"type": "retry_reply"})
    events = await socket.receive_until_any(("reply.completed", "reply.failed"))
    await socket.close()
    assert events[-1]["type"] == "reply.completed"
    assert [m["role"] for m in reply_requests(fake_api.requests)[-1].body["messages"]] == ["user"]


async def _in_thread(function, *args):
    import asyncio

    return await asyncio.to_thread(function, *args)
