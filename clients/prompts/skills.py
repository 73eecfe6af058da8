"""What a student turn does, in MITI 4.2.1 behaviour codes: the words trust, feedback and the
judge share. Pure, no Django.

A turn gets one code per thing it does (a reflection followed by an open question is both), in
the order it does them. The codes come from the model coder when a model is configured, else
from the deterministic coder (clients.prompts.coder); either way they are validated against
CODES before they move trust.
"""

OPEN_QUESTION = "open_question"
CLOSED_QUESTION = "closed_question"
SIMPLE_REFLECTION = "simple_reflection"
COMPLEX_REFLECTION = "complex_reflection"
AFFIRM = "affirm"
SEEK_COLLABORATION = "seek_collaboration"
EMPHASIZE_AUTONOMY = "emphasize_autonomy"
GIVE_INFORMATION = "give_information"
PERSUADE = "persuade"
PERSUADE_WITH_PERMISSION = "persuade_with_permission"
CONFRONT = "confront"
OTHER = "other"

CODES = (
    OPEN_QUESTION,
    CLOSED_QUESTION,
    SIMPLE_REFLECTION,
    COMPLEX_REFLECTION,
    AFFIRM,
    SEEK_COLLABORATION,
    EMPHASIZE_AUTONOMY,
    GIVE_INFORMATION,
    PERSUADE,
    PERSUADE_WITH_PERMISSION,
    CONFRONT,
    OTHER,
)

# How each code reads on a teacher's or student's page.
LABELS = {
    OPEN_QUESTION: "Open question",
    CLOSED_QUESTION: "Closed question",
    SIMPLE_REFLECTION: "Simple reflection",
    COMPLEX_REFLECTION: "Complex reflection",
    AFFIRM: "Affirmation",
    SEEK_COLLABORATION: "Seeking collaboration",
    EMPHASIZE_AUTONOMY: "Emphasising autonomy",
    GIVE_INFORMATION: "Giving information",
    PERSUADE: "Persuading",
    PERSUADE_WITH_PERMISSION: "Persuading with permission",
    CONFRONT: "Confronting",
    OTHER: "Other",
}
REFLECTIONS = (SIMPLE_REFLECTION, COMPLEX_REFLECTION)
QUESTIONS = (OPEN_QUESTION, CLOSED_QUESTION)


def valid_codes(codes: object) -> tuple[str, ...] | None:
    """The codes if they are a non-empty list of known codes, else None (the caller falls back)."""
    if not isinstance(codes, (list, tuple)) or not codes:
        return None
    if not all(isinstance(code, str) and code in CODES for code in codes):
        return None
    return tuple(codes)
