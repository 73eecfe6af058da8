"""The real SDK, through AnthropicProvider, against the local fake of the Messages API."""

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from conversations.llm import get_provider
from conversations.llm.anthropic_provider import AnthropicConfig, AnthropicProvider
from conversations.llm.base import LLMRequest, ProviderError, StreamEnd, TextDelta
from conversations.llm.demo import DemoProvider
from conversations.tests.conftest import aclose_providers
from fakeapi import (
    DropConnection,
    FakeServer,
    Hang,
    Overloaded,
    RateLimited,
    Refusal,
    Reply,
    ServerError,
    StreamError,
)

API_KEY = "sk-ant-test-never-sent-anywhere-else"
# Long enough (≈2,800 fake tokens) to pass Haiku 5.5's assumed 2,048-token caching minimum.
LONG_SYSTEM_PROMPT = "You are Sam, a client in a counseling session; stay in character. " * 170
FAST_RETRY = 0.01


@pytest.fixture
def fake_api(settings) -> Iterator[FakeServer]:
    with FakeServer() as server:
        settings.ANTHROPIC_API_KEY = API_KEY
        settings.ANTHROPIC_BASE_URL = server.base_url
        settings.LLM_MODEL = "claude-haiku-5-5"
        settings.LLM_MAX_RETRIES = 2
        settings.LLM_TIMEOUT_SECONDS = 5
        yield server


@pytest.fixture(autouse=True)
async def close_connections() -> AsyncIterator[None]:
    yield
    await aclose_providers()


def a_request(
    *,
    messages: list[dict] | None = None,
    max_tokens: int = 300,
    metadata: dict[str, str] | None = None,
) -> LLMRequest:
    return LLMRequest(
        model="claude-haiku-5-5",
        system=[
            {"type": "text", "text": LONG_SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}
        ],
        messages=messages or [{"role": "user", "content": "Hi, what brings you in today?"}],
        max_tokens=max_tokens,
        metadata=metadata or {},
    )


async def collect(request: LLMRequest) -> tuple[str, StreamEnd]:
    text, ends = [], []
    async for event in get_provider().stream(request):
        if isinstance(event, TextDelta):
            assert not ends, "text arrived after the StreamEnd"
            text.append(event.text)
        else:
            ends.append(event)
    assert len(ends) == 1
    return "".join(text), ends[0]


async def collect_failure(request: LLMRequest) -> tuple[str, ProviderError]:
    text = []
    with pytest.raises(ProviderError) as raised:
        async for event in get_provider().stream(request):
            assert isinstance(event, TextDelta), "a failed stream must not end normally"
            text.append(event.text)
    return "".join(text), raised.value


async def test_it_streams_text_deltas_then_one_stream_end(fake_api):
    fake_api.enqueue(Reply("I don't know. It's been a hard week."))

    text, end = await collect(a_request())

    assert text == "I don't know. It's been a hard week."
    assert end.stop_reason == "end_turn"
    assert end.usage.output_tokens > 0


async def test_it_reports_a_cache_write_then_a_cache_read(fake_api):
    _, first = await collect(a_request())
    _, second = await collect(a_request())

    assert first.usage.cache_write_tokens > 2048
    assert first.usage.cache_read_tokens == 0
    assert second.usage.cache_read_tokens == first.usage.cache_write_tokens
    assert second.usage.cache_write_tokens == 0
    assert second.usage.input_tokens == first.usage.input_tokens > 0


async def test_it_sends_only_what_the_current_models_accept(fake_api):
    metadata = {"client_name": "Sam Reyes", "communication_style": "reserved", "user_id": "u-42"}

    await collect(a_request(metadata=metadata))

    body = fake_api.requests[0].body
    assert body["model"] == "claude-haiku-5-5"
    assert body["stream"] is True
    assert body["max_tokens"] == 300
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["messages"][-1]["role"] == "user"
    assert body["metadata"] == {"user_id": "u-42"}
    assert not {"temperature", "top_p", "top_k", "thinking"} & set(body)


async def test_it_never_records_or_sends_the_key_anywhere_but_its_header(fake_api):
    fake_api.api_key = API_KEY

    await collect(a_request())

    recorded = fake_api.requests[0]
    assert "x-api-key" not in recorded.headers
    assert API_KEY not in str(recorded.body)
    assert API_KEY not in repr(AnthropicConfig.from_settings())


async def test_the_sdk_retries_a_rate_limit_before_the_stream_starts(fake_api):
    fake_api.enqueue(RateLimited(retry_after=FAST_RETRY))

    text, end = await collect(a_request())

    assert text
    assert end.stop_reason == "end_turn"
    assert len(fake_api.requests) == 2
    assert fake_api.requests[1].headers["x-stainless-retry-count"] == "1"


async def test_it_reports_overloaded_when_529_outlasts_the_sdk_retries(fake_api):
    fake_api.enqueue(Overloaded(retry_after=FAST_RETRY), times=3)

    text, error = await collect_failure(a_request())

    assert text == ""
    assert (error.kind, error.status_code, error.retryable) == ("overloaded", 529, True)
    assert len(fake_api.requests) == 3  # the first try and LLM_MAX_RETRIES=2 more


async def test_it_reports_a_server_error_after_the_sdk_retries(fake_api, settings):
    settings.LLM_MAX_RETRIES = 1
    fake_api.enqueue(ServerError(retry_after=FAST_RETRY), times=2)

    _, error = await collect_failure(a_request())

    assert (error.kind, error.status_code, error.retryable) == ("server_error", 500, True)
    assert len(fake_api.requests) == 2


