"""Which disclosures the client may share at a given trust, and what the demo needs of them.

A disclosure of level L enters the turn note once trust reaches LEVEL_TRUST[L]; below that its
text and keywords are in no part of any request (tested as a property in
clients/tests/test_disclosure_invariant.py). The risk fact is a disclosure like the others.
"""

from typing import Any

from clients.prompts.base import LEVEL_TRUST, MAX_TRUST, Card
from clients.prompts.card import all_disclosures, as_v2


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
