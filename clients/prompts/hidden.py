"""A v1 card's hidden_information split into items: card.as_v2 makes them v2 disclosures.

Unlocking is by the disclosure's level now (clients.prompts.disclosure), not by position here."""

import re

from clients.prompts.base import Card, as_sentence

_PIECE_END = re.compile(r"(?<=[.!?;])\s+")
_ABBREVIATION_END = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|St|Jr|Sr|vs|etc|e\.g|i\.e)\.$", re.IGNORECASE)
# A sentence that says when to tell, not what: it belongs to the item before it.
_DISCLOSURE_CONDITION = re.compile(
    r"\b(?:only if|only when|only after|unless|if asked|when asked|until)\b", re.IGNORECASE
)
_SHORT_QUALIFIER_WORDS = 5


def hidden_items(card: Card) -> list[str]:
    """Split hidden_information into items, least to most sensitive as the teacher wrote them.

    Sentences and semicolons separate items; a short qualifier ("No plan or intent.") or a
    sentence about when to tell stays with the item before it, so a fact never arrives without
    the limits that make it safe to say.
    """
    text = " ".join((card.get("hidden_information") or "").split())
    items: list[str] = []
    for piece in _PIECE_END.split(text):
        piece = piece.strip()
        if not piece:
            continue
        joins_previous = bool(items) and (
            _ABBREVIATION_END.search(items[-1])
            or _DISCLOSURE_CONDITION.search(piece)
            or len(piece.split()) < _SHORT_QUALIFIER_WORDS
        )
        if joins_previous:
            items[-1] = f"{items[-1]} {piece}"
        else:
            items.append(piece)
    return [_tidy(item) for item in items]


def _tidy(item: str) -> str:
    item = as_sentence(item.rstrip(";").strip())
    return item[0].upper() + item[1:]
