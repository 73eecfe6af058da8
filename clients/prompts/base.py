"""What every part of the prompt shares: the card, the version, the trust scale."""

from collections.abc import Mapping
from typing import Any

# Change any prompt text -> bump PROMPT_VERSION (sessions record it; reviews compare by it).
PROMPT_VERSION = "2026-12-02.1"

Card = Mapping[str, Any]

MAX_TRUST = 6
# The trust a disclosure of each level (card v2, 1-3) needs before it enters the turn note.
# Level 1 at 4: a resistance-2 client starts at 3, so even a willing client has to be met with
# one good exchange first; level 3 (the risk fact on a v1 card) only at full trust.
LEVEL_TRUST: dict[int, int] = {1: 4, 2: 5, 3: 6}
DIRECTION_TAG = "direction"
# A card that names no difficulty (clients.models.ClientProfile.difficulty's default too).
DEFAULT_DIFFICULTY = "beginner"


def as_sentence(text: str) -> str:
    """The text, ending as a sentence ends."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
