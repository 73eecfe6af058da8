"""Crash recovery: kill -9 the server while replies stream, restart it on the same database.

Each round a student sends a turn to a fresh server, the fake API streams the reply slowly, and
the server is killed (SIGKILL: no shutdown code runs) mid-reply. After a restart, once the dead
process's lease (REPLY_LEASE_SECONDS) has lapsed, the reconnecting student gets the same history
with every cut-off reply marked interrupted and nothing left streaming, and the conversation goes
on. Runs on the database kind of the test run (SQLite file or a fresh PostgreSQL database).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from fakeapi.server import FakeServer
from tests.processes import (
    cluster,
    events_until,
    history,
    is_reply_end,
    kill,
    open_socket,
    people,
    student_turn,
)

pytestmark = pytest.mark.timeout(240)

ROUNDS = 3
LEASE_SECONDS = 3
SLOW_TOKENS_PER_SECOND = 4  # the default reply is ~15 words: ~4 s of streaming to kill into
DELTAS_BEFORE_KILL = 2


@pytest.fixture
def fake_api() -> FakeServer:
    with FakeServer(first_token_ms=0, tokens_per_second=SLOW_TOKENS_PER_SECOND) as server:
        yield server


def _assert_history(events: list[dict], streamed: list[tuple[str, str]]) -> None:
    """The stored history after `streamed` (reply id, text shown) replies were cut off."""
    assert all(event["type"] == "message" for event in events), (
        f"something is still streaming after its lease lapsed: {events}"
    )
    rows = [event["message"] for event in events]
    assert [row["sequence_number"] for row in rows] == list(range(1, 2 * len(streamed) + 1))
    for number, (reply_id, shown) in enumerate(streamed):
        turn, reply = rows[2 * number], rows[2 * number + 1]
        assert (turn["role"], turn["status"]) == ("student", "complete")
        assert turn["content"] == f"Turn {number + 1}: how are you sleeping?"
        assert (reply["id"], reply["role"], reply["status"]) == (reply_id, "client", "interrupted")
        # Whatever was stored of the partial is what the student saw, never more or other text.
        assert shown.startswith(reply["content"]), (reply["content"], shown)


async def _lease_lapsed(killed_at: float) -> None:
    """Wait until the killed process's last lease has run out (restarting took part of it)."""
    await asyncio.sleep(max(0.0, killed_at + LEASE_SECONDS + 0.5 - time.monotonic()))


async def test_replies_cut_off_by_kill_9_are_interrupted_and_the_student_goes_on(
    tmp_path: Path, fake_api: FakeServer
) -> None:
    env = {
        "ANTHROPIC_API_KEY": "test-key-for-the-fake-api",
        "ANTHROPIC_BASE_URL": fake_api.base_url,
        "LLM_MAX_RETRIES": "0",
        "REPLY_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    with cluster(tmp_path, env) as running:
        ids = people(running)
        chat = f"/ws/sessions/{ids['session']}/"
        streamed: list[tuple[str, str]] = []
        killed_at = 0.0
        for number in range(1, ROUNDS + 1):
            server = running.start()
            await _lease_lapsed(killed_at)
            async with open_socket(server, chat, ids["student"]) as socket:
                _assert_history(await history(socket), streamed)
                await socket.send(student_turn(f"Turn {number}: how are you sleeping?"))
                deltas = 0

                def enough(event: dict) -> bool:
                    nonlocal deltas
                    assert not is_reply_end(event), f"the reply ended before the kill: {event}"
                    deltas += event["type"] == "reply.delta"
                    return deltas >= DELTAS_BEFORE_KILL

                seen = await events_until(socket, enough)
                kill(server)
                killed_at = time.monotonic()
            started = next(event for event in seen if event["type"] == "reply.started")
            shown = "".join(event["text"] for event in seen if event["type"] == "reply.delta")
            streamed.append((started["message_id"], shown))

        fake_api.tokens_per_second = None  # the last reply streams at full speed
        server = running.start()
        await _lease_lapsed(killed_at)
        async with open_socket(server, chat, ids["student"]) as socket:
            _assert_history(await history(socket), streamed)
            await socket.send(student_turn("Still there?"))
            seen = await events_until(socket, is_reply_end)
        assert seen[0]["type"] == "message"
        assert seen[0]["message"]["sequence_number"] == 2 * ROUNDS + 1
        assert seen[-1]["type"] == "reply.completed", seen[-1]
        assert seen[-1]["content"]

        stored = running.shell_json(
            "import json\n"
            "from conversations.models import Message\n"
            f"rows = Message.objects.filter(session_id='{ids['session']}')"
            ".order_by('sequence_number').values_list('sequence_number', 'role', 'status')\n"
            "print(json.dumps(list(rows)))"
        )
        expected = []
        for r in range(ROUNDS):
            expected += [[2 * r + 1, "student", "complete"], [2 * r + 2, "client", "interrupted"]]
        expected += [
            [2 * ROUNDS + 1, "student", "complete"],
            [2 * ROUNDS + 2, "client", "complete"],
        ]
        assert stored == expected, running.logs()
