"""A local fake of the Anthropic Messages API for integration tests and benchmarks.

with FakeServer() as server:
    settings.ANTHROPIC_BASE_URL = server.base_url
    server.enqueue(Overloaded())
    ...
    assert server.requests[0].body["model"] == "claude-haiku-5-5"
"""

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
)
from fakeapi.prompt import count_tokens
from fakeapi.server import FakeClock, FakeServer, RecordedRequest

__all__ = [
    "Behaviour",
    "DropConnection",
    "FakeClock",
    "FakeServer",
    "Hang",
    "LeakPrompt",
    "Overloaded",
    "RateLimited",
    "RecordedRequest",
    "Refusal",
    "Reply",
    "ServerError",
    "StreamError",
    "ToolUse",
    "count_tokens",
]
