"""Trust moved by skill: a turn's MITI codes move trust, by bounded steps shaped by the card.

Moved here from test_prompts.py when trust stopped reading phrases: each old test now goes
through the coder (code_turn) and the new trust_after(trust, codes, card=, recent=)."""

import json
from pathlib import Path

import pytest

from clients.prompts import (
    MAX_TRUST,
    ClientState,
    code_turn,
    initial_trust,
    state_after_codes,
    state_after_turn,
    trust_after,
)
from clients.prompts.skills import (
    AFFIRM,
    CLOSED_QUESTION,
    COMPLEX_REFLECTION,
    CONFRONT,
    EMPHASIZE_AUTONOMY,
    GIVE_INFORMATION,
    OPEN_QUESTION,
    OTHER,
    PERSUADE,
    SEEK_COLLABORATION,
    SIMPLE_REFLECTION,
)
from clients.prompts.trust import closed_run, points_needed, turn_points

DEMO_CARDS = Path(__file__).resolve().parent.parent / "demo_cards"
STANDARD_SCRIPT = (
    Path(__file__).resolve().parents[2] / "benchmarks" / "scripts" / "standard-20-turns.json"
)
STANDARD_TURNS: list[str] = json.loads(STANDARD_SCRIPT.read_text())["student_turns"]
WARMEST_TURN = (
    "It sounds like that has been really hard, and it makes sense you feel that way. "
    "Whatever you say stays confidential. Can you tell me more?"
)
INTERMEDIATE = {"difficulty": "intermediate", "resistance_level": 3}
BEGINNER = {"difficulty": "beginner", "resistance_level": 2}
ADVANCED_RESISTANT = {"difficulty": "advanced", "resistance_level": 5}
FRANK = "Everybody's on my back. My daughter, the judge, now you."
FEELS_BAD = "I know I drink too much sometimes. I feel bad about it."


def load(name: str) -> dict:
    return json.loads((DEMO_CARDS / f"{name}.json").read_text())


def moved(trust: int, text: str, card=INTERMEDIATE, client_text: str = "") -> int:
    return trust_after(trust, code_turn(text, client_text=client_text), card=card)


# --- the counter-examples, each moving trust the right way ---------------------------


def test_a_stock_phrase_prying_turn_does_not_raise_trust() -> None:
    text = "That makes sense. This is confidential. What's the secret?"
    for card in (BEGINNER, INTERMEDIATE, ADVANCED_RESISTANT):
        assert moved(3, text, card) <= 3


def test_leaving_what_to_share_to_the_client_raises_trust() -> None:
    assert moved(2, "Whatever you decide to share is up to you.") == 3


def test_naming_what_the_client_is_tired_of_raises_trust() -> None:
    text = "You must be tired of people telling you what to do."
    assert moved(2, text, client_text=FRANK) == 3


def test_a_reflection_followed_by_unasked_advice_does_not_raise_trust() -> None:
    text = "It sounds like you feel bad. That makes sense. You need to stop drinking."
    for card in (BEGINNER, INTERMEDIATE, ADVANCED_RESISTANT):
        assert moved(3, text, card, client_text=FEELS_BAD) < 3


def test_asking_what_they_have_tried_is_not_pushing_advice() -> None:
    assert moved(2, "What have you tried so far to cope with it?") == 2
    assert moved(2, "Have you tried going for a walk?") == 1


# --- moved from test_prompts.py --------------------------------------------------------------


@pytest.mark.parametrize("trust", range(MAX_TRUST + 1))
def test_trust_rises_at_most_one_level_and_falls_at_most_two(trust) -> None:
    turns = [
        *STANDARD_TURNS,
        WARMEST_TURN,
        "You should just stop drinking. It's your own fault, calm down.",
        "Your cognitive distortions are maladaptive core beliefs.",
        "",
    ]
    for text in turns:
        after = moved(trust, text)
        assert -2 <= after - trust <= 1
        assert 0 <= after <= MAX_TRUST


def test_empathy_and_reflection_raise_trust() -> None:
    assert moved(2, "That sounds like a lot to carry. Can you tell me more?") == 3


def test_curly_apostrophes_count_like_straight_ones() -> None:
    assert moved(2, "I\u2019m hearing how tired you are.") == 3


def test_a_bare_open_question_leaves_trust_where_it_was() -> None:
    assert moved(2, "What brings you in today?") == 2


def test_advice_lowers_trust_one_level() -> None:
    assert moved(3, "You need to stop drinking.") == 2


@pytest.mark.parametrize(
    "text",
    [
        "Honestly, that's ridiculous.",
        "That's your own fault.",
        "That is classic catastrophizing.",
    ],
)
def test_hostility_judgement_and_labels_lower_trust_two_levels(text) -> None:
    # Behaviour changed on purpose (issue 13): confronting costs more than one level.
    assert moved(3, text) == 1


def test_trust_never_leaves_its_range() -> None:
    assert moved(0, "Shut up, that's stupid.") == 0
    assert moved(MAX_TRUST, WARMEST_TURN) == MAX_TRUST


# --- the rules -------------------------------------------------------------------------------


def test_complex_reflections_earn_more_than_simple_ones() -> None:
    assert turn_points([COMPLEX_REFLECTION]) > turn_points([SIMPLE_REFLECTION]) > 0


@pytest.mark.parametrize("code", [AFFIRM, EMPHASIZE_AUTONOMY, SEEK_COLLABORATION])
def test_affirming_autonomy_and_collaboration_earn_points(code) -> None:
    assert turn_points([code]) > 0


@pytest.mark.parametrize("code", [CONFRONT, PERSUADE, GIVE_INFORMATION])
def test_confronting_persuading_and_unasked_information_cost_points(code) -> None:
    assert turn_points([code]) < 0


