"""The client's state between turns, stored on the session."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clients.prompts.base import MAX_TRUST, Card
from clients.prompts.trust import initial_trust, trust_after


@dataclass(frozen=True)
class ClientState:
    """Stored on PracticeSession.client_state; turn counts the student turns answered so far."""

    trust: int
    turn: int = 0

    @classmethod
    def start(cls, card: Card) -> "ClientState":
        return cls(trust=initial_trust(card), turn=0)

    def to_json(self) -> dict[str, int]:
        return {"trust": self.trust, "turn": self.turn}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, card: Card | None = None) -> "ClientState":
        """Read a stored state. An empty one (a new session) needs the card to start from."""
        if not data:
            if card is None:
                raise ValueError("An empty client state needs the card to start from.")
            return cls.start(card)
        trust = min(max(int(data["trust"]), 0), MAX_TRUST)
        return cls(trust=trust, turn=max(int(data.get("turn", 0)), 0))


def state_after_turn(card: Card, state: ClientState | None, student_text: str) -> ClientState:
    """The state to build this turn's note from; None means the session's first student turn."""
    state = state or ClientState.start(card)
    return ClientState(trust=trust_after(state.trust, student_text), turn=state.turn + 1)
