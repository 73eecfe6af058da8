"""Plain HTTP against the fake, with the standard library, to check the wire format itself."""

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fakeapi import FakeServer

API_HEADERS = {
    "x-api-key": "sk-test-key",
    "anthropic-version": "2023-06-01",
    "content-type": "application/json",
}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        """The server-sent events, as (event name, data)."""
        parsed = []
        for chunk in self.body.decode().split("\n\n"):
            lines = dict(line.split(": ", 1) for line in chunk.splitlines() if ": " in line)
            if "event" in lines:
                parsed.append((lines["event"], json.loads(lines["data"])))
        return parsed


def call(
    server: FakeServer,
    body: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    path: str = "/v1/messages",
    timeout: float = 5,
) -> Answer:
    address = urlsplit(server.base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=payload, headers=API_HEADERS | (headers or {}))
        response = connection.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


def a_body(
    *turns: str,
    system: str = "You are Sam, a counseling client.",
    cache_system: bool = False,
    stream: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A valid request: turns alternate user/assistant, starting and ending with the user."""
    system_block: dict[str, Any] = {"type": "text", "text": system}
    if cache_system:
        system_block["cache_control"] = {"type": "ephemeral"}
    messages = [
        {"role": "user" if index % 2 == 0 else "assistant", "content": text}
        for index, text in enumerate(turns or ("Hello.",))
    ]
    return {
        "model": "claude-haiku-5-5",
        "max_tokens": 200,
        "system": [system_block],
        "messages": messages,
        "stream": stream,
        **extra,
    }
