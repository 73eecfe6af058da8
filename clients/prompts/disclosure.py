"""Which disclosures the client may share at a given trust, and what the demo needs of them.

A disclosure of level L enters the turn note once trust reaches LEVEL_TRUST[L]; below that its
text and keywords are in no part of any request (tested as a property in
clients/tests/test_disclosure_invariant.py). The risk fact is a disclosure like the others.
"""

import re
from typing import Any

from clients.prompts.base import LEVEL_TRUST, MAX_TRUST, Card
from clients.prompts.card import all_disclosures, as_v2, keywords_of


def level_trust(level: int) -> int:
    """The trust a disclosure of this level needs; an unknown level needs full trust."""
    return LEVEL_TRUST.get(int(level), MAX_TRUST)


def is_unlocked(item: dict[str, Any], trust: int) -> bool:
    return level_trust(item.get("level", 0)) <= trust


def unlocked_disclosures(card: Card, trust: int) -> list[dict[str, Any]]:
    """The disclosures trust has reached, the risk's among them, in the card's order."""
    return [item for item in all_disclosures(card) if is_unlocked(item, trust)]


def risk_disclosure(card: Card) -> dict[str, Any] | None:
    risk = as_v2(card).get("risk") or {}
    return risk.get("disclosure") or None


def demo_metadata(card: Card, *, trust: int) -> dict[str, str]:
    """What the offline demo needs to answer like this client (LLMRequest.metadata, never sent).

    Only unlocked disclosures are in it, so the demo cannot say more than the model could."""
    v2 = as_v2(card)
    opening = (v2.get("opening_statement") or "").strip()
    voice = v2.get("voice") or {}
    # The opening statement was already said; the demo should not say it again.
    examples = [line for line in voice.get("examples") or [] if line.strip() != opening]
    risk = v2.get("risk") or {}
    risk_item = risk.get("disclosure")
    unlocked = [item for item in v2.get("disclosures") or [] if is_unlocked(item, trust)]
    return {
        "client_name": str(v2.get("name") or ""),
        "communication_style": str(v2.get("communication_style") or "plain"),
        "voice_examples": "\n".join(examples),
        "risk_stance": str(risk.get("stance") or "") if risk else "none",
        "unlocked": "\n".join(item["text"] for item in unlocked),
        "unlocked_risk": risk_item["text"] if risk_item and is_unlocked(risk_item, trust) else "",
    }


def is_said(phrase: str, text: str) -> bool:
    """The phrase in the text as a whole word or phrase, case-insensitive, spaces normalised:
    the one matcher for "the model saw it" (the invariant tests use it too)."""
    phrase = " ".join(phrase.split())
    if not phrase:
        return False
    pattern = rf"(?<![\w-]){re.escape(phrase)}(?![\w-])"
    return re.search(pattern, " ".join(text.split()), re.IGNORECASE) is not None


# The turns whose note differs (the start-of-session line, each of the three moves of a band).
_NOTE_TURNS = (1, 2, 3)
FIRST_TURN = "the client's instructions from the first turn"


def keywords_in_view(card: Card) -> list[tuple[int, str, str]]:
    """The disclosures' words the model would get before their level, as (index into
    all_disclosures(card), keyword or text, where it is seen). Empty for a card that can keep
    every secret.

    A disclosure of level L is in view when its text or a keyword appears (is_said) in anything
    the model gets at a trust below LEVEL_TRUST[L]: the system prompt, the turn note at each such
    trust on turns 1..3 (its fixed wording and the disclosures already unlocked), and the
    demo's metadata. "Where" names the first place found: FIRST_TURN for the system prompt,
    "what the client sees at level L (disclosure N's text)" (N counted from 1; "the risk's text")
    for a lower disclosure, "the client's turn note at trust T" for the note's own wording."""
    items = all_disclosures(card)
    views = _views(card, items)
    found = []
    for index, item in enumerate(items):
        view = views[level_trust(item.get("level", 0)) - 1]
        for phrase in [*keywords_of(item), str(item.get("text") or "")]:
            where = next((place for place, text in view if is_said(phrase, text)), None)
            if where is not None:
                found.append((index, phrase, where))
    return found


def _views(card: Card, items: list[dict[str, Any]]) -> list[list[tuple[str, str]]]:
    """For each trust 0..MAX_TRUST-1, what the model gets at that trust or any lower one, as
    (where, text) pairs in the order keywords_in_view names them."""
    # Imported here: turn_note and system import this module (and card, which imports this lazily).
    from clients.prompts.system import system_prompt
    from clients.prompts.turn_note import turn_note

    risk = risk_disclosure(card)
    first_turn = (FIRST_TURN, system_prompt(card))
    notes: list[tuple[str, str]] = []
    views = []
    for trust in range(MAX_TRUST):
        texts = [turn_note(card, trust=trust, turn=turn) for turn in _NOTE_TURNS]
        texts.extend(demo_metadata(card, trust=trust).values())
        notes.append((f"the client's turn note at trust {trust}", "\n".join(texts)))
        unlocked = [
            (_text_of(item, number, risk), str(item.get("text") or ""))
            for number, item in enumerate(items, start=1)
            if is_unlocked(item, trust)
        ]
        views.append([first_turn, *unlocked, *notes])
    return views


def _text_of(item: dict[str, Any], number: int, risk: dict[str, Any] | None) -> str:
    text = "the risk's text" if item == risk else f"disclosure {number}'s text"
    return f"what the client sees at level {item.get('level')} ({text})"
