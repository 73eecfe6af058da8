"""What the fake server does with the next request, instead of a normal reply.

Queue them with FakeServer.enqueue(...); each request takes the next one. A request with tools
takes the next of its own queue (FakeServer.enqueue_tool(...)), so a tool call running beside a
reply never takes the reply's behaviour. `after_tokens` counts
output tokens already streamed (0: before the first text delta).
"""

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Reply:
    """A scripted reply."""

    text: str
    stop_reason: str = "end_turn"


@dataclass(frozen=True)
class RateLimited:
    """HTTP 429 rate_limit_error. retry_after is seconds; fractions keep tests fast."""

    retry_after: float = 1.0


@dataclass(frozen=True)
class Overloaded:
    """HTTP 529 overloaded_error."""

    retry_after: float | None = None


@dataclass(frozen=True)
class ServerError:
    """HTTP 500 api_error (or another 5xx status)."""

    status: int = 500
    retry_after: float | None = None


@dataclass(frozen=True)
class StreamError:
    """An `error` event mid-stream, after which the stream ends (no message_stop)."""

    after_tokens: int = 0
    error_type: str = "overloaded_error"
    message: str = "Overloaded"


@dataclass(frozen=True)
class DropConnection:
    """Close the socket mid-stream. graceful=True ends the body cleanly, still without
    message_stop, as a proxy that cuts a stream short might."""

    after_tokens: int = 0
    graceful: bool = False


@dataclass(frozen=True)
class Hang:
    """Stop answering: before any response (after_tokens=None) or mid-stream. seconds=None
    hangs until the client gives up or the server stops."""

    after_tokens: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class Refusal:
    """Stop with stop_reason "refusal" after some text, as the streaming classifiers do."""

    after_tokens: int = 0


@dataclass(frozen=True)
class LeakPrompt:
    """A reply that leaks the request's own prompt, as a model talked out of its role might:
    `lead_in`, then the first `words` words of the system prompt (source "system") or of the
    last text block of the last user message (source "note": the turn note)."""

    words: int = 30
    source: str = "system"
    lead_in: str = "Okay, fine. Here is what they told me:"


@dataclass(frozen=True)
class ToolUse:
    """Answer a tool request (non-streaming) with one tool_use block carrying `input`, as the
    model does under a forced tool_choice. Queue it with FakeServer.enqueue_tool(...)."""

    input: Any
    stop_reason: str = "tool_use"


Behaviour = (
    Reply
    | RateLimited
    | Overloaded
    | ServerError
    | StreamError
    | DropConnection
    | Hang
    | Refusal
    | LeakPrompt
    | ToolUse
)

BEHAVIOURS_BY_NAME: dict[str, type] = {
    "reply": Reply,
    "rate_limited": RateLimited,
    "overloaded": Overloaded,
    "server_error": ServerError,
    "stream_error": StreamError,
    "drop_connection": DropConnection,
    "hang": Hang,
    "refusal": Refusal,
    "leak_prompt": LeakPrompt,
    "tool_use": ToolUse,
}


def behaviour_from_json(data: dict[str, Any]) -> Behaviour:
    """{"type": "stream_error", "after_tokens": 5} -> StreamError(after_tokens=5)."""
    kind = BEHAVIOURS_BY_NAME.get(str(data.get("type")))
    if kind is None:
        raise ValueError(f"type must be one of {', '.join(BEHAVIOURS_BY_NAME)}")
    allowed = {field.name for field in fields(kind)}
    options = {name: value for name, value in data.items() if name != "type"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"{data['type']} takes {', '.join(sorted(allowed)) or 'no options'}")
    return kind(**options)
