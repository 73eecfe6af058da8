"""Cohen's kappa, the gold set, and the deterministic coder's agreement with it (a quality gate)."""

import json

import pytest

from clients.prompts.agreement import (
    GATED_CODES,
    GOLD_PATH,
    HELD_OUT_PATH,
    TARGET_KAPPA,
    agreement,
    coder_agreement,
    cohen_kappa,
    load_gold,
)
from clients.prompts.coder import code_turn
from clients.prompts.skills import CODES

ISSUE_COUNTER_EXAMPLES = [
    "That makes sense. This is confidential. What's the secret?",
    "Whatever you decide to share is up to you.",
    "You must be tired of people telling you what to do.",
    "It sounds like you feel bad. That makes sense. You need to stop drinking.",
    "What have you tried?",
]


def test_kappa_is_one_for_perfect_agreement_and_zero_for_chance() -> None:
    assert cohen_kappa([True, False, True, False], [True, False, True, False]) == 1.0
    # Rater two says yes to every other item regardless: agreement is what chance gives.
    assert cohen_kappa([True, True, False, False], [True, False, True, False]) == 0.0


def test_kappa_matches_a_worked_example() -> None:
    # 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: po = 0.7, pe = 0.5, kappa = 0.4.
    first = [True] * 25 + [False] * 25
    second = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    assert cohen_kappa(first, second) == pytest.approx(0.4)


def test_kappa_is_negative_when_raters_disagree_more_than_chance() -> None:
    assert cohen_kappa([True, False, True, False], [False, True, False, True]) == -1.0


def test_kappa_when_both_raters_never_vary() -> None:
    assert cohen_kappa([False, False], [False, False]) == 1.0
    assert cohen_kappa([True, True], [True, True]) == 1.0


def test_kappa_refuses_lists_of_different_lengths() -> None:
    with pytest.raises(ValueError):
        cohen_kappa([True], [True, False])
    with pytest.raises(ValueError):
        cohen_kappa([], [])


def test_agreement_scores_each_code_as_present_or_absent(tmp_path) -> None:
    path = tmp_path / "gold.jsonl"
    lines = [
        {"text": "a", "client": "", "codes": ["open_question"]},
        {"text": "b", "client": "", "codes": ["closed_question", "other"]},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines))
    gold = load_gold(path)
    result = agreement(gold, [["open_question", "open_question"], ["other", "closed_question"]])
    assert result.per_code["open_question"] == 1.0
    assert result.overall == 1.0
    assert result.gold_counts["closed_question"] == 1


def test_a_gold_line_with_an_unknown_code_is_refused(tmp_path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"text": "a", "client": "", "codes": ["warmth"]}))
    with pytest.raises(ValueError, match="line 1"):
        load_gold(path)


def test_the_gold_set_is_large_covers_every_code_and_the_issues_counter_examples() -> None:
    gold = load_gold()
    assert len(gold) >= 200
    assert {code for turn in gold for code in turn.codes} == set(CODES)
    texts = {turn.text for turn in gold}
    assert all(example in texts for example in ISSUE_COUNTER_EXAMPLES)
    assert len(texts) >= 200


@pytest.mark.parametrize("path", [GOLD_PATH, HELD_OUT_PATH], ids=["gold", "held-out"])
def test_the_coder_agrees_with_the_hand_coding_on_questions_and_reflections(path) -> None:
    result = coder_agreement(code_turn, load_gold(path))
    for code in GATED_CODES:
        assert result.per_code[code] >= TARGET_KAPPA, code
