"""The deterministic MITI coder against the hand-coded gold set (clients/prompts/miti_gold.jsonl)
and a held-out set coded after its rules were settled (miti_heldout.jsonl).

Prints Cohen's kappa per code (each code present or absent per utterance) and overall, with the
target for questions and reflections (kappa >= 0.6) marked PASS or BELOW. No database, no model.
"""

from pathlib import Path

from clients.prompts.agreement import (
    GATED_CODES,
    GOLD_PATH,
    HELD_OUT_PATH,
    TARGET_KAPPA,
    coder_agreement,
    load_gold,
)
from clients.prompts.coder import code_turn
from clients.prompts.skills import CODES, LABELS


def report(path: Path = GOLD_PATH) -> list[str]:
    gold = load_gold(path)
    result = coder_agreement(code_turn, gold)
    lines = [
        f"Deterministic coder vs {path.name}: {len(gold)} hand-coded utterances",
        f"{'code':<28} {'gold n':>6} {'kappa':>6}  target",
    ]
    for code in CODES:
        kappa = result.per_code[code]
        verdict = ""
        if code in GATED_CODES:
            verdict = f">= {TARGET_KAPPA}  {'PASS' if kappa >= TARGET_KAPPA else 'BELOW'}"
        lines.append(f"{LABELS[code]:<28} {result.gold_counts[code]:>6} {kappa:>6.2f}  {verdict}")
    lines.append(f"{'Overall (every code)':<28} {len(gold):>6} {result.overall:>6.2f}")
    return lines


def main(options: list[str] | None = None) -> None:
    print("\n".join(report(GOLD_PATH)))
    print()
    print("\n".join(report(HELD_OUT_PATH)))
