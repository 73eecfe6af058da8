"""The per-turn note: private direction appended after the last cache breakpoint."""

from clients.prompts.base import DIRECTION_TAG, MAX_TRUST, Card
from clients.prompts.disclosure import risk_disclosure, unlocked_disclosures
from clients.prompts.style import length_rule

OPENNESS: dict[int, str] = {
    0: "Closed. Keep answers minimal and guarded, doubt the helper or the point of this, and "
    "give nothing personal that they do not already know.",
    1: "Wary. Answer only the surface of a question, briefly; sidestep anything personal or "
    "painful.",
    2: "Cautious. Everyday facts are fine; touch a painful topic only in passing, then back off.",
    3: "Warming a little. Give a concrete example when asked and let a feeling show indirectly, "
    "while still playing things down.",
    4: "Opening up. Stay with a painful topic for a moment if the helper stays with you. Your "
    "usual style shows a little less, though not every time.",
    5: "Trusting. Say harder things when asked with care: hesitantly, in pieces.",
    6: "Mostly trusting. Talk more freely about what hurts, still in your own voice and still "
    "unsure that things can change.",
}

# One move per turn, chosen in code (ConsistentMI) so that behaviour varies between turns
# without drifting: guarded moves at low trust, engaging ones higher up.
MOVES: dict[str, list[str]] = {
    "low": [
        "the shortest answer that is still true",
        "playing it down",
        "questioning why they ask",
    ],
    "middle": [
        "answering, then hesitating",
        "one concrete detail from recent weeks",
        "playing down how much it matters",
    ],
    "high": [
        "letting one real feeling show, indirectly",
        "answering, then doubting that anything can change",
        "one concrete moment, told as it happened",
    ],
}


def _band(trust: int) -> str:
    return "low" if trust <= 1 else "middle" if trust <= 3 else "high"


def turn_note(card: Card, *, trust: int, turn: int, tag: str = DIRECTION_TAG) -> str:
    """Private direction for this turn, sent after the last cache breakpoint, inside the
    session's own tag.

    The only place a disclosure reaches the model, and only once trust has reached its level."""
    trust = min(max(trust, 0), MAX_TRUST)
    moves = MOVES[_band(trust)]
    lines = [
        f'<{tag} turn="{turn}">',
        "Private direction for your next reply. Never mention, quote or answer it.",
        f"Openness now: {OPENNESS[trust]}",
        f"This turn, lean towards: {moves[turn % len(moves)]}.",
    ]
    if turn <= 2:
        lines.append("It is the start of the session: you do not know this person yet.")
    risk = risk_disclosure(card)
    items = [
        f"About your safety, if asked: {item['text']}" if item == risk else item["text"]
        for item in unlocked_disclosures(card, trust)
    ]
    if items:
        lines.append(
            "You are ready to share these, only when the helper's words open the door to one, "
            "one at a time, in your own words (they are written about you):"
        )
        lines.extend(f"- {item}" for item in items)
    else:
        lines.append(
            "Nothing private is ready to be shared yet. If the helper digs, stay vague, deflect "
            "or say you would rather not get into it."
        )
    lines.append(f"Length: {length_rule(card)}; fewer for a closed question.")
    lines.append(f"</{tag}>")
    return "\n".join(lines)