def test_information_after_asking_permission_costs_nothing() -> None:
    assert turn_points([SEEK_COLLABORATION, GIVE_INFORMATION]) == turn_points([SEEK_COLLABORATION])
    assert turn_points([GIVE_INFORMATION], recent=[(SEEK_COLLABORATION,)]) == 0


def test_a_code_repeated_in_a_turn_counts_once() -> None:
    assert turn_points([OPEN_QUESTION, OPEN_QUESTION]) == turn_points([OPEN_QUESTION])


def test_a_third_closed_question_in_a_row_lowers_trust() -> None:
    recent = [(OTHER, CLOSED_QUESTION), (CLOSED_QUESTION,)]
    assert closed_run([CLOSED_QUESTION], recent) == 3
    assert trust_after(3, [CLOSED_QUESTION], card=INTERMEDIATE, recent=recent[1:]) == 3
    assert trust_after(3, [CLOSED_QUESTION], card=INTERMEDIATE, recent=recent) == 2


def test_a_barrage_of_closed_questions_in_one_turn_lowers_trust() -> None:
    assert moved(3, "Do you drink every night? Do you drive after? Did you get arrested?") == 2
    assert moved(3, "Do you drink every night?") == 3


def test_a_reflection_or_open_question_ends_a_run_of_closed_questions() -> None:
    recent = [(CLOSED_QUESTION,), (CLOSED_QUESTION, SIMPLE_REFLECTION)]
    assert closed_run([CLOSED_QUESTION], recent) == 1
    assert closed_run([CLOSED_QUESTION], [(CLOSED_QUESTION, OPEN_QUESTION)]) == 1


def test_advanced_and_resistant_clients_need_more_skill_to_move() -> None:
    assert points_needed(BEGINNER) < points_needed(INTERMEDIATE) < points_needed(ADVANCED_RESISTANT)
    # A simple reflection with an open question moves a beginner's client, not Frank.
    codes = [SIMPLE_REFLECTION, OPEN_QUESTION]
    assert trust_after(2, codes, card=BEGINNER) == 3
    assert trust_after(2, codes, card=ADVANCED_RESISTANT) == 2
    assert trust_after(2, [COMPLEX_REFLECTION, OPEN_QUESTION], card=ADVANCED_RESISTANT) == 3


def test_a_card_without_a_difficulty_is_a_beginners_as_the_model_defaults() -> None:
    from clients.models import ClientProfile

    assert ClientProfile().difficulty == "beginner"
    card = {"resistance_level": 2}
    assert points_needed(card) == points_needed(card | {"difficulty": "beginner"})
    assert points_needed(card) < points_needed(card | {"difficulty": "intermediate"})


def test_the_shared_cards_difficulty_shapes_their_curve() -> None:
    maya, frank = load("maya-torres"), load("frank-kowalski")
    assert points_needed(maya) < points_needed(frank)


# --- the state between turns -----------------------------------------------------------------


def test_the_state_keeps_the_codes_of_the_last_three_turns() -> None:
    card = load("maya-torres")
    state = ClientState.start(card)
    turns = [(OPEN_QUESTION,), (CLOSED_QUESTION,), (SIMPLE_REFLECTION,), (AFFIRM, OPEN_QUESTION)]
    for codes in turns:
        state = state_after_codes(card, state, codes)
    assert state.turn == 4
    assert state.recent == tuple(turns[1:])


def test_state_after_codes_moves_trust_by_the_rules() -> None:
    card = load("aisha-rahman")
    state = ClientState(trust=2, turn=3, recent=((CLOSED_QUESTION,), (CLOSED_QUESTION,)))
    after = state_after_codes(card, state, [CLOSED_QUESTION])
    assert after.trust == trust_after(2, [CLOSED_QUESTION], card=card, recent=state.recent) == 1


def test_state_after_turn_is_state_after_the_deterministic_codes() -> None:
    card = load("frank-kowalski")
    state = ClientState.start(card)
    text = "You must be tired of people telling you what to do."
    assert state_after_turn(card, state, text, client_text=FRANK) == state_after_codes(
        card, state, code_turn(text, client_text=FRANK)
    )


def test_state_after_turn_counts_turns_and_moves_trust() -> None:
    card = load("jordan-lee")
    state = ClientState.start(card)
    for number, text in enumerate(STANDARD_TURNS, start=1):
        after = state_after_turn(card, state, text)
        assert after.turn == number
        assert after.trust == trust_after(
            state.trust, code_turn(text), card=card, recent=state.recent
        )
        state = after


def test_the_state_round_trips_through_json_with_its_recent_codes() -> None:
    card = load("maya-torres")
    state = state_after_turn(card, ClientState.start(card), WARMEST_TURN)
    state = state_after_turn(card, state, "Do you drink every night?")
    stored = json.loads(json.dumps(state.to_json()))
    assert ClientState.from_json(stored) == state
    assert ClientState.from_json(stored).recent


def test_a_state_stored_before_codes_were_kept_still_reads() -> None:
    assert ClientState.from_json({"trust": 3, "turn": 5}) == ClientState(3, 5, ())


def test_stored_recent_codes_that_are_unknown_or_malformed_are_dropped() -> None:
    stored = {"trust": 3, "turn": 5, "recent": [["warmth"], "x", ["open_question"], []]}
    assert ClientState.from_json(stored).recent == ((OPEN_QUESTION,),)
    assert ClientState.from_json({"trust": 3, "recent": "nope"}).recent == ()


def test_the_start_state_is_the_cards_initial_trust_with_no_history() -> None:
    card = load("jordan-lee")
    assert ClientState.start(card) == ClientState(initial_trust(card), 0, ())
