"""What every part of the prompt shares: the card, the version, the trust scale."""

from collections.abc import Mapping
from typing import Any

# Change any prompt text -> bump PROMPT_VERSION (sessions record it; reviews compare by it).
PROMPT_VERSION = "2026-12-02.1"

Card = Mapping[str, Any]

MAX_TRUST = 6
# The first hidden item needs this much trust; each later item one more, sensitive ones one more.
FIRST_ITEM_THRESHOLD = 4
DIRECTION_TAG = "direction"


def as_sentence(text: str) -> str:
    """The text, ending as a sentence ends."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
