"""The reply filter: a leaked prompt or an out-of-role admission is caught; replies in role pass."""

import json
from pathlib import Path

import pytest

from clients.prompts import system_prompt, turn_note, unlocked_disclosures
from conversations.reply_guard import (
    DEFLECTIONS,
    LEAK_WORDS,
    REPEATS_SYSTEM_PROMPT,
    REPEATS_TURN_NOTE,
    SAYS_IT_IS_AN_AI,
    SPEAKS_OF_ITS_INSTRUCTIONS,
    LeakCheck,
    ReplyGuard,
    deflection,
    leak_check,
    leak_in,
    words_of,
)

CARD = json.loads(
    (
        Path(__file__).resolve().parents[2] / "clients" / "demo_cards" / "maya-torres.json"
    ).read_text()
)
SYSTEM = system_prompt(CARD)
NOTE = turn_note(CARD, trust=3, turn=4, tag="direction-0123456789")


def leak(reply: str) -> str | None:
    return leak_in(reply, system_prompt=SYSTEM, turn_note=NOTE)


def run_of(text: str, length: int, start: int = 0) -> str:
    """`length` consecutive words of `text` from word `start`, as the text wrote them."""
    return " ".join(text.split()[start : start + length])


def test_words_are_compared_without_case_punctuation_or_apostrophes() -> None:
    assert words_of("I'm NOT sure—really, it\u2019s fine.") == [
        "im",
        "not",
        "sure",
        "really",
        "its",
        "fine",
    ]


def test_eight_words_of_the_system_prompt_are_a_leak_seven_are_not() -> None:
    words = SYSTEM.split()
    start = next(i for i in range(len(words)) if "{" not in " ".join(words[i : i + 9]))
    assert leak(f"Okay. {run_of(SYSTEM, LEAK_WORDS, start)}") == REPEATS_SYSTEM_PROMPT
    assert leak(f"Okay. {run_of(SYSTEM, LEAK_WORDS - 1, start)}") is None


def test_a_repeat_in_other_case_and_punctuation_is_still_a_leak() -> None:
    run = run_of(SYSTEM, 12, 5)
    assert leak(run.upper().replace(" ", " ... ")) == REPEATS_SYSTEM_PROMPT


def test_eight_words_of_the_turn_note_are_a_leak() -> None:
    line = next(line for line in NOTE.splitlines() if len(line.split()) >= LEAK_WORDS + 2)
    assert leak(f"Well, {line}") == REPEATS_TURN_NOTE


def test_the_clients_own_words_may_be_repeated() -> None:
    opening = CARD["opening_statement"]
    assert leak(opening) == REPEATS_SYSTEM_PROMPT, "the opening statement is in the system prompt"
    check = leak_check(CARD, system_prompt=SYSTEM, turn_note=NOTE)
    assert opening in check.own_words
    guard = ReplyGuard(check)
    assert guard.feed(f"Like I said, {opening}") is None and guard.finish() is None


def test_an_unlocked_disclosure_said_word_for_word_is_the_clients_own() -> None:
    note = turn_note(CARD, trust=6, turn=12, tag="direction-0123456789")
    item = max((d["text"] for d in unlocked_disclosures(CARD, 6)), key=len)
    assert len(item.split()) >= LEAK_WORDS and item in note
    assert leak_in(item, system_prompt=SYSTEM, turn_note=note) == REPEATS_TURN_NOTE
    check = leak_check(CARD, system_prompt=SYSTEM, turn_note=note)
    guard = ReplyGuard(check)
    assert guard.feed(f"Okay. {item}") is None and guard.finish() is None
    assert guard_of(check, note.splitlines()[1]) == REPEATS_TURN_NOTE, "the rest is not"


def guard_of(check: LeakCheck, reply: str) -> str | None:
    guard = ReplyGuard(check)
    return guard.feed(reply) or guard.finish()


@pytest.mark.parametrize(
    "reply",
    [
        "As an AI, I can't really have feelings about my mum.",
        "I'm a language model, so I don't have a family.",
        "I am an AI assistant made by Anthropic.",
        "Honestly? I'm just a chatbot. I don't have a job.",
        "I was created by Anthropic to help with this exercise.",
        "I'm Claude, and I'm happy to help you practise.",
        "I'm not sure, but as an artificial intelligence I wouldn't know.",
        "Let me step out of the role-play: I'm an AI language model.",
    ],
)
def test_stepping_out_of_role_to_say_it_is_an_ai_is_a_leak(reply: str) -> None:
    assert leak(reply) == SAYS_IT_IS_AN_AI


