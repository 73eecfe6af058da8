"""The official SDK, sync and async, against the fake: what the app and benchmarks rely on."""

import asyncio
import time

import anthropic

from fakeapi import FakeServer, Reply

CONCURRENT_STREAMS = 250


def a_client(server: FakeServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-test", base_url=server.base_url, max_retries=0)


def test_the_sync_sdk_reads_a_whole_message(server):
    server.enqueue(Reply("Hard to say."))

    with a_client(server) as client:
        message = client.messages.create(
            model="claude-haiku-5-5",
            max_tokens=100,
            messages=[{"role": "user", "content": "How are you?"}],
        )

    assert message.content[0].text == "Hard to say."
    assert message.stop_reason == "end_turn"
    assert message.usage.output_tokens > 0


def test_the_sync_sdk_streams_and_assembles_the_final_message(server):
    server.enqueue(Reply("Hard to say, really."))

    with (
        a_client(server) as client,
        client.messages.stream(
            model="claude-haiku-5-5",
            max_tokens=100,
            messages=[{"role": "user", "content": "How are you?"}],
        ) as stream,
    ):
        pieces = list(stream.text_stream)
        final = stream.get_final_message()

    assert "".join(pieces) == "Hard to say, really."
    assert final.content[0].text == "Hard to say, really."
    assert final.usage.cache_read_input_tokens == 0


def test_it_serves_hundreds_of_streams_at_once():
    async def one_stream(client: anthropic.AsyncAnthropic, number: int) -> str:
        async with client.messages.stream(
            model="claude-haiku-5-5",
            max_tokens=100,
            messages=[{"role": "user", "content": f"Student number {number} says hello."}],
        ) as stream:
            return (await stream.get_final_message()).stop_reason or ""

    async def all_streams(server: FakeServer) -> list[str]:
        client = anthropic.AsyncAnthropic(
            api_key="sk-test", base_url=server.base_url, max_retries=0
        )
        async with client:
            return await asyncio.gather(
                *(one_stream(client, number) for number in range(CONCURRENT_STREAMS))
            )

    with FakeServer(first_token_ms=100, tokens_per_second=100) as server:
        started = time.monotonic()
        stop_reasons = asyncio.run(all_streams(server))
        elapsed = time.monotonic() - started

    assert stop_reasons == ["end_turn"] * CONCURRENT_STREAMS
    # One stream takes about 0.4 s; one after another they would take over a minute and a half.
    assert elapsed < 15
