"""The client's state between turns, stored on the session."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clients.prompts.base import MAX_TRUST, Card
from clients.prompts.coder import code_turn
from clients.prompts.skills import valid_codes
from clients.prompts.trust import initial_trust, trust_after

RECENT_TURNS = 3  # how many past turns' codes trust looks back on (runs of closed questions)


@dataclass(frozen=True)
class ClientState:
    """Stored on PracticeSession.client_state; turn counts the student turns answered so far,
    recent holds the codes of the last few of them, oldest first."""

    trust: int
    turn: int = 0
    recent: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def start(cls, card: Card) -> "ClientState":
        return cls(trust=initial_trust(card), turn=0)

    def to_json(self) -> dict[str, Any]:
        return {"trust": self.trust, "turn": self.turn, "recent": [list(c) for c in self.recent]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, card: Card | None = None) -> "ClientState":
        """Read a stored state. An empty one (a new session) needs the card to start from; one
        stored before codes were kept has no recent turns, and unknown codes are dropped."""
        if not data:
            if card is None:
                raise ValueError("An empty client state needs the card to start from.")
            return cls.start(card)
        trust = min(max(int(data["trust"]), 0), MAX_TRUST)
        return cls(
            trust=trust,
            turn=max(int(data.get("turn", 0)), 0),
            recent=_stored_recent(data.get("recent")),
        )


def _stored_recent(stored: object) -> tuple[tuple[str, ...], ...]:
    if not isinstance(stored, list):
        return ()
    turns = (valid_codes(codes) for codes in stored[-RECENT_TURNS:])
    return tuple(codes for codes in turns if codes is not None)


def state_after_codes(card: Card, state: ClientState | None, codes: Sequence[str]) -> ClientState:
    """The state after a student turn coded `codes` (by the model coder or the deterministic
    one); None means the session's first student turn."""
    state = state or ClientState.start(card)
    codes = tuple(codes)
    return ClientState(
        trust=trust_after(state.trust, codes, card=card, recent=state.recent),
        turn=state.turn + 1,
        recent=(*state.recent, codes)[-RECENT_TURNS:],
    )


def state_after_turn(
    card: Card, state: ClientState | None, student_text: str, *, client_text: str = ""
) -> ClientState:
    """The state after this turn, coded by the deterministic coder: what the NEXT reply is
    directed by (the engine directs this turn's reply at the state before it). client_text is
    the client's last reply (a reflection must carry something of it)."""
    return state_after_codes(card, state, code_turn(student_text, client_text=client_text))
