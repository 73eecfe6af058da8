"""Claude through the Messages API, streamed with the official SDK.

Rules for the current models: no temperature or other sampling parameters, no assistant prefill
(the request must end with the student's turn), no extended thinking. A refusal is not an error:
it ends the stream with stop_reason "refusal" and the engine decides what the student sees.

Retries: the SDK retries connection errors, 408/409/429 and 5xx itself (settings.LLM_MAX_RETRIES)
before any event arrives. Nothing here retries; a failure after the stream started is raised as
a ProviderError and the engine retries that once.

Error kinds (ProviderError.kind), stable for monitoring:
rate_limited (429), overloaded (529), server_error (other 5xx), bad_request (400 and other 4xx),
auth (401/403), connection, timeout, stream_error (an `error` event mid-stream), incomplete (the
stream broke or ended without message_stop), unknown.
"""

import asyncio
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import anthropic
import httpx2
from django.conf import settings

from conversations.llm.base import (
    CodingRequest,
    CodingResult,
    LLMRequest,
    ProviderError,
    StreamEnd,
    StreamEvent,
    TextDelta,
    Usage,
)
from conversations.llm.tokens import tokens_in_chars

# Error types the API sends in an `error` event that are worth one more attempt.
RETRYABLE_STREAM_ERROR_TYPES = frozenset(
    {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}
)


@dataclass(frozen=True)
class AnthropicConfig:
    api_key: str
    base_url: str | None
    max_retries: int
    timeout_seconds: float

    @classmethod
    def from_settings(cls) -> "AnthropicConfig":
        return cls(
            api_key=settings.ANTHROPIC_API_KEY,
            base_url=settings.ANTHROPIC_BASE_URL or None,
            max_retries=settings.LLM_MAX_RETRIES,
            timeout_seconds=float(settings.LLM_TIMEOUT_SECONDS),
        )

    def __repr__(self) -> str:
        # The key must never reach a log line or a traceback.
        return (
            f"AnthropicConfig(api_key='***', base_url={self.base_url!r}, "
            f"max_retries={self.max_retries}, timeout_seconds={self.timeout_seconds})"
        )


@dataclass
class _StreamProgress:
    usage: Usage = field(default_factory=Usage)
    stop_reason: str | None = None
    text_chars: int = 0
    started: bool = False
    stopped: bool = False

    def usage_so_far(self) -> Usage:
        # Until message_delta the API has reported only a placeholder output count; the text
        # already received was generated and billed, so count it (estimated) rather than drop it.
        estimated_output = tokens_in_chars(self.text_chars)
        return replace(self.usage, output_tokens=max(self.usage.output_tokens, estimated_output))


class AnthropicProvider:
    name = "anthropic"
    is_demo = False

    def __init__(self, config: AnthropicConfig) -> None:
        self.config = config
        # An AsyncAnthropic's connection pool belongs to the event loop that first used it, and
        # tests (and sync_to_async callers) run several loops in one process: one client per loop.
        self._clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, anthropic.AsyncAnthropic
        ] = weakref.WeakKeyDictionary()

    @classmethod
    def from_settings(cls) -> "AnthropicProvider":
        return cls(AnthropicConfig.from_settings())

    def _client(self) -> anthropic.AsyncAnthropic:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = anthropic.AsyncAnthropic(
                api_key=self.config.api_key,
                base_url=self.config.base_url,
                max_retries=self.config.max_retries,
                timeout=self.config.timeout_seconds,
                # The SDK's own HTTP client, once garbage collected unclosed, schedules its
                # close on whatever loop is running then: another loop's, which fails loudly.
                http_client=anthropic.DefaultAsyncHttpxClient(timeout=self.config.timeout_seconds),
            )
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        """Close this event loop's connections (others close when their loop goes away)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.close()

    async def stream(self, request: LLMRequest) -> AsyncIterator[StreamEvent]:
        _refuse_prefill(request)
        progress = _StreamProgress()
        try:
            # The raw event stream: `messages.stream()` would also rebuild a snapshot of the
            # whole message on every event, work this provider never reads.
            stream = await self._client().messages.create(
                **_message_arguments(request), stream=True
            )
            async with stream:
                async for event in stream:
                    delta = _apply_event(event, progress)
                    if delta:
                        yield TextDelta(delta)
        except anthropic.AnthropicError as error:
            raise _error_from_sdk(error, progress) from error
        except httpx2.TimeoutException as error:
            raise _mid_stream_error("timeout", "The reply stalled.", progress) from error
        except httpx2.TransportError as error:
            raise _mid_stream_error("incomplete", "The reply was cut off.", progress) from error
        if not progress.stopped:
            raise _mid_stream_error("incomplete", "The reply ended early.", progress)
        yield StreamEnd(usage=progress.usage, stop_reason=progress.stop_reason)

    async def code_turn(self, request: CodingRequest) -> CodingResult:
        """One non-streaming call that must answer through the request's tool (tool_choice)."""
        try:
            message = await self._client().messages.create(**_coding_arguments(request))
        except anthropic.AnthropicError as error:
            raise _error_from_sdk(error, _StreamProgress()) from error
        except httpx2.TransportError as error:
            raise ProviderError(
                "Could not reach the model.", kind="connection", retryable=True
            ) from error
        return CodingResult(
            codes=_tool_input(message.content, request.tool["name"]).get("codes"),
            usage=_usage_from(message.usage, Usage()),
        )


