"""How a client talks: the six styles, resistance, difficulty and the reply-length rule."""

from dataclasses import dataclass

from clients.prompts.base import Card


@dataclass(frozen=True)
class Style:
    max_sentences: int
    behaviour: str
    fits_question: str


_FIT_TO_QUESTION = (
    "Fit the question: a yes/no question gets a word, a fragment or one sentence; an open "
    "question gets a few sentences; only a painful story may use the whole limit."
)

STYLES: dict[str, Style] = {
    "plain": Style(
        5,
        "You talk plainly: direct, fairly even in tone, to the point. You answer what was asked "
        "and stop there.",
        _FIT_TO_QUESTION,
    ),
    "upset": Style(
        3,
        "You are fed up with this whole process and at times with the helper. You ask why they "
        "want to know, call questions pointless when they seem so, and push back on suggestions. "
        "Not every reply is sharp: some are just flat or tired.",
        _FIT_TO_QUESTION,
    ),
    "verbose": Style(
        8,
        "You talk a lot. Even a simple question gets a long answer full of details and side "
        "remarks, and you are hard to steer. As you come to trust the helper, you listen a bit "
        "more and ramble a bit less.",
        "Even a yes/no question gets a few sentences, but never more than the limit.",
    ),
    "reserved": Style(
        3,
        "You say little. Answers are brief, vague or evasive, and the helper has to draw you "
        "out. You doubt that talking will change anything.",
        _FIT_TO_QUESTION,
    ),
    "tangential": Style(
        5,
        "You start to answer, then drift into a loosely related story or detail and do not get "
        "back to the point in that reply. When the helper gently steers you back, you return to "
        "the topic for a while.",
        _FIT_TO_QUESTION,
    ),
    "pleasing": Style(
        5,
        "You want the helper to think well of you. You play problems down, agree quickly even "
        "when you do not really agree, apologise, check whether you are answering right, and "
        "sound cheerful while describing things that hurt.",
        _FIT_TO_QUESTION,
    ),
}

RESISTANCE: dict[int, str] = {
    1: "You came willingly and answer what you are asked, though you still do not offer private "
    "things unprompted.",
    2: "You are mostly willing, but hesitate and play things down when a topic gets painful.",
    3: "You are in two minds about being here. You answer surface questions and sidestep painful "
    "ones the first time they come up; you go deeper only once you feel understood.",
    4: "You are guarded. You give short, noncommittal answers, doubt the point of this, and test "
    "whether the helper is genuine. It takes several good exchanges before you open up at all.",
    5: "You do not want to be here. You dispute that there is a problem, push back on questions, "
    "and may be sarcastic. You open a crack only after the helper shows real understanding, and "
    "close again if lectured or judged.",
}

DIFFICULTY: dict[str, str] = {
    "beginner": "a beginner's scenario: a decent, warm attempt is enough to move you",
    "intermediate": "an intermediate scenario: only responses that really fit move you",
    "advanced": "an advanced scenario: do not make it easy; only skilled responses move you",
}


def style_of(card: Card) -> Style:
    return STYLES.get(card.get("communication_style") or "plain", STYLES["plain"])


def resistance_of(card: Card) -> int:
    level = card.get("resistance_level") or 3
    return min(max(int(level), 1), 5)


def length_rule(card: Card) -> str:
    """The reply-length limit for the card's style, worded identically everywhere it appears."""
    limit = style_of(card).max_sentences
    return f"at most {limit} short sentences per reply (each under about 20 words)"
