"""Prompt caching semantics: minimums, reads, writes, lookback and expiry."""

from typing import Any

from fakeapi import FakeClock, FakeServer
from fakeapi.cache import PromptCache
from fakeapi.prompt import count_tokens, prompt_blocks
from fakeapi.tests.helpers import a_body, call

MINIMUM = 1000
LONG_SYSTEM = "x" * 4 * 1200  # 1,200 tokens: above MINIMUM
SHORT_SYSTEM = "x" * 4 * 600  # 600 tokens: below it


def cached(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}


def a_request(system: list[dict[str, Any]], messages: list[dict[str, Any]]) -> dict:
    return {"model": "claude-haiku-5-5", "max_tokens": 100, "system": system, "messages": messages}


def user(text: str, *, breakpoint: bool = False) -> dict[str, Any]:
    return {
        "role": "user",
        "content": [cached(text) if breakpoint else {"type": "text", "text": text}],
    }


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def account(cache: PromptCache, body: dict[str, Any], minimum: int = MINIMUM):
    return cache.account(prompt_blocks(body), min_cacheable_tokens=minimum)


def total_tokens(body: dict[str, Any]) -> int:
    return sum(block.tokens for block in prompt_blocks(body))


def test_it_counts_a_quarter_token_per_character_rounded_up():
    assert count_tokens("") == 0
    assert count_tokens("abcd") == 1
    assert count_tokens("abcde") == 2


def test_the_first_call_writes_the_prefix_and_the_second_reads_it():
    cache = PromptCache(FakeClock())
    body = a_request([cached(LONG_SYSTEM)], [user("Hello.")])

    first = account(cache, body)
    second = account(cache, body)

    assert (first.cache_write_tokens, first.cache_read_tokens) == (1200, 0)
    assert (second.cache_write_tokens, second.cache_read_tokens) == (0, 1200)
    assert first.input_tokens == second.input_tokens == count_tokens("Hello.")


def test_input_tokens_exclude_what_was_read_or_written():
    cache = PromptCache(FakeClock())
    body = a_request([cached(LONG_SYSTEM)], [user("Tell me about your week.")])

    usage = account(cache, body)

    assert usage.input_tokens + usage.cache_write_tokens + usage.cache_read_tokens == total_tokens(
        body
    )
    assert usage.input_tokens < total_tokens(body)


def test_a_breakpoint_below_the_minimum_is_silently_ignored():
    cache = PromptCache(FakeClock())
    body = a_request([cached(SHORT_SYSTEM)], [user("Hello.")])

    first = account(cache, body)
    second = account(cache, body)

    for usage in (first, second):
        assert (usage.cache_write_tokens, usage.cache_read_tokens) == (0, 0)
        assert usage.input_tokens == total_tokens(body)
    assert len(cache) == 0


def test_the_minimum_counts_the_whole_prefix_up_to_the_breakpoint():
    cache = PromptCache(FakeClock())
    # Short system (no breakpoint) + a cached user turn: together above the minimum.
    body = a_request(
        [{"type": "text", "text": SHORT_SYSTEM}], [user("y" * 4 * 500, breakpoint=True)]
    )

    usage = account(cache, body)

    assert usage.cache_write_tokens == 1100


def test_the_same_prompt_can_cache_under_a_lower_minimum_only():
    body = a_request([cached(LONG_SYSTEM)], [user("Hello.")])

    assert account(PromptCache(FakeClock()), body, minimum=1024).cache_write_tokens == 1200
    assert account(PromptCache(FakeClock()), body, minimum=2048).cache_write_tokens == 0


def test_the_cache_expires_five_minutes_after_its_last_use():
    clock = FakeClock()
    cache = PromptCache(clock)
    body = a_request([cached(LONG_SYSTEM)], [user("Hello.")])
    account(cache, body)

    clock.advance(299)
    assert account(cache, body).cache_read_tokens == 1200
    clock.advance(299)  # 598 s after the write, but 299 s after the read that refreshed it
    assert account(cache, body).cache_read_tokens == 1200
    clock.advance(301)
    expired = account(cache, body)

    assert (expired.cache_read_tokens, expired.cache_write_tokens) == (0, 1200)


def test_a_one_hour_breakpoint_outlives_five_minutes_and_is_reported_as_such():
    clock = FakeClock()
    cache = PromptCache(clock)
    block = {
        "type": "text",
        "text": LONG_SYSTEM,
        "cache_control": {"type": "ephemeral", "ttl": "1h"},
    }
    body = a_request([block], [user("Hello.")])

    first = account(cache, body)
    clock.advance(30 * 60)
    later = account(cache, body)

    assert (first.cache_write_1h_tokens, first.cache_write_5m_tokens) == (1200, 0)
    assert later.cache_read_tokens == 1200


