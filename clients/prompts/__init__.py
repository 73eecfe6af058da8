"""Client card -> the prompt that makes Claude play the client. Pure functions, no Django.

Two parts, because of prompt caching (docs/prompts.md):
- system_prompt(card): everything that never changes during a session. The engine sends it with a
  cache_control breakpoint, so it must be byte-identical on every turn.
- turn_note(card, trust=..., turn=...): a few lines of private direction, appended after the last
  breakpoint on each turn: how open the client is now and which disclosures it may share.

Resistance and disclosure are state kept here in code, not adjectives left for the model to track
(ConsistentMI, MindVoyager): a disclosure (card v2, clients.prompts.card) is absent from every
prompt until trust has reached its level, so the model cannot overshare what it was never given.

Change any prompt text -> bump PROMPT_VERSION (sessions record it; reviews compare by it).
"""

from clients.prompts.base import (
    DIRECTION_TAG,
    LEVEL_TRUST,
    MAX_TRUST,
    PROMPT_VERSION,
    Card,
)
from clients.prompts.coder import code_turn
from clients.prompts.direction_tags import without_direction_tags
from clients.prompts.disclosure import demo_metadata, level_trust, unlocked_disclosures
from clients.prompts.hidden import hidden_items
from clients.prompts.state import ClientState, state_after_codes, state_after_turn
from clients.prompts.style import (
    DIFFICULTY,
    RESISTANCE,
    STYLES,
    Style,
    length_rule,
    resistance_of,
    style_of,
)
from clients.prompts.system import system_prompt
from clients.prompts.trust import initial_trust, trust_after
from clients.prompts.turn_note import MOVES, OPENNESS, turn_note

__all__ = [
    "DIFFICULTY",
    "DIRECTION_TAG",
    "LEVEL_TRUST",
    "MAX_TRUST",
    "MOVES",
    "OPENNESS",
    "PROMPT_VERSION",
    "RESISTANCE",
    "STYLES",
    "Card",
    "ClientState",
    "Style",
    "code_turn",
    "demo_metadata",
    "hidden_items",
    "initial_trust",
    "length_rule",
    "level_trust",
    "resistance_of",
    "state_after_codes",
    "state_after_turn",
    "style_of",
    "system_prompt",
    "trust_after",
    "turn_note",
    "unlocked_disclosures",
    "without_direction_tags",
]
