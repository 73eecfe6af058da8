"""The computed skill summary of a session: what the student's turns did, in MITI codes, counted
and set against published practice targets. Pure, no Django: the selector feeds it the codes.

The targets are practice targets for a learner, never grades. Their sources:
- MITI 4.2.1 (Moyers, Manuel & Ernst 2014), summary scores: reflection-to-question ratio fair
  1:1, good 2:1; % complex reflections (of all reflections) fair 40%, good 50%.
- % open questions is not a MITI 4.2.1 summary score; its targets come from MITI 3.1.1 (Moyers,
  Martin, Manuel, Miller & Ernst 2010): fair 50%, good 70%.
"""

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from clients.prompts.skills import (
    AFFIRM,
    CLOSED_QUESTION,
    COMPLEX_REFLECTION,
    CONFRONT,
    EMPHASIZE_AUTONOMY,
    OPEN_QUESTION,
    PERSUADE,
    PERSUADE_WITH_PERMISSION,
    QUESTIONS,
    REFLECTIONS,
    SEEK_COLLABORATION,
    SIMPLE_REFLECTION,
)

BELOW_FAIR = "below fair"
FAIR = "fair"
GOOD = "good"

MITI_4 = "MITI 4.2.1"
MITI_3 = "MITI 3.1.1"


@dataclass(frozen=True)
class Target:
    """A practice target: the value at which a figure reaches "fair" and "good", and its source."""

    fair: Fraction
    good: Fraction
    source: str

    def band(self, value: Fraction | None) -> str | None:
        if value is None:
            return None
        if value >= self.good:
            return GOOD
        if value >= self.fair:
            return FAIR
        return BELOW_FAIR


# The one place the targets live (the docs quote them: docs/feedback.md).
REFLECTION_TO_QUESTION_TARGET = Target(fair=Fraction(1), good=Fraction(2), source=MITI_4)
COMPLEX_REFLECTION_TARGET = Target(fair=Fraction(40, 100), good=Fraction(50, 100), source=MITI_4)
OPEN_QUESTION_TARGET = Target(fair=Fraction(50, 100), good=Fraction(70, 100), source=MITI_3)

# Each count as it reads on a page, in the order shown. Advice/persuasion counts persuade and
# persuade_with_permission; give_information is neutral in MITI and is not counted here.
COUNTED = (
    ("Open questions", (OPEN_QUESTION,)),
    ("Closed questions", (CLOSED_QUESTION,)),
    ("Simple reflections", (SIMPLE_REFLECTION,)),
    ("Complex reflections", (COMPLEX_REFLECTION,)),
    ("Affirmations", (AFFIRM,)),
    ("Emphasising autonomy", (EMPHASIZE_AUTONOMY,)),
    ("Seeking collaboration", (SEEK_COLLABORATION,)),
    ("Advice and persuasion", (PERSUADE, PERSUADE_WITH_PERMISSION)),
    ("Confrontation", (CONFRONT,)),
)


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class Figure:
    """A summary score: its value (None when its denominator is 0), band and target."""

    label: str
    value: Fraction | None
    display: str  # "1.5:1", "45%", or why there is no value yet
    band: str | None  # BELOW_FAIR, FAIR, GOOD; None without a value
    target: str  # "fair 1:1, good 2:1 (MITI 4.2.1)"


@dataclass(frozen=True)
class SkillSummary:
    turns: int
    counts: list[Count]
    reflections: int
    questions: int
    reflection_to_question: Figure
    percent_complex_reflections: Figure
    percent_open_questions: Figure

    @property
    def figures(self) -> list[Figure]:
        return [
            self.reflection_to_question,
            self.percent_complex_reflections,
            self.percent_open_questions,
        ]


def _ratio(part: int, whole: int) -> Fraction | None:
    """part / whole, or None when whole is 0: a page says why rather than dividing by zero."""
    return None if whole == 0 else Fraction(part, whole)


# Rounded down, so a figure just short of a target never reads as the target itself.
def _as_ratio(value: Fraction) -> str:
    tenths = math.floor(value * 10)
    whole, tenth = divmod(tenths, 10)
    return f"{whole}:1" if tenth == 0 else f"{whole}.{tenth}:1"


def _as_percent(value: Fraction) -> str:
    return f"{math.floor(value * 100)}%"


def _figure(
    label: str,
    value: Fraction | None,
    target: Target,
    *,
    shown_as: Callable[[Fraction], str],
    empty: str,
) -> Figure:
    display = empty if value is None else shown_as(value)
    target_text = f"fair {shown_as(target.fair)}, good {shown_as(target.good)} ({target.source})"
    return Figure(label, value, display, target.band(value), target_text)


def skill_summary(turn_codes: Sequence[Sequence[str]]) -> SkillSummary:
    """The summary of a session from each student turn's codes, in turn order.

    Every occurrence of a code counts (a turn may hold two questions). Unknown codes are ignored.
    """
    tally = Counter(code for codes in turn_codes for code in codes)
    reflections = sum(tally[code] for code in REFLECTIONS)
    questions = sum(tally[code] for code in QUESTIONS)
    return SkillSummary(
        turns=len(turn_codes),
        counts=[Count(label, sum(tally[code] for code in codes)) for label, codes in COUNTED],
        reflections=reflections,
        questions=questions,
        reflection_to_question=_figure(
            "Reflections to questions",
            _ratio(reflections, questions),
            REFLECTION_TO_QUESTION_TARGET,
            shown_as=_as_ratio,
            empty="no questions yet",
        ),
        percent_complex_reflections=_figure(
            "Complex reflections (of all reflections)",
            _ratio(tally[COMPLEX_REFLECTION], reflections),
            COMPLEX_REFLECTION_TARGET,
            shown_as=_as_percent,
            empty="no reflections yet",
        ),
        percent_open_questions=_figure(
            "Open questions (of all questions)",
            _ratio(tally[OPEN_QUESTION], questions),
            OPEN_QUESTION_TARGET,
            shown_as=_as_percent,
            empty="no questions yet",
        ),
    )
