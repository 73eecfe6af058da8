"""Just enough HTTP/1.1 for the SDK, curl and a load test: keep-alive, Content-Length request
bodies, JSON responses and chunked event streams."""

import asyncio
import json
from dataclasses import dataclass
from typing import Any

MAX_HEADER_LINES = 100
MAX_BODY_BYTES = 32 * 1024 * 1024
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    529: "Site Overloaded",
}


class BadHttpRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        return self.headers.get("connection", "").lower() != "close"


async def read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    """The next request on the connection, or None when the client has closed it."""
    request_line = await reader.readline()
    if not request_line.strip():
        return None
    parts = request_line.decode("latin-1").split()
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadHttpRequest("malformed request line")
    headers = await _read_headers(reader)
    if "transfer-encoding" in headers:
        raise BadHttpRequest("send the body with Content-Length", status=411)
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise BadHttpRequest("bad Content-Length") from None
    if length < 0 or length > MAX_BODY_BYTES:
        raise BadHttpRequest("body too large", status=413)
    body = await reader.readexactly(length) if length else b""
    return HttpRequest(parts[0].upper(), parts[1], headers, body)


async def _read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        line = await reader.readline()
        if not line:
            raise BadHttpRequest("connection closed inside the headers")
        if line in (b"\r\n", b"\n"):
            return headers
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise BadHttpRequest("malformed header line")
        headers[name.strip().lower()] = value.strip()
    raise BadHttpRequest("too many headers")


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send_json(
    writer: asyncio.StreamWriter,
    status: int,
    payload: Any,
    headers: dict[str, str],
    *,
    keep_alive: bool,
) -> None:
    body = json.dumps(payload).encode()
    head = {
        "content-type": "application/json",
        "content-length": str(len(body)),
        "connection": "keep-alive" if keep_alive else "close",
        **headers,
    }
    writer.write(_head(status, head) + body)
    await writer.drain()


class ChunkedStream:
    """A response body sent in chunks; finish() sends the terminating empty chunk."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    async def start(self, status: int, headers: dict[str, str]) -> None:
        head = {"transfer-encoding": "chunked", "connection": "keep-alive", **headers}
        self._writer.write(_head(status, head))
        await self._writer.drain()

    async def send(self, data: bytes) -> None:
        self._writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        await self._writer.drain()

    async def finish(self) -> None:
        self._writer.write(b"0\r\n\r\n")
        await self._writer.drain()
