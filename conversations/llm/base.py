"""The provider interface: stream a client reply as text deltas, then report usage.

Providers know nothing of Django models; the engine (conversations/engine/) builds an LLMRequest
from a session and turns these events into stored messages and socket events.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Usage:
    """Token counts as the Messages API reports them (input excludes cached tokens)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    @property
    def total(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_write_tokens
            + self.cache_read_tokens
        )


@dataclass(frozen=True)
class LLMRequest:
    """What to send. `metadata` is for providers, never sent to the model as text.

    Keys the providers read:
    - "client_name", "communication_style", "presenting_problem": from the session's client
      card, so the offline demo provider can answer in character.
    - "user_id": an opaque id (no name, no email), forwarded as the Messages API's
      metadata.user_id. All other keys stay in the process.
    """

    model: str
    system: list[dict[str, Any]]  # text blocks, cache_control where the engine wants a breakpoint
    messages: list[dict[str, Any]]  # Messages API params: user first, alternating, user last
    max_tokens: int
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class StreamEnd:
    usage: Usage
    stop_reason: str | None  # "end_turn", "max_tokens", "refusal", ...


StreamEvent = TextDelta | StreamEnd


class ProviderError(Exception):
    """A failed call. `kind` is a short stable name for monitoring (e.g. "overloaded")."""

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        retryable: bool,
        status_code: int | None = None,
        usage: Usage | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retryable = retryable
        self.status_code = status_code
        self.usage = usage or Usage()


@dataclass(frozen=True)
class CodingRequest:
    """One student turn to code with behaviour codes, through one forced tool call.

    The caller builds the words (system prompt, the turn, the tool's schema); a provider only
    sends them. `tool` is a Messages API tool definition: {name, description, input_schema}.
    """

    model: str
    system: list[dict[str, Any]]  # text blocks: the stable code definitions, cacheable
    messages: list[dict[str, Any]]  # one user turn: the client's last line and the student's turn
    tool: dict[str, Any]
    max_tokens: int
    metadata: dict[str, str] = field(default_factory=dict)  # "user_id" only, as in LLMRequest


@dataclass(frozen=True)
class CodingResult:
    """What the model put in the tool call, unchecked (the caller validates it), and its cost."""

    codes: Any  # the tool input's "codes", as sent: maybe not a list, maybe unknown codes
    usage: Usage


class Provider(Protocol):
    name: str
    is_demo: bool  # replies are the offline stand-in's, not a model's (conversations.llm asks)

    def stream(self, request: LLMRequest) -> AsyncIterator[StreamEvent]:
        """Yield TextDelta events, then exactly one StreamEnd; raise ProviderError on failure."""
        ...


class CodingProvider(Protocol):
    """A provider that can also code a turn (optional: the engine asks with getattr)."""

    async def code_turn(self, request: CodingRequest) -> CodingResult | None:
        """The model's codes for the turn; None when there is no model to ask (the demo).

        Raise ProviderError on failure. Never streams."""
        ...
