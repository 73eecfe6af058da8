"""Socket test helpers: a logged-in WebsocketCommunicator and a scripted provider."""

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest
from channels.testing import WebsocketCommunicator

from accounts.testing import session_cookie
from config.asgi import application
from conversations import llm
from conversations.engine import coding, stream
from conversations.llm.base import LLMRequest, ProviderError, StreamEnd, TextDelta, Usage
from monitoring.logging import DatabaseHandler


class ScriptedProvider:
    """Replies from a script: each entry is a list of events (text, StreamEnd or an error)."""

    name = "scripted"
    is_demo = False

    def __init__(self) -> None:
        self.script: list[list] = []
        self.requests: list[LLMRequest] = []
        self.delay = 0.0

    def reply(self, *pieces: str, usage: Usage | None = None) -> None:
        usage = usage or Usage(input_tokens=100, output_tokens=20, cache_read_tokens=50)
        self.script.append([TextDelta(p) for p in pieces] + [StreamEnd(usage, "end_turn")])

    def fail(self, *pieces: str, error: ProviderError) -> None:
        self.script.append([TextDelta(p) for p in pieces] + [error])

    async def stream(self, request: LLMRequest) -> AsyncIterator:
        self.requests.append(request)
        events = (
            self.script.pop(0)
            if self.script
            else [TextDelta("Okay."), StreamEnd(Usage(), "end_turn")]
        )
        for event in events:
            if self.delay:
                await asyncio.sleep(self.delay)
            if isinstance(event, Exception):
                raise event
            yield event


@pytest.fixture
def provider(monkeypatch) -> ScriptedProvider:
    scripted = ScriptedProvider()
    monkeypatch.setattr(stream, "get_provider", lambda: scripted)
    return scripted


class Socket:
    """A test socket that speaks JSON (subprotocol rapport.v1.json) or HTML fragments."""

    def __init__(self, communicator: WebsocketCommunicator, json_mode: bool) -> None:
        self.communicator = communicator
        self.json_mode = json_mode

    async def send(self, frame: dict | str) -> None:
        text = frame if isinstance(frame, str) else json.dumps(frame)
        await self.communicator.send_to(text_data=text)

    async def receive(self, timeout: float = 15) -> dict | str:
        text = await self.communicator.receive_from(timeout=timeout)
        return json.loads(text) if self.json_mode else text

    async def receive_until(self, event_type: str, timeout: float = 15) -> list[dict]:
        """JSON events up to and including the first of `event_type`."""
        return await self.receive_until_any((event_type,), timeout)

    async def receive_until_any(
        self, event_types: tuple[str, ...], timeout: float = 15
    ) -> list[dict]:
        events = []
        while True:
            event = await self.receive(timeout)
            events.append(event)
            if event["type"] in event_types:
                return events

    async def close_code(self) -> int | None:
        output = await self.communicator.receive_output(timeout=3)
        return output.get("code") if output["type"] == "websocket.close" else None

    async def nothing_more(self) -> bool:
        return await self.communicator.receive_nothing(timeout=0.2)

    async def close(self) -> None:
        await self.communicator.disconnect()


async def open_socket(
    user, session_id, *, json_mode: bool = True, origin: str = "http://testserver"
) -> Socket:
    """Connect as `user` (None: anonymous)."""
    headers = [(b"origin", origin.encode())]
    if user is not None:
        cookie = await asyncio.to_thread(session_cookie, user)
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(
        application,
        f"/ws/sessions/{session_id}/",
        headers=headers,
        subprotocols=["rapport.v1.json"] if json_mode else None,
    )
    connected, _ = await communicator.connect()
    assert connected, "the server accepts first, then closes with a reason"
    return Socket(communicator, json_mode)


def student_frame(content: str, client_msg_id: str) -> dict:
    return {"type": "student_message", "content": content, "client_msg_id": client_msg_id}


def error_events_handler() -> DatabaseHandler:
    """The handler that writes the conversations logger's errors as ErrorEvents (flush() it)."""
    return next(
        h for h in logging.getLogger("conversations").handlers if isinstance(h, DatabaseHandler)
    )


async def wait_for_replies() -> None:
    """Let the reply tasks running in this process finish (they outlive the socket), and the
    model coders beside them."""
    await asyncio.gather(*list(stream._running.values()), return_exceptions=True)
    await asyncio.gather(*list(coding.running_coders), return_exceptions=True)


async def aclose_providers() -> None:
    """Close the running event loop's connections to the API before the loop goes."""
    for provider in list(llm._anthropic_providers.values()):
        await provider.aclose()
