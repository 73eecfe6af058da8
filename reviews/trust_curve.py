"""The trust curve of a session's review: the client's trust after each student turn, from the
state log (conversations.TurnState), as numbers for a server-rendered SVG polyline.

Teachers see it on the review page; students never do (their pages read only the codes,
for the skill summary).
"""

from dataclasses import dataclass
from uuid import UUID

from clients.prompts import MAX_TRUST
from clients.prompts.skills import LABELS
from conversations.models import TurnState

WIDTH = 480
HEIGHT = 160
LEFT = 28  # room for the trust labels
RIGHT = WIDTH - 12
TOP = 12
BOTTOM = HEIGHT - 24  # room for the turn labels


@dataclass(frozen=True)
class CurvePoint:
    x: int
    y: int
    turn: int
    trust: int


@dataclass(frozen=True)
class Tick:
    position: int
    label: str


@dataclass(frozen=True)
class TrustCurve:
    points: list[CurvePoint]  # the start (turn 0), then one per logged turn
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    bottom: int = BOTTOM

    @property
    def polyline(self) -> str:
        """The SVG `points` attribute: numbers only, nothing a person typed."""
        return " ".join(f"{point.x},{point.y}" for point in self.points)

    @property
    def description(self) -> str:
        steps = ", ".join(f"turn {point.turn}: {point.trust}" for point in self.points)
        return f"Trust (0 to {MAX_TRUST}) from the start of the session: {steps}."


def trust_curve(states: list[TurnState]) -> TrustCurve | None:
    """The curve through trust at the start and after each turn; None before any turn."""
    if not states:
        return None
    values = [(0, states[0].trust_before)] + [(state.turn, state.trust_after) for state in states]
    step = (RIGHT - LEFT) / max(len(values) - 1, 1)
    points = [
        CurvePoint(x=round(LEFT + index * step), y=_y(trust), turn=turn, trust=trust)
        for index, (turn, trust) in enumerate(values)
    ]
    every = max(len(points) // 10, 1)  # at most about ten turn labels
    return TrustCurve(
        points=points,
        y_ticks=[Tick(_y(level), str(level)) for level in range(0, MAX_TRUST + 1, 2)],
        x_ticks=[Tick(point.x, str(point.turn)) for point in points[::every]],
    )


def _y(trust: int) -> int:
    return round(BOTTOM - (BOTTOM - TOP) * min(max(trust, 0), MAX_TRUST) / MAX_TRUST)


def code_labels(states: list[TurnState]) -> dict[UUID, TurnState]:
    """Each logged student message's state, with `labels` (its codes as people read them)."""
    by_message = {}
    for state in states:
        state.labels = [LABELS.get(code, code) for code in state.codes]
        by_message[state.message_id] = state
    return by_message