def _coding_arguments(request: CodingRequest) -> dict[str, Any]:
    return _message_arguments(request) | {
        "tools": [request.tool],
        "tool_choice": {"type": "tool", "name": request.tool["name"]},
    }


def _tool_input(content: list[Any], tool_name: str) -> dict[str, Any]:
    """The input of the first call of `tool_name`; empty when the model did not call it."""
    for block in content:
        if getattr(block, "type", None) == "tool_use" and block.name == tool_name:
            return block.input if isinstance(block.input, dict) else {}
    return {}


def _refuse_prefill(request: LLMRequest) -> None:
    if not request.messages or request.messages[-1].get("role") != "user":
        raise ProviderError(
            "The request must end with the student's turn (the models take no prefill).",
            kind="bad_request",
            retryable=False,
        )


def _message_arguments(request: LLMRequest | CodingRequest) -> dict[str, Any]:
    """The Messages API arguments a reply and a coding call share."""
    arguments: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens,
        "system": request.system,
        "messages": request.messages,
    }
    if request.metadata.get("user_id"):
        arguments["metadata"] = {"user_id": request.metadata["user_id"]}
    return arguments


def _apply_event(event: Any, progress: _StreamProgress) -> str:
    """Record what `event` says in `progress`; return its text, if it carries any."""
    if event.type == "message_start":
        progress.started = True
        progress.usage = _usage_from(event.message.usage, Usage())
    elif event.type == "content_block_delta" and event.delta.type == "text_delta":
        progress.text_chars += len(event.delta.text)
        return event.delta.text
    elif event.type == "message_delta":
        progress.stop_reason = event.delta.stop_reason
        progress.usage = _usage_from(event.usage, progress.usage)
    elif event.type == "message_stop":
        progress.stopped = True
    return ""


def _usage_from(reported: Any, previous: Usage) -> Usage:
    """Usage from message_start or message_delta: counts are cumulative, absent ones unchanged."""

    def count(field: str, fallback: int) -> int:
        value = getattr(reported, field, None)
        return fallback if value is None else value

    return Usage(
        input_tokens=count("input_tokens", previous.input_tokens),
        output_tokens=count("output_tokens", previous.output_tokens),
        cache_write_tokens=count("cache_creation_input_tokens", previous.cache_write_tokens),
        cache_read_tokens=count("cache_read_input_tokens", previous.cache_read_tokens),
    )


def _mid_stream_error(kind: str, message: str, progress: _StreamProgress) -> ProviderError:
    return ProviderError(message, kind=kind, retryable=True, usage=progress.usage_so_far())


def _error_from_sdk(error: anthropic.AnthropicError, progress: _StreamProgress) -> ProviderError:
    if isinstance(error, anthropic.APIStatusError):
        if progress.started:
            return _stream_error_event(error, progress)
        kind, retryable = _kind_of_status(error.status_code)
        return ProviderError(
            _status_message(error), kind=kind, retryable=retryable, status_code=error.status_code
        )
    if isinstance(error, anthropic.APITimeoutError):
        return ProviderError("The model did not answer in time.", kind="timeout", retryable=True)
    if isinstance(error, anthropic.APIConnectionError):
        return ProviderError("Could not reach the model.", kind="connection", retryable=True)
    return ProviderError(
        f"Unexpected error from the model client: {type(error).__name__}",
        kind="unknown",
        retryable=False,
        usage=progress.usage_so_far() if progress.started else None,
    )


def _stream_error_event(
    error: anthropic.APIStatusError, progress: _StreamProgress
) -> ProviderError:
    error_type = error.type or "unknown_error"
    return ProviderError(
        f"The model stopped mid-reply: {error_type}: {error.api_message or ''}".rstrip(": "),
        kind="stream_error",
        retryable=error_type in RETRYABLE_STREAM_ERROR_TYPES,
        usage=progress.usage_so_far(),
    )


def _kind_of_status(status: int) -> tuple[str, bool]:
    if status == 429:
        return "rate_limited", True
    if status == 529:
        return "overloaded", True
    if status >= 500:
        return "server_error", True
    if status in (401, 403):
        return "auth", False
    if status == 408:
        return "timeout", True
    return "bad_request", False


def _status_message(error: anthropic.APIStatusError) -> str:
    detail = error.api_message or "no detail"
    return f"The model API answered {error.status_code}: {detail}"
