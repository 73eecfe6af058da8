"""Trust: where a client starts, and how one student turn's MITI codes move it.

A turn earns points for what it does (clients.prompts.skills): reflections earn most (complex
more than simple), then affirmations and autonomy support, then seeking collaboration; an open
question earns a little, a closed one nothing. Confronting, persuading and unasked information
cost points (information least), and so does a third closed question in a row without a
reflection or an open question between. Trust then moves by bounded steps: up one level when the
turn earned what the card needs (more for an advanced or resistant client), down one when it
cost, two when it confronted. No phrase earns anything: the codes do, and the coder gives a
stock phrase that carries nothing of the client's words `other`.
"""

from collections.abc import Sequence

from clients.prompts.base import DEFAULT_DIFFICULTY, LEVEL_TRUST, MAX_TRUST, Card
from clients.prompts.skills import (
    AFFIRM,
    CLOSED_QUESTION,
    COMPLEX_REFLECTION,
    CONFRONT,
    EMPHASIZE_AUTONOMY,
    GIVE_INFORMATION,
    OPEN_QUESTION,
    PERSUADE,
    REFLECTIONS,
    SEEK_COLLABORATION,
    SIMPLE_REFLECTION,
)
from clients.prompts.style import resistance_of

# Points per code; a code counts once per turn however often the turn does it.
POINTS = {
    COMPLEX_REFLECTION: 4,
    SIMPLE_REFLECTION: 2,
    AFFIRM: 3,
    EMPHASIZE_AUTONOMY: 3,
    SEEK_COLLABORATION: 2,
    OPEN_QUESTION: 1,
    # Unasked information takes the turn from the client without being a rupture: it costs a
    # point (a reflection beside it no longer moves a resistant client) but alone lowers nothing,
    # so a risk check that explains why it asks is not punished. Asked first, it costs nothing.
    GIVE_INFORMATION: -1,
    PERSUADE: -4,
    CONFRONT: -6,
}
# What a turn must earn to raise trust one level, by the card's difficulty.
NEEDED = {"beginner": 2, "intermediate": 3, "advanced": 4}
RESISTANT = 4  # from this resistance level a turn needs one point more
CLOSED_RUN = 3  # this many closed questions in a row (over recent turns) cost points
CLOSED_RUN_POINTS = -2
COSTS_A_LEVEL = -2  # a turn at or below this many points lowers trust one level


def initial_trust(card: Card) -> int:
    """Resistance 5 starts at 0, resistance 2 at 3; resistance 1 at 3 too: even a willing client
    is met with one good exchange before anything held back is in the turn note."""
    return min(5 - resistance_of(card), LEVEL_TRUST[1] - 1)


def points_needed(card: Card) -> int:
    """What one turn must earn to raise this client's trust a level."""
    difficulty = card.get("difficulty") or DEFAULT_DIFFICULTY
    needed = NEEDED.get(difficulty, NEEDED[DEFAULT_DIFFICULTY])
    return needed + (1 if resistance_of(card) >= RESISTANT else 0)


def closed_run(codes: Sequence[str], recent: Sequence[Sequence[str]] = ()) -> int:
    """Closed questions in a row up to the end of this turn, across the recent turns; a
    reflection or an open question ends a run."""
    run = 0
    for code in (code for turn in (*recent, codes) for code in turn):
        if code == CLOSED_QUESTION:
            run += 1
        elif code in REFLECTIONS or code == OPEN_QUESTION:
            run = 0
    return run


def turn_points(codes: Sequence[str], recent: Sequence[Sequence[str]] = ()) -> int:
    """What a turn earned (positive) or cost (negative), from its codes and the turns before."""
    asked_first = SEEK_COLLABORATION in codes or bool(recent and SEEK_COLLABORATION in recent[-1])
    points = 0
    for code in set(codes):
        if code == GIVE_INFORMATION and asked_first:
            continue
        points += POINTS.get(code, 0)
    if CLOSED_QUESTION in codes and closed_run(codes, recent) >= CLOSED_RUN:
        points += CLOSED_RUN_POINTS
    return points


def trust_after(
    trust: int, codes: Sequence[str], *, card: Card, recent: Sequence[Sequence[str]] = ()
) -> int:
    """Trust after a turn coded `codes`: up at most one level, down one (two for confronting),
    kept within 0..MAX_TRUST. `recent` holds the codes of the few turns before this one."""
    points = turn_points(codes, recent)
    if CONFRONT in codes:
        step = -2
    elif points <= COSTS_A_LEVEL:
        step = -1
    elif points >= points_needed(card):
        step = 1
    else:
        step = 0
    return min(max(trust + step, 0), MAX_TRUST)
