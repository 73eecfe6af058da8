"""A local stand-in for the Anthropic Messages API, speaking its wire protocol.

It runs an asyncio server on its own event loop in a background thread, so sync tests, async
tests (each on their own loop) and a daphne subprocess can all talk to it, and a few hundred
streams at once cost little. See docs/llm.md for usage.
"""

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from conversations.llm.pricing import min_cacheable_tokens as published_min_cacheable_tokens
from fakeapi.behaviours import (
    Behaviour,
    DropConnection,
    Hang,
    LeakPrompt,
    Overloaded,
    RateLimited,
    Refusal,
    Reply,
    ServerError,
    StreamError,
    ToolUse,
    behaviour_from_json,
)
from fakeapi.cache import CacheUsage, PromptCache
from fakeapi.http11 import BadHttpRequest, ChunkedStream, HttpRequest, read_request, send_json
from fakeapi.prompt import count_tokens, prompt_blocks
from fakeapi.replies import default_reply, leaked_prompt, word_pieces
from fakeapi.validation import request_problem

SECRET_HEADERS = frozenset({"x-api-key", "authorization"})
STATUS_OF_ERROR_TYPE = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "not_found_error": 404,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}
REFUSAL_DETAILS = {"type": "refusal", "category": None, "explanation": None}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names; x-api-key and authorization removed
    body: Any  # the parsed JSON, or None when the body was not JSON


