"""Production shape: two daphne processes sharing PostgreSQL and Redis.

A student holds a conversation through process A. A second socket of the same session, open on
process B, sees the reply A streams (the session's channel-layer group spans processes), and the
staff dashboard on B shows it: over its socket and in its polling fragment. Dashboards on both
processes receive the same ticks, whichever process computed them (one per second, cluster-wide).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection

from fakeapi.server import FakeServer
from tests.processes import (
    cluster,
    events_until,
    history,
    http_get,
    is_reply_end,
    open_socket,
    people,
    student_turn,
)

pytestmark = pytest.mark.timeout(180)

MESSAGES = re.compile(r'data-metric="messages_per_minute">(\d+)<')
STAMP = re.compile(r'data-updated="([^"]+)"')
DASHBOARD_WAIT_SECONDS = 15
TICK_WATCH_SECONDS = 5


@pytest.fixture
def fake_api() -> FakeServer:
    with FakeServer(first_token_ms=50, tokens_per_second=30) as server:
        yield server


def _messages(html: str) -> int:
    found = MESSAGES.search(html)
    assert found, f"no messages_per_minute metric in the dashboard fragment: {html[:300]}"
    return int(found[1])


async def _dashboard_until(socket: ClientConnection, messages: int) -> str:
    """Dashboard frames until one shows at least `messages` messages in the last minute."""
    deadline = time.monotonic() + DASHBOARD_WAIT_SECONDS
    last = ""
    while time.monotonic() < deadline:
        with contextlib.suppress(TimeoutError):
            last = await asyncio.wait_for(socket.recv(), deadline - time.monotonic())
            if _messages(last) >= messages:
                return last
    raise AssertionError(f"the dashboard never showed {messages} messages; last frame: {last}")


async def _stamps(socket: ClientConnection, seconds: float) -> set[str]:
    """The data-updated stamps of the dashboard frames received within `seconds`."""
    stamps: set[str] = set()
    deadline = time.monotonic() + seconds
    with contextlib.suppress(TimeoutError):
        while (left := deadline - time.monotonic()) > 0:
            html = await asyncio.wait_for(socket.recv(), left)
            if found := STAMP.search(html):
                stamps.add(found[1])
    return stamps


async def test_a_conversation_on_one_process_reaches_the_other(
    postgres: None, redis_url: str, tmp_path: Path, fake_api: FakeServer
) -> None:
    env = {
        "REDIS_URL": redis_url,
        "ANTHROPIC_API_KEY": "test-key-for-the-fake-api",
        "ANTHROPIC_BASE_URL": fake_api.base_url,
        "LLM_MAX_RETRIES": "0",
    }
    with cluster(tmp_path, env) as running:
        made = asyncio.create_task(asyncio.to_thread(people, running))
        a, b = await asyncio.to_thread(running.start_many, 2)
        ids = await made
        chat = f"/ws/sessions/{ids['session']}/"
        async with (
            open_socket(a, chat, ids["student"]) as on_a,
            open_socket(b, chat, ids["student"]) as on_b,
            open_socket(a, "/ws/monitor/", ids["staff"], json_mode=False) as dashboard_a,
            open_socket(b, "/ws/monitor/", ids["staff"], json_mode=False) as dashboard_b,
        ):
            await history(on_a)
            await history(on_b)
            assert _messages(await dashboard_b.recv()) == 0

            await on_a.send(student_turn("Hello from process A."))
            seen_a = await events_until(on_a, is_reply_end)
            seen_b = await events_until(on_b, is_reply_end)

            # The second socket, on the other process, saw the whole turn as it streamed.
            assert [e["type"] for e in seen_b if e["type"] != "reply.delta"] == [
                "message",
                "reply.started",
                "reply.completed",
            ], seen_b
            assert seen_b[0]["message"]["content"] == "Hello from process A."
            completed_a, completed_b = seen_a[-1], seen_b[-1]
            assert completed_b["message_id"] == completed_a["message_id"]
            deltas = [e["text"] for e in seen_b if e["type"] == "reply.delta"]
            assert deltas, "no reply.delta crossed to process B"
            assert "".join(deltas) == completed_b["content"] == completed_a["content"]
            assert "cost_usd" not in completed_b  # still rendered for a student on B

            # The dashboard on B shows the turn (student + client) within a tick or so...
            await _dashboard_until(dashboard_b, messages=2)
            # ...and so does its polling fragment, the fallback when the socket is down.
            status, fragment = http_get(b, "/monitor/live/", ids["staff"])
            assert status == 200
            assert _messages(fragment) >= 2

            # One snapshot a second for the whole cluster, relayed to every dashboard in every
            # process: both sockets receive the same stamps. Without cross-process fan-out each
            # would only see the seconds its own process won.
            stamps_a, stamps_b = await asyncio.gather(
                _stamps(dashboard_a, TICK_WATCH_SECONDS), _stamps(dashboard_b, TICK_WATCH_SECONDS)
            )
            shared = stamps_a & stamps_b
            assert len(shared) >= 2, (stamps_a, stamps_b, running.logs())

        stored = running.shell_json(
            "import json\n"
            "from conversations.models import Message\n"
            f"rows = Message.objects.filter(session_id='{ids['session']}')"
            ".order_by('sequence_number').values_list('sequence_number', 'role', 'status')\n"
            "print(json.dumps(list(rows)))"
        )
        assert stored == [[1, "student", "complete"], [2, "client", "complete"]]
