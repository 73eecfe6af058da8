"""The deterministic MITI coder: what a student turn does, judged by content, not stock phrases."""

import itertools

import pytest

from clients.prompts.coder import code_turn, utterances
from clients.prompts.skills import (
    AFFIRM,
    CLOSED_QUESTION,
    CODES,
    COMPLEX_REFLECTION,
    CONFRONT,
    EMPHASIZE_AUTONOMY,
    GIVE_INFORMATION,
    OPEN_QUESTION,
    OTHER,
    PERSUADE,
    PERSUADE_WITH_PERMISSION,
    SEEK_COLLABORATION,
    SIMPLE_REFLECTION,
)

POSITIVE = {
    OPEN_QUESTION,
    SIMPLE_REFLECTION,
    COMPLEX_REFLECTION,
    AFFIRM,
    SEEK_COLLABORATION,
    EMPHASIZE_AUTONOMY,
}
FRANK = "Everybody's on my back. My daughter, the judge, now you."
FEELS_BAD = "I know I drink too much sometimes. I feel bad about it."


def test_a_stock_phrase_prying_turn_earns_nothing_positive() -> None:
    codes = code_turn("That makes sense. This is confidential. What's the secret?")
    assert codes == (OTHER, CLOSED_QUESTION)


@pytest.mark.parametrize(
    "text",
    [
        "I hear you. This stays between us. Is there something you're not telling me?",
        "That makes sense. You can trust me. Did something happen that you haven't told anyone?",
        "Of course. Everything is private. Can you just tell me the secret now?",
        "I understand. No judgment here. Is it about your family?",
    ],
)
def test_phrase_stuffed_prying_turns_earn_nothing_positive(text) -> None:
    assert not POSITIVE & set(code_turn(text, client_text="I don't know. It's fine."))


STOCK_PHRASES = [
    "That makes sense.",
    "I understand.",
    "This is confidential.",
    "Thank you for sharing.",
    "I hear you.",
    "No judgment here.",
    "You can trust me.",
    "It's okay.",
    "Of course.",
    "This stays between us.",
    "This is a safe space.",
    "Everything here is private.",
]


@pytest.mark.parametrize("client", ["", "I don't know. It's fine, really."])
def test_no_combination_of_stock_phrases_earns_a_positive_code(client) -> None:
    for phrases in itertools.permutations(STOCK_PHRASES, 3):
        text = " ".join([*phrases, "What's the secret?"])
        assert not POSITIVE & set(code_turn(text, client_text=client)), text


def test_leaving_what_to_share_to_the_client_is_autonomy_support() -> None:
    assert code_turn("Whatever you decide to share is up to you.") == (EMPHASIZE_AUTONOMY,)


def test_naming_what_the_client_is_tired_of_is_a_complex_reflection() -> None:
    codes = code_turn("You must be tired of people telling you what to do.", client_text=FRANK)
    assert codes == (COMPLEX_REFLECTION,)


def test_a_reflection_stuffed_with_a_stock_phrase_and_advice_is_coded_as_all_three() -> None:
    text = "It sounds like you feel bad. That makes sense. You need to stop drinking."
    assert code_turn(text, client_text=FEELS_BAD) == (SIMPLE_REFLECTION, OTHER, PERSUADE)


@pytest.mark.parametrize(
    "text,code",
    [
        ("What have you tried?", OPEN_QUESTION),
        ("What have you tried so far to cope with it?", OPEN_QUESTION),
        ("How has it been since the baby came?", OPEN_QUESTION),
        ("Tell me more about what happens before an exam.", OPEN_QUESTION),
        ("Could you tell me a bit more about home?", OPEN_QUESTION),
        ("Do you drink every night?", CLOSED_QUESTION),
        ("Is it the exams or the whole semester?", CLOSED_QUESTION),
        ("How long has this been going on?", CLOSED_QUESTION),
        ("On a scale from one to ten, how stressed are you?", CLOSED_QUESTION),
        ("Have you tried going for a walk?", PERSUADE),
        ("Why don't you just go to bed earlier?", PERSUADE),
        ("Would it be okay if we talked about your drinking?", SEEK_COLLABORATION),
        ("What would you like to focus on today?", SEEK_COLLABORATION),
    ],
)
def test_questions_are_open_closed_or_something_else_by_what_they_ask(text, code) -> None:
    assert code_turn(text) == (code,)