class FakeClock:
    """A clock that moves only when told: FakeServer(clock=clock); clock.advance(301)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class _Plan:
    """Everything decided about one reply before its first byte is sent."""

    model: str
    message_id: str
    request_id: str
    pieces: list[str]
    stop_reason: str
    cache: CacheUsage
    behaviour: Behaviour | None

    @property
    def strike_at(self) -> int | None:
        """Output tokens streamed before the queued fault strikes, if it strikes mid-reply."""
        if isinstance(self.behaviour, StreamError | DropConnection | Refusal | Hang):
            return self.behaviour.after_tokens  # None for a Hang before the response
        return None


class _ConnectionDone(Exception):
    """The reply ended in a way that leaves the connection unusable."""


class FakeServer:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        first_token_ms: float = 0,
        tokens_per_second: float | None = None,
        min_cacheable_tokens: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        api_key: str | None = None,
        reply: Callable[[dict[str, Any]], str] = default_reply,
    ) -> None:
        """min_cacheable_tokens=None uses the model's published minimum (pricing.py);
        api_key=None accepts any key, but some key is always required."""
        self.host = host
        self.port = port
        self.first_token_ms = first_token_ms
        self.tokens_per_second = tokens_per_second
        self.min_cacheable_tokens = min_cacheable_tokens
        self.api_key = api_key
        self.reply = reply
        self.cache = PromptCache(clock)
        self._queue: deque[Behaviour] = deque()
        self._tool_queue: deque[Behaviour] = deque()
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task] = set()

    # --- Lifecycle ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "FakeServer":
        if self._thread is not None:
            raise RuntimeError("This FakeServer is already running.")
        ready = threading.Event()
        failures: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, failures), name="fakeapi", daemon=True
        )
        self._thread.start()
        ready.wait()
        if failures:
            self._thread.join()
            self._thread = None
            raise failures[0]
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._loop = self._thread = None

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, ready: threading.Event, failures: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._open())
        except OSError as error:
            failures.append(error)
            loop.close()
            ready.set()
            return
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _open(self) -> None:
        # The default backlog (100) would refuse connections in a 200-session load test.
        self._server = await asyncio.start_server(
            self._serve_connection, self.host, self.port, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        assert self._server is not None
        self._server.close()
        tasks = list(self._connections)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()

    # --- Scripting and inspection (any thread) --------------------------------------------------

    def enqueue(self, *behaviours: Behaviour, times: int = 1) -> None:
        """The next requests get these behaviours in order (all of them `times` over)."""
        with self._lock:
            for _ in range(times):
                self._queue.extend(behaviours)

    def enqueue_tool(self, *behaviours: Behaviour, times: int = 1) -> None:
        """The next requests with tools get these (a ToolUse, or a fault), in order."""
        with self._lock:
            for _ in range(times):
                self._tool_queue.extend(behaviours)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def queued(self) -> int:
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Forget queued behaviours, recorded requests and the cache."""
        with self._lock:
            self._queue.clear()
            self._tool_queue.clear()
            self._requests.clear()
        self.cache.clear()

    def _next_behaviour(self, body: dict[str, Any]) -> Behaviour | None:
        with self._lock:
            queue = self._tool_queue if body.get("tools") else self._queue
            return queue.popleft() if queue else None

    def _record(self, request: HttpRequest, body: Any) -> None:
        headers = {k: v for k, v in request.headers.items() if k not in SECRET_HEADERS}
        with self._lock:
            self._requests.append(RecordedRequest(request.method, request.path, headers, body))

    # --- Serving --------------------------------------------------------------------------------

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                try:
                    request = await read_request(reader)
                except BadHttpRequest as error:
                    body = _error_body("invalid_request_error", str(error), "req_fake_0")
                    await send_json(writer, error.status, body, {}, keep_alive=False)
                    break
                if request is None:
                    break
                await self._respond(request, writer)
                if not request.keep_alive:
                    break
        except (_ConnectionDone, ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # the client went away, or a fault closed the connection on purpose
        except asyncio.CancelledError:
            # Only stop() cancels a connection, and the server is going away. Python 3.11's
            # stream server logs an error for a callback task that ends cancelled.
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    async def _respond(self, request: HttpRequest, writer: asyncio.StreamWriter) -> None:
        if request.path.startswith("/_fake/"):
            await self._control(request, writer)
            return
        body = _json_or_none(request.body)
        self._record(request, body)
        request_id = f"req_fake_{next(self._ids):06d}"
        status, error_type, message = self._rejection_of(request, body)
        if status:
            payload = _error_body(error_type, message, request_id)
            headers = {"request-id": request_id}
            await send_json(writer, status, payload, headers, keep_alive=request.keep_alive)
            return
        await self._answer(body, request_id, writer, keep_alive=request.keep_alive)

    def _rejection_of(self, request: HttpRequest, body: Any) -> tuple[int, str, str]:
        """(status, error type, message) when the API would refuse the request, else (0, ...)."""
        if request.path != "/v1/messages":
            return 404, "not_found_error", f"Not found: {request.path}"
        if request.method != "POST":
            return 405, "invalid_request_error", "Method not allowed; use POST."
        key = request.headers.get("x-api-key") or _bearer(request.headers)
        if not key:
            return 401, "authentication_error", "x-api-key header is required"
        if self.api_key is not None and key != self.api_key:
            return 401, "authentication_error", "invalid x-api-key"
        if not request.headers.get("anthropic-version"):
            return 400, "invalid_request_error", "anthropic-version: header is required"
        if body is None:
            return 400, "invalid_request_error", "There was an error parsing the JSON body."
        problem = request_problem(body)
        if problem:
            return 400, "invalid_request_error", problem
        return 0, "", ""

    async def _answer(
        self,
        body: dict[str, Any],
        request_id: str,
        writer: asyncio.StreamWriter,
        *,
        keep_alive: bool,
    ) -> None:
        behaviour = self._next_behaviour(body)
        failure = _http_failure(behaviour)
        if failure:
            status, error_type, message, retry_after = failure
            headers = {"request-id": request_id}
            if retry_after is not None:
                headers["retry-after"] = f"{retry_after:g}"
            payload = _error_body(error_type, message, request_id)
            await send_json(writer, status, payload, headers, keep_alive=keep_alive)
            return
        if isinstance(behaviour, Hang) and behaviour.after_tokens is None:
            await _hang(behaviour.seconds)
        plan = self._plan(body, request_id, behaviour)
        if body.get("tools"):
            await self._send_tool_use(plan, body, writer, keep_alive=keep_alive)
        elif body.get("stream"):
            await self._stream(plan, writer)
        else:
            await self._send_message(plan, writer, keep_alive=keep_alive)

    def _plan(self, body: dict[str, Any], request_id: str, behaviour: Behaviour | None) -> _Plan:
        model = body["model"]
        minimum = self.min_cacheable_tokens
        if minimum is None:
            minimum = published_min_cacheable_tokens(model)
        cache = self.cache.account(prompt_blocks(body), min_cacheable_tokens=minimum)
        if isinstance(behaviour, Reply):
            text, stop_reason = behaviour.text, behaviour.stop_reason
        elif isinstance(behaviour, LeakPrompt):
            text, stop_reason = (
                leaked_prompt(
                    body,
                    words=behaviour.words,
                    source=behaviour.source,
                    lead_in=behaviour.lead_in,
                ),
                "end_turn",
            )
        else:
            text, stop_reason = self.reply(body), "end_turn"
        pieces, cut_short = _fit(word_pieces(text), body["max_tokens"])
        return _Plan(
            model=model,
            message_id=f"msg_fake_{request_id.rsplit('_', 1)[-1]}",
            request_id=request_id,
            pieces=pieces,
            stop_reason="max_tokens" if cut_short else stop_reason,
            cache=cache,
            behaviour=behaviour,
        )

    async def _stream(self, plan: _Plan, writer: asyncio.StreamWriter) -> None:
        stream = ChunkedStream(writer)
        await stream.start(
            200,
            {
                "content-type": "text/event-stream; charset=utf-8",
                "cache-control": "no-cache",
                "request-id": plan.request_id,
            },
        )
        await self._pause(self.first_token_ms / 1000)
        await _event(stream, "message_start", _message_start(plan))
        await _event(
            stream,
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        )
        await _event(stream, "ping", {"type": "ping"})
        sent_tokens = 0
        stop_reason = plan.stop_reason
        struck = False
        # None marks the end of the reply, where a fault set beyond its length strikes.
        for piece in [*plan.pieces, None]:
            if not struck and plan.strike_at is not None and sent_tokens >= plan.strike_at:
                struck = True
                if isinstance(plan.behaviour, Refusal):
                    stop_reason = "refusal"
                    break
                if not await self._strike_mid_stream(plan, stream, writer):
                    return
            if piece is None:
                break
            if sent_tokens:
                await self._pace(count_tokens(piece))
            delta = {"type": "text_delta", "text": piece}
            await _event(
                stream,
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": delta},
            )
            sent_tokens += count_tokens(piece)
        await _event(stream, "content_block_stop", {"type": "content_block_stop", "index": 0})
        await _event(stream, "message_delta", _message_delta(plan, stop_reason, sent_tokens))
        await _event(stream, "message_stop", {"type": "message_stop"})
        await stream.finish()

    async def _strike_mid_stream(
        self, plan: _Plan, stream: ChunkedStream, writer: asyncio.StreamWriter
    ) -> bool:
        """Carry out the queued fault; False when the reply ends here."""
        behaviour = plan.behaviour
        if isinstance(behaviour, StreamError):
            error = {
                "type": "error",
                "error": {"type": behaviour.error_type, "message": behaviour.message},
            }
            await _event(stream, "error", error)
            await stream.finish()
            return False
        if isinstance(behaviour, DropConnection):
            if behaviour.graceful:
                await stream.finish()
                return False
            writer.transport.abort()
            raise _ConnectionDone
        if isinstance(behaviour, Hang):
            await _hang(behaviour.seconds)
        return True

    async def _send_message(
        self, plan: _Plan, writer: asyncio.StreamWriter, *, keep_alive: bool
    ) -> None:
        pieces, stop_reason = plan.pieces, plan.stop_reason
        output_tokens = sum(count_tokens(piece) for piece in pieces)
        await self._pause(self.first_token_ms / 1000)
        await self._pace(output_tokens)
        behaviour = plan.behaviour
        headers = {"request-id": plan.request_id}
        if isinstance(behaviour, StreamError):
            status = STATUS_OF_ERROR_TYPE.get(behaviour.error_type, 500)
            payload = _error_body(behaviour.error_type, behaviour.message, plan.request_id)
            await send_json(writer, status, payload, headers, keep_alive=keep_alive)
            return
        if isinstance(behaviour, DropConnection):
            writer.transport.abort()
            raise _ConnectionDone
        if isinstance(behaviour, Hang):
            await _hang(behaviour.seconds)
        if isinstance(behaviour, Refusal):
            pieces = _streamed_before(pieces, behaviour.after_tokens)
            stop_reason = "refusal"
        message = {
            **_message_start(plan)["message"],
            "content": [{"type": "text", "text": "".join(pieces)}],
            "stop_reason": stop_reason,
            "stop_details": REFUSAL_DETAILS if stop_reason == "refusal" else None,
            "usage": _usage(plan.cache, sum(count_tokens(piece) for piece in pieces)),
        }
        await send_json(writer, 200, message, headers, keep_alive=keep_alive)

    async def _send_tool_use(
        self, plan: _Plan, body: dict[str, Any], writer: asyncio.StreamWriter, *, keep_alive: bool
    ) -> None:
        """One tool_use block for the chosen tool: the queued ToolUse's input, or one made from
        the tool's schema (the first allowed value of each required field)."""
        tool = _chosen_tool(body)
        behaviour = plan.behaviour
        if isinstance(behaviour, ToolUse):
            tool_input, stop_reason = behaviour.input, behaviour.stop_reason
        else:
            tool_input, stop_reason = _input_from_schema(tool.get("input_schema", {})), "tool_use"
        output_tokens = count_tokens(json.dumps(tool_input))
        await self._pause(self.first_token_ms / 1000)
        await self._pace(output_tokens)
        block = {
            "type": "tool_use",
            "id": f"toolu_fake_{plan.request_id.rsplit('_', 1)[-1]}",
            "name": tool["name"],
            "input": tool_input,
        }
        message = {
            **_message_start(plan)["message"],
            "content": [block],
            "stop_reason": stop_reason,
            "usage": _usage(plan.cache, output_tokens),
        }
        headers = {"request-id": plan.request_id}
        await send_json(writer, 200, message, headers, keep_alive=keep_alive)

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)

    async def _pace(self, tokens: int) -> None:
        """Wait as long as generating `tokens` takes at the configured speed."""
        if self.tokens_per_second:
            await self._pause(tokens / self.tokens_per_second)

    # --- Control endpoints, for a server in another process -------------------------------------

    async def _control(self, request: HttpRequest, writer: asyncio.StreamWriter) -> None:
        """POST /_fake/behaviours {"behaviours": [{"type": "overloaded"}], "times": 1} (with
        "queue": "tools" for requests with tools),
        GET /_fake/requests, POST /_fake/reset."""
        keep_alive = request.keep_alive
        if request.method == "POST" and request.path == "/_fake/behaviours":
            data = _json_or_none(request.body) or {}
            try:
                behaviours = [behaviour_from_json(item) for item in data.get("behaviours", [])]
            except (ValueError, TypeError, AttributeError) as error:
                await send_json(writer, 400, {"error": str(error)}, {}, keep_alive=keep_alive)
                return
            enqueue = self.enqueue_tool if data.get("queue") == "tools" else self.enqueue
            enqueue(*behaviours, times=int(data.get("times", 1)))
            await send_json(writer, 200, {"queued": self.queued}, {}, keep_alive=keep_alive)
        elif request.method == "GET" and request.path == "/_fake/requests":
            recorded = [asdict(record) for record in self.requests]
            await send_json(writer, 200, {"requests": recorded}, {}, keep_alive=keep_alive)
        elif request.method == "POST" and request.path == "/_fake/reset":
            self.reset()
            await send_json(writer, 200, {"reset": True}, {}, keep_alive=keep_alive)
        else:
            await send_json(writer, 404, {"error": "no such control"}, {}, keep_alive=keep_alive)