async def test_it_reports_rate_limited_when_429_outlasts_the_sdk_retries(fake_api, settings):
    settings.LLM_MAX_RETRIES = 0
    fake_api.enqueue(RateLimited(retry_after=FAST_RETRY))

    _, error = await collect_failure(a_request())

    assert (error.kind, error.status_code, error.retryable) == ("rate_limited", 429, True)


async def test_an_error_event_mid_stream_is_a_stream_error_with_the_usage_so_far(fake_api):
    fake_api.enqueue(StreamError(after_tokens=3, error_type="overloaded_error"))

    text, error = await collect_failure(a_request())

    assert text
    assert (error.kind, error.retryable) == ("stream_error", True)
    assert "overloaded_error" in str(error)
    assert error.usage.cache_write_tokens > 0
    assert error.usage.output_tokens >= 1
    assert len(fake_api.requests) == 1  # nothing retries once the stream has started


async def test_a_mid_stream_invalid_request_error_is_not_worth_retrying(fake_api):
    fake_api.enqueue(StreamError(after_tokens=1, error_type="invalid_request_error"))

    _, error = await collect_failure(a_request())

    assert (error.kind, error.retryable) == ("stream_error", False)


async def test_a_dropped_connection_mid_stream_is_incomplete_with_the_usage_so_far(fake_api):
    fake_api.enqueue(DropConnection(after_tokens=3))

    text, error = await collect_failure(a_request())

    assert text
    assert (error.kind, error.retryable) == ("incomplete", True)
    assert error.usage.input_tokens > 0
    assert error.usage.output_tokens >= 1


async def test_a_stream_that_ends_without_message_stop_is_incomplete(fake_api):
    fake_api.enqueue(DropConnection(after_tokens=3, graceful=True))

    _, error = await collect_failure(a_request())

    assert (error.kind, error.retryable) == ("incomplete", True)


async def test_a_refusal_ends_the_stream_with_its_stop_reason(fake_api):
    fake_api.enqueue(Refusal(after_tokens=2))

    text, end = await collect(a_request())

    assert end.stop_reason == "refusal"
    assert text  # what came before the refusal is still reported
    assert end.usage.output_tokens >= 1


async def test_a_reply_cut_by_max_tokens_says_so(fake_api):
    fake_api.enqueue(Reply("word " * 100))

    text, end = await collect(a_request(max_tokens=20))

    assert end.stop_reason == "max_tokens"
    assert end.usage.output_tokens <= 20
    assert len(text) < len("word " * 100)


async def test_turns_out_of_order_are_a_bad_request_that_is_not_retried(fake_api):
    messages = [
        {"role": "user", "content": "Hello."},
        {"role": "user", "content": "Are you there?"},
    ]

    _, error = await collect_failure(a_request(messages=messages))

    assert (error.kind, error.status_code, error.retryable) == ("bad_request", 400, False)
    assert "alternate" in str(error)
    assert len(fake_api.requests) == 1


async def test_it_refuses_an_assistant_prefill_without_calling_the_api(fake_api):
    messages = [
        {"role": "user", "content": "Hello."},
        {"role": "assistant", "content": "Well, I"},
    ]

    _, error = await collect_failure(a_request(messages=messages))

    assert (error.kind, error.retryable) == ("bad_request", False)
    assert fake_api.requests == []


async def test_a_wrong_key_is_an_auth_error_that_is_not_retried(fake_api):
    fake_api.api_key = "sk-ant-the-right-key"

    _, error = await collect_failure(a_request())

    assert (error.kind, error.status_code, error.retryable) == ("auth", 401, False)
    assert API_KEY not in str(error)
    assert len(fake_api.requests) == 1


async def test_a_server_that_never_answers_is_a_timeout(fake_api, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.3
    settings.LLM_MAX_RETRIES = 0
    fake_api.enqueue(Hang())

    _, error = await collect_failure(a_request())

    assert (error.kind, error.retryable) == ("timeout", True)


async def test_a_stream_that_stalls_is_a_timeout_with_the_usage_so_far(fake_api, settings):
    settings.LLM_TIMEOUT_SECONDS = 0.3
    fake_api.enqueue(Hang(after_tokens=2))

    text, error = await collect_failure(a_request())

    assert text
    assert (error.kind, error.retryable) == ("timeout", True)
    assert error.usage.input_tokens > 0


async def test_an_unreachable_api_is_a_connection_error(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.ANTHROPIC_API_KEY = API_KEY
    settings.ANTHROPIC_BASE_URL = f"http://127.0.0.1:{closed_port}"
    settings.LLM_MAX_RETRIES = 0

    _, error = await collect_failure(a_request())

    assert (error.kind, error.retryable) == ("connection", True)


def test_one_provider_serves_one_event_loop_after_another(fake_api):
    provider = AnthropicProvider.from_settings()

    async def one_reply() -> str:
        try:
            return "".join(
                [e.text async for e in provider.stream(a_request()) if isinstance(e, TextDelta)]
            )
        finally:
            await provider.aclose()

    assert asyncio.run(one_reply())
    assert asyncio.run(one_reply())


def test_get_provider_is_the_demo_without_a_key(settings):
    settings.ANTHROPIC_API_KEY = ""

    provider = get_provider()

    assert isinstance(provider, DemoProvider)
    assert provider.is_demo


def test_get_provider_is_claude_with_a_key_and_follows_the_settings(settings):
    settings.ANTHROPIC_API_KEY = API_KEY
    settings.ANTHROPIC_BASE_URL = "http://127.0.0.1:1"
    first = get_provider()
    assert isinstance(first, AnthropicProvider)
    assert not first.is_demo
    assert get_provider() is first

    settings.ANTHROPIC_BASE_URL = "http://127.0.0.1:2"

    assert get_provider() is not first
    assert get_provider().config.base_url == "http://127.0.0.1:2"
