"""The fake Messages API for the load benchmark, in a process of its own, keeping a schedule.

python -m benchmarks.loadapi --first-token-ms 300 --tokens-per-second 80

Every reply starts with a key word (`k000123`), so the load client can match what reached its
socket with what this server sent. For each key the server records when the request arrived
and when each text piece was written (time.monotonic(): CLOCK_MONOTONIC, the same clock in
every process on the machine). `GET /_fake/schedule` returns them; `POST /_fake/schedule/clear`
forgets them. It runs apart from the load client so neither steals the other's event loop.
"""

import argparse
import contextvars
import itertools
import json
import signal
import sys
import threading
import time
from typing import Any

from fakeapi import server as fake_server
from fakeapi.http11 import send_json
from fakeapi.replies import CLIENT_SENTENCES

SENTENCES_PER_REPLY = 4  # about 60 output tokens, as in benchmarks/conversation.py

_current_key: contextvars.ContextVar[str | None] = contextvars.ContextVar("key", default=None)
_keys = itertools.count(1)
_schedule: dict[str, dict[str, Any]] = {}
_send_event = fake_server._event


def keyed_reply(body: dict) -> str:
    """A talkative reply with a key word in front; the key becomes this task's current key."""
    key = f"k{next(_keys):06d}"
    _current_key.set(key)
    _schedule[key] = {"received": time.monotonic(), "pieces": []}
    turn = sum(1 for message in body.get("messages", []) if message.get("role") == "user")
    sentences = " ".join(
        CLIENT_SENTENCES[(turn * SENTENCES_PER_REPLY + step) % len(CLIENT_SENTENCES)]
        for step in range(SENTENCES_PER_REPLY)
    )
    return f"{key} {sentences}"


async def _recording_event(stream, name: str, data: dict[str, Any]) -> None:
    if name == "content_block_delta":
        key = _current_key.get()
        if key in _schedule:
            _schedule[key]["pieces"].append((time.monotonic(), len(data["delta"]["text"])))
    await _send_event(stream, name, data)


class ScheduledServer(fake_server.FakeServer):
    async def _control(self, request, writer) -> None:
        if request.path == "/_fake/schedule" and request.method == "GET":
            await send_json(writer, 200, _schedule, {}, keep_alive=request.keep_alive)
        elif request.path == "/_fake/schedule/clear" and request.method == "POST":
            _schedule.clear()
            await send_json(writer, 200, {"cleared": True}, {}, keep_alive=request.keep_alive)
        else:
            await super()._control(request, writer)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadapi")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--first-token-ms", type=float, default=300)
    parser.add_argument("--tokens-per-second", type=float, default=80)
    arguments = parser.parse_args(argv)
    fake_server._event = _recording_event  # the server looks it up at each call
    server = ScheduledServer(
        port=arguments.port,
        first_token_ms=arguments.first_token_ms,
        tokens_per_second=arguments.tokens_per_second or None,
        min_cacheable_tokens=2048,
        reply=keyed_reply,
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    with server:
        print(json.dumps({"base_url": server.base_url}), flush=True)
        while not stopping.wait(0.5):
            pass
    sys.exit(0)


if __name__ == "__main__":
    main()