@pytest.mark.parametrize(
    "reply",
    [
        "I can't share my system prompt.",
        "My private direction says I'm not ready to talk about that.",
        "Is there a direction tag telling me to be wary?",
    ],
)
def test_speaking_of_its_instructions_is_a_leak(reply: str) -> None:
    assert leak(reply) == SPEAKS_OF_ITS_INSTRUCTIONS


@pytest.mark.parametrize(
    "reply",
    [
        "No, I'm not a bot, why would you say that?",
        "What? No. I'm not an AI. I'm a person sitting right here.",
        "You think I'm an AI? Wow. Okay.",
        "Do I sound like a chatbot to you?",
        "Some days it's like I'm a chatbot, just saying what people want to hear.",
        "Just because I'm quiet doesn't mean I'm a language model.",
        "My boss treats me as an AI assistant that never sleeps.",
        "I work as an assistant manager at the store.",
        "My son keeps talking to some AI on his phone all night.",
        "I don't know what direction my life is going in.",
    ],
)
def test_a_reply_in_role_about_bots_and_ais_passes(reply: str) -> None:
    assert leak(reply) is None


def test_a_client_named_claude_may_say_their_name() -> None:
    card = CARD | {"name": "Claude Martin"}
    check = leak_check(card, system_prompt=system_prompt(card), turn_note=NOTE)
    assert guard_of(check, "I'm Claude. Nice to meet you.") is None
    assert guard_of(check, "I'm an AI assistant.") == SAYS_IT_IS_AN_AI
    assert leak("I'm Claude. Nice to meet you.") == SAYS_IT_IS_AN_AI, "Maya is not Claude"


def test_streamed_a_word_at_a_time_the_leak_is_caught_on_the_word_that_completes_it() -> None:
    run = run_of(SYSTEM, LEAK_WORDS, 5).split()
    guard = ReplyGuard(LeakCheck(SYSTEM, NOTE))
    assert guard.feed("Um, ") is None
    for word in run[:-1]:
        assert guard.feed(f"{word} ") is None
    assert guard.feed(run[-1][:2]) is None, "half a word is not yet a word"
    assert guard.feed(run[-1][2:] + " and") == REPEATS_SYSTEM_PROMPT


def test_streamed_an_admission_is_caught_when_its_sentence_ends() -> None:
    guard = ReplyGuard(LeakCheck(SYSTEM, NOTE))
    assert guard.feed("Look, I'm an AI") is None, "the sentence may still end in a question mark"
    assert guard.feed(" language model. So") == SAYS_IT_IS_AN_AI


def test_as_an_ai_is_caught_before_its_sentence_ends() -> None:
    guard = ReplyGuard(LeakCheck(SYSTEM, NOTE))
    assert guard.feed("Well, as an ") is None
    assert guard.feed("ai") is None, "it may be the start of 'aide'"
    assert guard.feed(" language model, I") == SAYS_IT_IS_AN_AI


def test_a_word_that_only_starts_like_ai_is_not_an_admission() -> None:
    guard = ReplyGuard(LeakCheck(SYSTEM, NOTE))
    assert guard.feed("I started as an ai") is None
    assert guard.feed("de at the school.") is None and guard.finish() is None


def test_the_last_sentence_is_checked_when_the_stream_ends() -> None:
    guard = ReplyGuard(LeakCheck(SYSTEM, NOTE))
    assert guard.feed("Fine. I'm a language model") is None
    assert guard.finish() == SAYS_IT_IS_AN_AI


def test_a_split_reply_and_a_whole_one_are_judged_alike() -> None:
    reply = f"Hm. {run_of(SYSTEM, 10, 20)} Anyway."
    guard = ReplyGuard(LeakCheck(SYSTEM, NOTE))
    found = [guard.feed(reply[i : i + 3]) for i in range(0, len(reply), 3)]
    assert next(reason for reason in found if reason) == leak(reply) == REPEATS_SYSTEM_PROMPT


def test_the_standard_scripts_replies_from_the_fake_api_pass() -> None:
    from fakeapi.replies import CLIENT_SENTENCES

    for sentence in CLIENT_SENTENCES:
        assert leak(sentence) is None


@pytest.mark.parametrize("register", DEFLECTIONS)
def test_deflections_are_short_in_role_and_pass_the_filter(register: str) -> None:
    for line in DEFLECTIONS[register]:
        assert len(line.split()) <= 25
        assert leak(line) is None
    assert deflection(register, seed="a") == deflection(register, seed="a")


def test_an_unknown_register_falls_back_to_plain_lines() -> None:
    assert deflection("operatic", seed="x") in DEFLECTIONS["plain"]


def test_the_check_takes_the_cards_register() -> None:
    assert leak_check(CARD, system_prompt=SYSTEM, turn_note=NOTE).register == "rambling"