@pytest.mark.parametrize(
    "text,code",
    [
        ("You know yourself best.", EMPHASIZE_AUTONOMY),
        ("It's your choice whether you drink or not.", EMPHASIZE_AUTONOMY),
        ("You've worked really hard to hold onto your grades.", AFFIRM),
        ("It took courage to come in today.", AFFIRM),
        ("Alcohol is a depressant, so it can make low moods worse.", GIVE_INFORMATION),
        ("You should tell your parents about your grades.", PERSUADE),
        ("You're in denial.", CONFRONT),
        ("That's just an excuse.", CONFRONT),
        ("Calm down, it's just a test.", CONFRONT),
        ("That makes sense.", OTHER),
        ("I hear you.", OTHER),
        ("Okay.", OTHER),
    ],
)
def test_statements_are_coded_by_what_they_do(text, code) -> None:
    assert code_turn(text) == (code,)


def test_a_reflection_carries_the_clients_words_and_is_simple_when_it_adds_nothing() -> None:
    client = "I just freeze before exams."
    assert code_turn("You freeze up before exams.", client_text=client) == (SIMPLE_REFLECTION,)


def test_both_sides_of_an_ambivalence_make_a_complex_reflection() -> None:
    text = "Part of you wants things to change and part of you isn't sure it's possible."
    assert code_turn(text, client_text="I want it to stop.") == (COMPLEX_REFLECTION,)


def test_a_reflection_that_goes_on_for_two_sentences_is_one_complex_reflection() -> None:
    client = "I study all night and I still feel like I'm behind."
    text = "You study all night. You still feel behind."
    assert code_turn(text, client_text=client) == (COMPLEX_REFLECTION,)


def test_a_you_sentence_that_carries_nothing_of_the_client_is_not_a_reflection() -> None:
    assert code_turn("You can trust me.", client_text="My boss keeps piling stuff on.") == (OTHER,)


@pytest.mark.parametrize(
    "text",
    [
        "You can trust me completely, honestly, truly.",
        "You can tell me anything, this is a totally safe and private space.",
    ],
)
def test_you_sentences_about_the_conversation_are_not_reflections(text) -> None:
    assert code_turn(text, client_text="I don't know.") == (OTHER,)
    assert code_turn(text) == (OTHER,)


def test_advice_the_client_asked_for_is_persuasion_with_permission() -> None:
    text = "I'd suggest talking to your GP about how you've been sleeping."
    assert code_turn(text) == (PERSUADE,)
    asked = code_turn(text, client_text="What do you think I should do?")
    assert asked == (PERSUADE_WITH_PERMISSION,)


def test_advice_after_asking_permission_in_the_same_turn_is_with_permission() -> None:
    text = "Would it be okay if I made a suggestion? You could try telling him you need a break."
    assert code_turn(text) == (SEEK_COLLABORATION, PERSUADE_WITH_PERMISSION)


def test_every_question_counts_but_other_repeats_merge() -> None:
    text = "Okay. Right. Do you drink? Do you drive? Did you get arrested?"
    assert code_turn(text) == (OTHER, CLOSED_QUESTION, CLOSED_QUESTION, CLOSED_QUESTION)


def test_a_reflection_then_a_question_gets_both_codes_in_order() -> None:
    client = "I just freeze before exams. My chest gets tight."
    text = "Your chest gets tight before exams. What happens next?"
    assert code_turn(text, client_text=client) == (SIMPLE_REFLECTION, OPEN_QUESTION)


def test_a_statement_clause_before_a_question_is_its_own_utterance() -> None:
    assert utterances("It sounds like work has been hard, so what keeps you going?") == [
        "It sounds like work has been hard.",
        "what keeps you going?",
    ]


def test_curly_apostrophes_read_like_straight_ones() -> None:
    assert code_turn("You\u2019re in denial.") == (CONFRONT,)


@pytest.mark.parametrize("text", ["", "   ", "...", "?!"])
def test_every_turn_gets_at_least_one_code(text) -> None:
    codes = code_turn(text)
    assert codes and set(codes) <= set(CODES)
