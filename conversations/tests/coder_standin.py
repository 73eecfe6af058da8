"""TEST-ONLY STAND-IN, to delete once issue 13's deterministic coder is merged.

The engine calls clients.prompts.coder.code_turn and clients.prompts.state.state_after_codes
(another branch builds them). Until they are on this branch, this pytest plugin (registered in
the root conftest.py) installs minimal stand-ins, only where the real ones are missing, so the
engine's tests run. It never replaces a real implementation.
"""

import importlib.util
import sys
import types

import clients.prompts
from clients.prompts import skills
from clients.prompts import state as prompt_state
from clients.prompts.base import MAX_TRUST

_RAISING = frozenset({*skills.REFLECTIONS, skills.AFFIRM, skills.EMPHASIZE_AUTONOMY})
_LOWERING = frozenset({skills.PERSUADE, skills.CONFRONT})


def code_turn(student_text: str, *, client_text: str = "") -> tuple[str, ...]:
    text = student_text.lower()
    codes = []
    if "sounds like" in text or "you feel" in text:
        codes.append(skills.COMPLEX_REFLECTION)
    if "you should" in text or "you need to" in text:
        codes.append(skills.PERSUADE)
    if "?" in text:
        opener = text.lstrip().startswith(("what", "how", "tell me"))
        codes.append(skills.OPEN_QUESTION if opener else skills.CLOSED_QUESTION)
    return tuple(codes) or (skills.OTHER,)


def state_after_codes(card, state, codes):
    step = 1 if _RAISING & set(codes) else -1 if _LOWERING & set(codes) else 0
    trust = min(max(state.trust + step, 0), MAX_TRUST)
    return prompt_state.ClientState(trust=trust, turn=state.turn + 1)


if importlib.util.find_spec("clients.prompts.coder") is None:
    _standin = types.ModuleType("clients.prompts.coder")
    _standin.code_turn = code_turn
    sys.modules["clients.prompts.coder"] = _standin
    clients.prompts.coder = _standin
if not hasattr(prompt_state, "state_after_codes"):
    prompt_state.state_after_codes = state_after_codes
