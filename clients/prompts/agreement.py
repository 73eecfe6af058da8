"""How far a coder agrees with the hand-coded gold set: Cohen's kappa per MITI code. Pure Python.

Each code is scored as present or absent in each gold utterance (a turn that asks two open
questions and one that asks one both "have" an open question), so a coder is judged on what a
turn does, not on how it counted. The model coder's evaluation (`make eval-live`) and the
deterministic coder's benchmark (`make bench`) read the same gold set through this module.
"""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clients.prompts.skills import CODES, QUESTIONS, REFLECTIONS

GOLD_PATH = Path(__file__).with_name("miti_gold.jsonl")
# Coded by hand after the deterministic coder's rules were settled and never used to tune them:
# the honest figure for how it does on turns it has not seen.
HELD_OUT_PATH = Path(__file__).with_name("miti_heldout.jsonl")
# The target: at least this much agreement on questions and reflections.
TARGET_KAPPA = 0.6
GATED_CODES = (*QUESTIONS, *REFLECTIONS)


@dataclass(frozen=True)
class GoldTurn:
    text: str
    client: str
    codes: tuple[str, ...]


def load_gold(path: Path = GOLD_PATH) -> list[GoldTurn]:
    """The gold set: one JSON object a line, every code a known one."""
    turns = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        entry = json.loads(line)
        unknown = set(entry["codes"]) - set(CODES)
        if unknown or not entry["codes"]:
            raise ValueError(f"{path.name} line {number}: bad codes {sorted(unknown)}")
        turns.append(GoldTurn(entry["text"], entry.get("client", ""), tuple(entry["codes"])))
    return turns


def cohen_kappa(first: Sequence[bool], second: Sequence[bool]) -> float:
    """Cohen's kappa of two raters' yes/no judgements of the same items.

    1.0 is perfect agreement, 0.0 what chance alone gives. When both raters give one answer to
    every item, chance agreement is total and kappa is undefined: 1.0 if they agree, else 0.0.
    """
    if len(first) != len(second) or not first:
        raise ValueError("kappa needs two equally long, non-empty lists of judgements")
    total = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / total
    yes_first = sum(first) / total
    yes_second = sum(second) / total
    expected = yes_first * yes_second + (1 - yes_first) * (1 - yes_second)
    if expected == 1:
        return 1.0 if observed == 1 else 0.0
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class Agreement:
    per_code: dict[str, float]  # kappa of each code present/absent per utterance
    overall: float  # kappa over every (utterance, code) pair
    gold_counts: dict[str, int]  # how many gold utterances have each code


def agreement(gold: Sequence[GoldTurn], coded: Sequence[Sequence[str]]) -> Agreement:
    """Per-code and overall kappa of `coded` (one code list per gold turn) against the gold."""
    if len(gold) != len(coded):
        raise ValueError("one coded turn per gold turn")
    per_code = {}
    all_gold: list[bool] = []
    all_coded: list[bool] = []
    for code in CODES:
        in_gold = [code in turn.codes for turn in gold]
        in_coded = [code in codes for codes in coded]
        per_code[code] = cohen_kappa(in_gold, in_coded)
        all_gold.extend(in_gold)
        all_coded.extend(in_coded)
    counts = {code: sum(code in turn.codes for turn in gold) for code in CODES}
    return Agreement(per_code, cohen_kappa(all_gold, all_coded), counts)


def coder_agreement(coder: Callable[..., Sequence[str]], gold: Sequence[GoldTurn]) -> Agreement:
    """Agreement of a coder called as coder(text, client_text=...) on every gold turn."""
    return agreement(gold, [coder(turn.text, client_text=turn.client) for turn in gold])
