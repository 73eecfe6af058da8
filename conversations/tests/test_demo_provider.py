import json
import time
from itertools import pairwise
from pathlib import Path

import pytest

from clients.prompts import demo_metadata, level_trust
from clients.prompts.card import STANCES, all_disclosures, as_v2
from conversations.llm.base import LLMRequest, StreamEnd, TextDelta
from conversations.llm.demo import STANCE_REPLIES, DemoProvider, demo_reply, first_person

# What the engine passes (clients.prompts.demo_metadata): the demo never sees the prompt.
CARD = {
    "client_name": "Jordan Lee",
    "communication_style": "reserved",
    "voice_examples": "Whatever. It's fine.\nI don't really talk about that stuff.",
    "risk_stance": "does not volunteer",
    "unlocked": "",
    "unlocked_risk": "",
}
DEMO_CARDS = Path(__file__).resolve().parents[2] / "clients" / "demo_cards"
RISK_QUESTION = "Have you had any thoughts of killing yourself?"
OPEN_QUESTION = "What has that been like for you?"
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


def test_it_answers_what_brings_you_in_in_its_own_voice_never_quoting_the_referral():
    # Changed with issue 13: it used to quote the presenting problem in the third person.
    card = CARD | {"presenting_problem": "Referred for skipping classes and falling grades."}
    reply = demo_reply(a_request([{"role": "user", "content": "So, what brings you in?"}], card))

    assert "Whatever. It's fine." in reply
    assert "skipping classes" not in reply
    assert "referral" not in reply.lower()


def test_it_speaks_in_the_cards_voice_lines():
    replies = conversation(CARD, STUDENT_TURNS)

    assert any("I don't really talk about that stuff." in reply for reply in replies)


@pytest.mark.parametrize("stance", STANCES)
def test_a_direct_risk_question_before_trust_is_answered_by_the_stance(stance):
    card = CARD | {"risk_stance": stance}

    reply = demo_reply(a_request([{"role": "user", "content": RISK_QUESTION}], card))

    assert reply == STANCE_REPLIES[stance]


def test_a_client_without_risk_says_so():
    card = CARD | {"risk_stance": "none"}

    reply = demo_reply(a_request([{"role": "user", "content": "Are you safe at home?"}], card))

    assert reply.startswith("No.")


def test_an_unlocked_risk_is_said_in_the_clients_own_quoted_words():
    card = CARD | {
        "unlocked_risk": "No current self-harm; mentions 'sometimes I just want to disappear' "
        "only if the student builds real trust."
    }

    reply = demo_reply(a_request([{"role": "user", "content": RISK_QUESTION}], card))

    assert reply == "Sometimes I just want to disappear."


def test_a_disclosure_is_voiced_in_the_first_person_only_once_unlocked():
    text = "She is currently failing organic chemistry and has not told her parents."
    locked = conversation(CARD, [OPEN_QUESTION, "It sounds like a lot."])
    unlocked = conversation(
        CARD | {"client_name": "Maya Torres", "unlocked": text}, [OPEN_QUESTION]
    )

    assert not any("chemistry" in reply for reply in locked)
    assert unlocked == ["I am currently failing organic chemistry and have not told my parents."]


def test_an_unlocked_disclosure_is_said_once_and_only_when_the_door_is_opened():
    card = CARD | {"unlocked": "Jordan has not told their mother."}

    closed = conversation(card, ["Do you have a bus pass?"])
    replies = conversation(card, [OPEN_QUESTION, "How has the week been otherwise?"])

    assert "mother" not in closed[0]
    assert replies[0] == "I have not told my mother."
    assert "mother" not in replies[1]


@pytest.mark.parametrize(
    "name,text,spoken",
    [
        (
            "Aisha Rahman",
            "She has intrusive thoughts of something bad happening to the baby and sometimes "
            "thinks her family would be better off without her. No plan or intent. She will "
            "only say this if asked directly and gently about thoughts of harm.",
            "I have intrusive thoughts of something bad happening to the baby and sometimes "
            "think my family would be better off without me. No plan or intent.",
        ),
        (
            "Frank Kowalski",
            "His drinking became daily after Linda died.",
            "My drinking became daily after Linda died.",
        ),
        (
            "Frank Kowalski",
            "He misses her terribly and has not cried since the funeral.",
            "I miss her terribly and have not cried since the funeral.",
        ),
        (
            "Jordan Lee",
            "A group of classmates has been harassing Jordan online about their gender identity.",
            "A group of classmates has been harassing me online about my gender identity.",
        ),
    ],
)
def test_a_disclosure_about_the_client_becomes_the_clients_own_words(name, text, spoken):
    assert first_person(text, name) == spoken


@pytest.mark.parametrize("path", sorted(DEMO_CARDS.glob("*.json")), ids=lambda path: path.stem)
def test_the_demo_says_nothing_locked_for_any_demo_card(path):
    card = json.loads(path.read_text())
    turns = [OPEN_QUESTION, RISK_QUESTION, "It sounds like there's more.", "What else?"]
    for trust in range(7):
        replies = " ".join(conversation(demo_metadata(card, trust=trust), turns))
        for item in all_disclosures(card):
            if level_trust(item["level"]) > trust:
                assert first_person(item["text"], card["name"]) not in replies
                assert item["text"] not in replies
    assert as_v2(card)["name"] == card["name"]


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