def _chosen_tool(body: dict[str, Any]) -> dict[str, Any]:
    """The tool tool_choice names, else the first (validation made sure it exists)."""
    choice = body.get("tool_choice") or {}
    for tool in body["tools"]:
        if tool.get("name") == choice.get("name"):
            return tool
    return body["tools"][0]


def _input_from_schema(schema: dict[str, Any]) -> Any:
    """A small valid value for a JSON schema: enums give their first value, arrays one item."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: _input_from_schema(properties.get(name, {}))
            for name in schema.get("required", [])
        }
    if kind == "array":
        return [_input_from_schema(schema.get("items", {}))]
    return {"string": "text", "integer": 1, "number": 1, "boolean": True}.get(kind)


def _http_failure(behaviour: Behaviour | None) -> tuple[int, str, str, float | None] | None:
    if isinstance(behaviour, RateLimited):
        message = "Number of request tokens has exceeded your per-minute rate limit"
        return 429, "rate_limit_error", message, behaviour.retry_after
    if isinstance(behaviour, Overloaded):
        return 529, "overloaded_error", "Overloaded", behaviour.retry_after
    if isinstance(behaviour, ServerError):
        return behaviour.status, "api_error", "Internal server error", behaviour.retry_after
    return None


async def _hang(seconds: float | None) -> None:
    if seconds is None:
        await asyncio.get_running_loop().create_future()  # never done; stop() cancels it
    else:
        await asyncio.sleep(seconds)


async def _event(stream: ChunkedStream, name: str, data: dict[str, Any]) -> None:
    await stream.send(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())


def _fit(pieces: list[str], max_tokens: int) -> tuple[list[str], bool]:
    """The pieces that fit in max_tokens, and whether any were cut."""
    kept: list[str] = []
    total = 0
    for piece in pieces:
        total += count_tokens(piece)
        if total > max_tokens:
            break
        kept.append(piece)
    return kept, len(kept) < len(pieces)


def _streamed_before(pieces: list[str], strike_at: int) -> list[str]:
    """The pieces a stream sends before a fault set at `strike_at` tokens strikes."""
    kept: list[str] = []
    total = 0
    for piece in pieces:
        if total >= strike_at:
            break
        kept.append(piece)
        total += count_tokens(piece)
    return kept


def _usage(cache: CacheUsage, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": cache.input_tokens,
        "cache_creation_input_tokens": cache.cache_write_tokens,
        "cache_read_input_tokens": cache.cache_read_tokens,
        "cache_creation": {
            "ephemeral_5m_input_tokens": cache.cache_write_5m_tokens,
            "ephemeral_1h_input_tokens": cache.cache_write_1h_tokens,
        },
        # The API never reports zero output tokens, even for an empty reply.
        "output_tokens": max(output_tokens, 1),
        "service_tier": "standard",
    }


def _message_start(plan: _Plan) -> dict[str, Any]:
    return {
        "type": "message_start",
        "message": {
            "id": plan.message_id,
            "type": "message",
            "role": "assistant",
            "model": plan.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": _usage(plan.cache, 1),
        },
    }


def _message_delta(plan: _Plan, stop_reason: str, output_tokens: int) -> dict[str, Any]:
    # Counts in message_delta are cumulative for the whole message.
    usage = {
        "input_tokens": plan.cache.input_tokens,
        "cache_creation_input_tokens": plan.cache.cache_write_tokens,
        "cache_read_input_tokens": plan.cache.cache_read_tokens,
        "output_tokens": max(output_tokens, 1),
    }
    return {
        "type": "message_delta",
        "delta": {
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "stop_details": REFUSAL_DETAILS if stop_reason == "refusal" else None,
        },
        "usage": usage,
    }


def _error_body(error_type: str, message: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": request_id,
    }


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _bearer(headers: dict[str, str]) -> str:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