def test_a_changed_system_prompt_misses_the_cache():
    cache = PromptCache(FakeClock())
    account(cache, a_request([cached(LONG_SYSTEM)], [user("Hello.")]))

    changed = account(cache, a_request([cached(LONG_SYSTEM + " now")], [user("Hello.")]))

    assert (changed.cache_read_tokens, changed.cache_write_tokens) == (0, 1201)


def test_the_cache_belongs_to_one_model():
    cache = PromptCache(FakeClock())
    body = a_request([cached(LONG_SYSTEM)], [user("Hello.")])
    account(cache, body)

    other_model = account(cache, body | {"model": "claude-sonnet-4-6"})

    assert other_model.cache_read_tokens == 0


def test_a_moving_tail_breakpoint_reads_the_last_turn_and_writes_the_new_one():
    cache = PromptCache(FakeClock())
    system = [cached(LONG_SYSTEM)]
    turn_one = [user("How are you?", breakpoint=True)]
    turn_two = [
        user("How are you?"),
        assistant("Tired, mostly."),
        user("Tell me more about that.", breakpoint=True),
    ]

    account(cache, a_request(system, turn_one))
    second = account(cache, a_request(system, turn_two))

    first_prefix = 1200 + count_tokens("How are you?")
    assert second.cache_read_tokens == first_prefix
    assert second.cache_write_tokens == count_tokens("Tired, mostly.") + count_tokens(
        "Tell me more about that."
    )
    assert second.input_tokens == 0


def test_the_lookback_reaches_only_twenty_blocks_before_a_breakpoint():
    cache = PromptCache(FakeClock())
    system = [cached(LONG_SYSTEM)]
    account(cache, a_request(system, [user("Start.")]))
    many_turns = []
    for index in range(11):
        many_turns += [user(f"Question {index}?"), assistant(f"Answer {index}.")]
    many_turns.append(user("And now?", breakpoint=True))
    body = a_request([{"type": "text", "text": LONG_SYSTEM}], many_turns)

    usage = account(cache, body)  # the system breakpoint's prefix is 23 blocks back

    assert usage.cache_read_tokens == 0
    assert usage.cache_write_tokens == total_tokens(body)


def test_a_top_level_cache_control_caches_the_whole_prompt():
    cache = PromptCache(FakeClock())
    body = a_request([{"type": "text", "text": LONG_SYSTEM}], [user("Hello.")])
    body["cache_control"] = {"type": "ephemeral"}

    first = account(cache, body)
    second = account(cache, body)

    assert first.cache_write_tokens == total_tokens(body)
    assert second.cache_read_tokens == total_tokens(body)
    assert second.input_tokens == 0


def test_the_server_reports_cache_usage_the_way_the_api_does(server: FakeServer):
    body = a_body("Hello.", system=LONG_SYSTEM, cache_system=True)

    first = dict(call(server, body).events())["message_start"]["message"]["usage"]
    second = dict(call(server, body).events())["message_start"]["message"]["usage"]

    assert first["cache_creation_input_tokens"] == 1200
    assert first["cache_creation"] == {
        "ephemeral_5m_input_tokens": 1200,
        "ephemeral_1h_input_tokens": 0,
    }
    assert first["cache_read_input_tokens"] == 0
    assert second["cache_read_input_tokens"] == 1200
    assert second["cache_creation_input_tokens"] == 0
    assert second["input_tokens"] == first["input_tokens"] == count_tokens("Hello.")


def test_the_server_expires_the_cache_on_its_injected_clock(server: FakeServer, clock: FakeClock):
    body = a_body("Hello.", system=LONG_SYSTEM, cache_system=True)
    call(server, body)

    clock.advance(5 * 60 + 1)
    usage = dict(call(server, body).events())

    assert usage["message_start"]["message"]["usage"]["cache_read_input_tokens"] == 0


def test_the_server_uses_each_models_published_minimum_by_default():
    prompt = "x" * 4 * 1500  # 1,500 tokens: enough for Sonnet (1,024), not Haiku 4.5 (4,096)
    with FakeServer() as server:
        sonnet = call(server, a_body(system=prompt, cache_system=True, model="claude-sonnet-4-6"))
        haiku = call(server, a_body(system=prompt, cache_system=True, model="claude-haiku-4-5"))

    sonnet_usage = dict(sonnet.events())["message_start"]["message"]["usage"]
    haiku_usage = dict(haiku.events())["message_start"]["message"]["usage"]
    assert sonnet_usage["cache_creation_input_tokens"] == 1500
    assert haiku_usage["cache_creation_input_tokens"] == 0
