"""Hostile input on the conversation socket: thousands of bad frames, one error event each.

Frames are generated from a fixed seed (the same run every time): binary, not JSON, truncated,
nested thousands deep, JSON that is not an object, unknown and wrong-typed types, content that is
missing, empty, not text, too long, with NUL or a lone surrogate, ids that are not uuids, retries
with nothing to retry, and frames over the frame size limit. Then frames out of order (during a
reply, repeated ids, after the end), frames that name someone else's session, and sockets opened on
someone else's session. The real consumer answers every bad frame with an `error` event and stores
nothing invalid; a short burst against a real daphne process shows the server stays up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator
from websockets.exceptions import ConnectionClosed

from config.asgi import application
from conftest import make_client, make_user
from conversations.engine import stream
from conversations.models import Message
from conversations.tests.conftest import ScriptedProvider, Socket, open_socket, session_cookie
from sessions_app.services import session_start
from tests.processes import (
    cluster,
    events_until,
    history,
    http_get,
    is_reply_end,
    people,
    student_turn,
)
from tests.processes import open_socket as open_real_socket

SEED = 20261125
FRAMES = 3000
BATCH = 100  # frames sent before their answers are read (the consumer takes them in order)
BURST_FRAMES = 400
MESSAGE_MAX_CHARS = 4000
FRAME_MAX_CHARS = 64_000

Frame = tuple[str | bytes, str]  # what is sent, the error code it must get


FRESH = object()
_ids = random.Random(SEED)


def _id() -> str:
    """A new uuid, from a seeded generator so the frames are the same every run."""
    return str(uuid.UUID(int=_ids.getrandbits(128), version=4))


def _turn(content: object = "Hello.", client_msg_id: object = FRESH, **extra: object) -> str:
    frame = {"type": "student_message", "content": content, "client_msg_id": client_msg_id}
    if client_msg_id is FRESH:
        frame["client_msg_id"] = _id()
    return json.dumps(frame | extra)


def _text(rng: random.Random, low: int, high: int) -> str:
    alphabet = "abc xyz<>&\"'{}[]:,\\/\n\t0123456789é漢🙂"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def _not_json(rng: random.Random) -> str:
    while True:
        text = rng.choice(["{", "[", '{"type": ', "", "nope", "'"]) + _text(rng, 0, 40)
        try:
            json.loads(text)
        except ValueError:
            return text


def _scalar(rng: random.Random) -> object:
    return rng.choice([None, True, False, 0, -1, 7, 3.5, 1e308, "", "x", "student_message"])


WRONG_TYPES = [
    None,
    5,
    True,
    [],
    {},
    ["student_message"],
    {"student_message": 1},
    "STUDENT_MESSAGE",
    "student_message ",
    "student-message",
    "end_session\x00",
    "sing",
    "__proto__",
    "message",
    "reply.delta",
    "",
]
NOT_CONTENT = [None, 5, 0, True, [], ["hi"], {}, {"text": "hi"}, "", " ", "\n\t \u00a0 "]
UUID = "0b5d4c8e-2f1a-4c3b-9d7e-6a5b4c3d2e1f"
NOT_IDS = [None, 7, "7", 3.5, True, [], {}, [UUID], {"id": UUID}, "not-a-uuid", UUID + "x", ""]

# A JSON escape for half a surrogate pair: valid JSON, but text no database can store.
_LONE_SURROGATE = '{"type": "student_message", "content": "hi \\ud800", "client_msg_id": "ID"}'

GENERATORS: list[Callable[[random.Random], Frame]] = [
    lambda rng: (rng.randbytes(rng.randint(0, 300)), "bad_frame"),
    lambda rng: (_not_json(rng), "bad_json"),
    lambda rng: ((t := _turn(_text(rng, 1, 50)))[: rng.randint(1, len(t) - 1)], "bad_json"),
    lambda rng: ("[" * rng.randint(2_000, 60_000), "bad_json"),
    lambda rng: ('{"type": ' * rng.randint(1_000, 7_000), "bad_json"),
    lambda rng: (json.dumps(_scalar(rng)), "unknown_type"),
    lambda rng: (json.dumps([_scalar(rng) for _ in range(rng.randint(0, 5))]), "unknown_type"),
    lambda rng: (json.dumps({"type": rng.choice(WRONG_TYPES), "content": "hi"}), "unknown_type"),
    lambda rng: (json.dumps({"content": "hi", "client_msg_id": _id()}), "unknown_type"),
    lambda rng: (_turn(rng.choice(NOT_CONTENT)), "empty"),
    lambda rng: (json.dumps({"type": "student_message", "client_msg_id": _id()}), "empty"),
    lambda rng: (_turn("a" * rng.randint(MESSAGE_MAX_CHARS + 1, 20_000)), "too_long"),
    lambda rng: (_turn("x" * rng.randint(FRAME_MAX_CHARS, 90_000)), "too_long"),
    lambda rng: ("x" * rng.randint(FRAME_MAX_CHARS + 1, 90_000), "too_long"),
    lambda rng: (_turn(_text(rng, 0, 20) + "\x00" + _text(rng, 0, 20)), "invalid_text"),
    lambda rng: (_LONE_SURROGATE.replace("ID", _id()), "invalid_text"),
    lambda rng: (_turn("Hello.", rng.choice(NOT_IDS)), "bad_client_msg_id"),
    lambda rng: (json.dumps({"type": "student_message", "content": "Hi."}), "bad_client_msg_id"),
    lambda rng: (json.dumps({"type": "retry_reply", "message_id": _id()}), "nothing_to_retry"),
]


def bad_frames(count: int, seed: int = SEED) -> list[Frame]:
    rng = random.Random(seed)
    _ids.seed(seed)
    return [rng.choice(GENERATORS)(rng) for _ in range(count)]


def test_the_frames_are_the_same_every_run() -> None:
    assert bad_frames(50) == bad_frames(50)
    codes = {code for _, code in bad_frames(FRAMES)}
    assert codes == {
        "bad_frame",
        "bad_json",
        "unknown_type",
        "empty",
        "too_long",
        "invalid_text",
        "bad_client_msg_id",
        "nothing_to_retry",
    }


# --- In process: the real consumer through WebsocketCommunicator --------------------------------


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> ScriptedProvider:
    scripted = ScriptedProvider()
    monkeypatch.setattr(stream, "get_provider", lambda: scripted)
    return scripted


@pytest.fixture
def world(db) -> dict:
    teacher = make_user("fuzz-teacher", "teacher")
    student = make_user("fuzz-student")
    other = make_user("fuzz-other")
    client = make_client(teacher)
    return {
        "student": student,
        "other": other,
        "session": session_start(student=student, client=client, prompt_version="fuzz"),
        "other_session": session_start(student=other, client=client, prompt_version="fuzz"),
    }


async def _send(socket: Socket, frame: str | bytes) -> None:
    if isinstance(frame, bytes):
        await socket.communicator.send_to(bytes_data=frame)
    else:
        await socket.communicator.send_to(text_data=frame)


async def _answers(socket: Socket, frames: list[Frame]) -> list[str]:
    """Send frames in batches; the code of the one event each gets (in order)."""
    codes = []
    for start in range(0, len(frames), BATCH):
        batch = frames[start : start + BATCH]
        for frame, _ in batch:
            await _send(socket, frame)
        for _ in batch:
            event = await socket.receive(timeout=10)
            assert event["type"] == "error", event
            assert event["message"] and "Traceback" not in event["message"]
            codes.append(event["code"])
    return codes


def _mismatches(frames: list[Frame], codes: list[str]) -> list[str]:
    return [
        f"{frame[:80]!r}: expected {expected}, got {got}"
        for (frame, expected), got in zip(frames, codes, strict=True)
        if got != expected
    ]


async def _stored(session) -> list[Message]:
    return [m async for m in Message.objects.filter(session=session).order_by("sequence_number")]


def _assert_well_formed(messages: list[Message], student_turns: list[str]) -> None:
    assert [m.sequence_number for m in messages] == list(range(1, len(messages) + 1))
    turns = [m for m in messages if m.role == Message.Role.STUDENT]
    assert [m.content for m in turns] == student_turns
    for turn in turns:
        assert turn.status == Message.Status.COMPLETE and turn.client_msg_id is not None
        assert 0 < len(turn.content) <= MESSAGE_MAX_CHARS and "\x00" not in turn.content
    assert all(
        m.status == Message.Status.COMPLETE for m in messages if m.role == Message.Role.CLIENT
    )


@pytest.mark.django_db(transaction=True)
async def test_thousands_of_bad_frames_each_get_an_error_and_nothing_is_stored(
    world: dict, provider: ScriptedProvider, settings
) -> None:
    settings.SOCKET_FRAMES_PER_SECOND = 1_000_000  # the flood guard is tested on its own below
    frames = bad_frames(FRAMES)
    socket = await open_socket(world["student"], world["session"].id)
    try:
        codes = await _answers(socket, frames)
        assert not _mismatches(frames, codes), "\n".join(_mismatches(frames, codes)[:20])
        assert await socket.nothing_more()
        assert await _stored(world["session"]) == []

        provider.reply("Still ", "here.")
        await socket.send(_turn("After all that: hello."))
        events = await socket.receive_until("reply.completed")
        assert events[-1]["content"] == "Still here."
    finally:
        await socket.close()
    _assert_well_formed(await _stored(world["session"]), ["After all that: hello."])


@pytest.mark.django_db(transaction=True)
async def test_frames_out_of_order_are_refused_and_repeats_are_not_stored_twice(
    world: dict, provider: ScriptedProvider, settings
) -> None:
    settings.SOCKET_FRAMES_PER_SECOND = 1_000
    socket = await open_socket(world["student"], world["session"].id)
    try:
        await socket.send({"type": "retry_reply"})
        assert (await socket.receive())["code"] == "nothing_to_retry"

        first = _id()
        provider.delay = 0.05
        provider.reply(*[f"word{n} " for n in range(20)])
        await socket.send(_turn("First.", first))
        await socket.receive_until("reply.started")
        # While the reply streams: another turn, a retry, and the same turn again.
        await socket.send(_turn("Second, too soon."))
        await socket.send({"type": "retry_reply"})
        await socket.send(_turn("First.", first))
        events = await socket.receive_until("reply.completed", timeout=10)
        errors = [e["code"] for e in events if e["type"] == "error"]
        assert errors == ["reply_in_progress", "reply_in_progress"], events
        repeats = [e for e in events if e["type"] == "message"]
        assert [r["message"]["client_msg_id"] for r in repeats] == [first]

        provider.delay = 0
        await socket.send({"type": "retry_reply"})
        assert (await socket.receive())["code"] == "nothing_to_retry"
        await socket.send(_turn("First.", first))  # repeated after the reply: still once
        assert (await socket.receive())["type"] == "message"

        await socket.send({"type": "end_session"})
        assert (await socket.receive())["type"] == "session.ended"
        for frame in (_turn("After the end."), {"type": "retry_reply"}, {"type": "end_session"}):
            await socket.send(frame)
            assert (await socket.receive())["code"] == "session_ended"
        assert await socket.nothing_more()
    finally:
        await socket.close()
    _assert_well_formed(await _stored(world["session"]), ["First."])


@pytest.mark.django_db(transaction=True)
async def test_a_frame_cannot_name_another_session(world: dict, provider: ScriptedProvider) -> None:
    other = str(world["other_session"].id)
    socket = await open_socket(world["student"], world["session"].id)
    try:
        await socket.send(
            _turn(
                "Whose session is this?",
                session_id=other,
                session=other,
                path=f"/ws/sessions/{other}/",
                HEADERS={"HX-Current-URL": f"http://testserver/sessions/{other}/"},
            )
        )
        events = await socket.receive_until("reply.completed")
    finally:
        await socket.close()
    assert events[0]["message"]["content"] == "Whose session is this?"
    _assert_well_formed(await _stored(world["session"]), ["Whose session is this?"])
    assert await _stored(world["other_session"]) == []


@pytest.mark.django_db(transaction=True)
async def test_sockets_on_other_peoples_sessions_close_even_while_sending(world: dict) -> None:
    cases = [
        (world["student"], world["other_session"].id, 4403),
        (world["other"], world["session"].id, 4403),
        (None, world["session"].id, 4401),
        (world["student"], uuid.uuid4(), 4404),
    ]
    for user, session_id, code in cases:
        headers = [(b"origin", b"http://testserver")]
        if user is not None:
            cookie = await asyncio.to_thread(session_cookie, user)
            headers.append((b"cookie", cookie.encode()))
        communicator = WebsocketCommunicator(
            application,
            f"/ws/sessions/{session_id}/",
            headers=headers,
            subprotocols=["rapport.v1.json"],
        )
        connected, _ = await communicator.connect()
        assert connected
        # Frames sent at once, before the close arrives, must not reach the session.
        for frame, _ in bad_frames(5, seed=code):
            await _send(Socket(communicator, True), frame)
        await communicator.send_to(text_data=_turn("Let me in."))
        output = await communicator.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": code}
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        assert not communicator.future.cancelled() and communicator.future.exception() is None
    assert await _stored(world["session"]) == []
    assert await _stored(world["other_session"]) == []


@pytest.mark.django_db(transaction=True)
async def test_a_flood_of_frames_gets_too_fast(world: dict, settings) -> None:
    settings.SOCKET_FRAMES_PER_SECOND = 10
    socket = await open_socket(world["student"], world["session"].id)
    try:
        for _ in range(40):
            await socket.send("{flood")
        codes = [(await socket.receive())["code"] for _ in range(40)]
        assert await socket.nothing_more()
    finally:
        await socket.close()
    assert codes[:10] == ["bad_json"] * 10
    assert codes.count("too_fast") >= 25  # all 30 unless the machine stalled for a second


# --- Out of process: a short burst against a real daphne -----------------------------------------


async def test_a_real_server_survives_a_burst_and_still_answers(tmp_path: Path) -> None:
    frames = bad_frames(BURST_FRAMES, seed=SEED + 1)
    env = {"SOCKET_FRAMES_PER_SECOND": "1000000", "DEMO_REPLY_DELAY_MS": "0"}
    with cluster(tmp_path, env) as running:
        server = running.start()
        ids = people(running)
        chat = f"/ws/sessions/{ids['session']}/"
        async with open_real_socket(server, chat, ids["student"]) as socket:
            await history(socket, quiet=0.3)
            for start in range(0, len(frames), BATCH):
                batch = frames[start : start + BATCH]
                for frame, _ in batch:
                    await socket.send(frame)
                codes = []
                for _ in batch:
                    event = json.loads(await asyncio.wait_for(socket.recv(), 10))
                    assert event["type"] == "error", event
                    codes.append(event["code"])
                assert [code for _, code in batch] == codes
            await socket.send(student_turn("Hello after the burst."))
            events = await events_until(socket, is_reply_end)
            assert events[-1]["type"] == "reply.completed", events[-1]

        # Someone else's session, from a real socket: accepted, then closed 4403.
        theirs = f"/ws/sessions/{ids['other_session']}/"
        async with open_real_socket(server, theirs, ids["student"]) as socket:
            with contextlib.suppress(ConnectionClosed):  # the close may have come first
                await socket.send(student_turn("Let me in."))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403

        assert http_get(server, "/healthz")[0] == 200
        assert server.process is not None and server.process.poll() is None
        log = server.log()
        assert "Traceback" not in log and "Exception inside application" not in log, log[-3000:]
