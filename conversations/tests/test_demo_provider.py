import time
from itertools import pairwise

import pytest

from conversations.llm.base import LLMRequest, StreamEnd, TextDelta
from conversations.llm.demo import DemoProvider, demo_reply

CARD = {
    "client_name": "Jordan Lee",
    "communication_style": "reserved",
    "presenting_problem": "Referred for skipping classes and falling grades this semester.",
}
STUDENT_TURNS = [
    "How has your week been?",
    "What was the hardest part?",
    "How do you feel about school right now?",
    "What do your parents think?",
    "What would you like to be different?",
    "How do you usually spend your evenings?",
]


@pytest.fixture(autouse=True)
def no_typing_delay(settings):
    settings.DEMO_REPLY_DELAY_MS = 0


def a_request(messages: list[dict], card: dict[str, str] | None = None) -> LLMRequest:
    return LLMRequest(
        model="claude-haiku-5-5",
        system=[{"type": "text", "text": "You are playing a counseling client."}],
        messages=messages,
        max_tokens=300,
        metadata=CARD if card is None else card,
    )


def conversation(card: dict[str, str], turns: list[str]) -> list[str]:
    """Play the student turns against demo_reply, feeding each reply back as history."""
    messages: list[dict] = []
    replies = []
    for turn in turns:
        messages.append({"role": "user", "content": turn})
        reply = demo_reply(a_request(messages, card))
        replies.append(reply)
        messages.append({"role": "assistant", "content": reply})
    return replies


async def test_it_streams_words_then_estimated_usage():
    provider = DemoProvider()
    events = [e async for e in provider.stream(a_request([{"role": "user", "content": "Hi."}]))]

    deltas, end = events[:-1], events[-1]
    assert deltas and all(isinstance(event, TextDelta) for event in deltas)
    assert isinstance(end, StreamEnd)
    assert end.stop_reason == "end_turn"
    text = "".join(delta.text for delta in deltas)
    assert end.usage.output_tokens == -(-len(text) // 4)
    assert end.usage.input_tokens > 0


def test_it_is_a_demo_that_needs_no_key():
    assert DemoProvider.is_demo
    assert DemoProvider.name == "demo"


async def test_it_types_at_the_configured_pace(settings):
    settings.DEMO_REPLY_DELAY_MS = 20
    request = a_request([{"role": "user", "content": "Hi."}])
    words = len(demo_reply(request).split())

    started = time.monotonic()
    [event async for event in DemoProvider().stream(request)]

    assert time.monotonic() - started >= words * 0.02 * 0.9


def test_it_does_not_repeat_itself_from_one_turn_to_the_next():
    replies = conversation(CARD, STUDENT_TURNS)

    assert all(first != second for first, second in pairwise(replies))
    assert len(set(replies)) >= len(replies) - 1


def test_a_verbose_client_says_more_than_a_reserved_one():
    verbose = CARD | {"communication_style": "verbose"}

    reserved_words = sum(len(reply.split()) for reply in conversation(CARD, STUDENT_TURNS))
    verbose_words = sum(len(reply.split()) for reply in conversation(verbose, STUDENT_TURNS))

    assert verbose_words > 2 * reserved_words


def test_it_answers_what_brings_you_in_from_the_presenting_problem():
    reply = demo_reply(a_request([{"role": "user", "content": "So, what brings you in today?"}]))

    assert "skipping classes" in reply


def test_it_stays_in_character_when_asked_if_it_is_an_ai():
    reply = demo_reply(a_request([{"role": "user", "content": "Wait, are you an AI?"}]))

    assert "Jordan" in reply
    assert "AI" not in reply


def test_it_gives_the_same_reply_to_the_same_request():
    messages = [{"role": "user", "content": "How are things at home?"}]

    assert demo_reply(a_request(messages)) == demo_reply(a_request(messages))


def test_it_copes_with_an_empty_card():
    reply = demo_reply(a_request([{"role": "user", "content": "What brings you in?"}], card={}))

    assert reply.strip()
