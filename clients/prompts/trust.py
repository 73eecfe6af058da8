"""Trust: where a client starts, and how one student turn moves it."""

import re

from clients.prompts.base import MAX_TRUST, Card
from clients.prompts.style import resistance_of


def initial_trust(card: Card) -> int:
    """Resistance 1 starts at 4 (first item within reach), resistance 5 at 0."""
    return 5 - resistance_of(card)


def _signal(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(patterns), re.IGNORECASE)


# Cheap signals, weighted: a bare open question is not enough to move trust; it takes empathy,
# reflection, validation or confidentiality (alone, or with a question). Mixed turns cancel out.
_WARM_SIGNALS: list[tuple[int, re.Pattern[str]]] = [
    (
        2,
        _signal(  # reflection and empathy
            r"\bit (?:sounds|seems|feels) like\b",
            r"\bsounds (?:like|as if|really|so|pretty|very|hard|difficult|painful|lonely)",
            r"\b(?:i'm|i am) hearing\b",
            r"\bi hear (?:you|that|how)\b",
            r"\bwhen you say\b",
            r"\bi can (?:see|imagine|tell)\b",
            r"\bi imagine\b",
            r"\bthat (?:must|would) (?:be|have been|feel)\b",
            r"\bso much to (?:carry|hold|deal)\b",
            r"\ba lot to (?:carry|hold|deal)\b",
            r"\bpart of you\b",
            r"\byou(?:'re| are) (?:feeling|carrying|holding)\b",
        ),
    ),
    (
        2,
        _signal(  # validation and normalising
            r"\bmakes (?:a lot of |complete |total )?sense\b",
            r"\bno wonder\b",
            r"\bunderstandable\b",
            r"\bof course you\b",
            r"\banyone (?:would|might|in your)\b",
            r"\byou(?:'re| are) not alone\b",
            r"\b(?:a lot of|many|sometimes) people\b",
            r"\bthank you for (?:telling|sharing|being (?:honest|open)|trusting)\b",
            r"\b(?:that )?(?:took|takes) (?:courage|guts)\b",
            r"\bthat matters\b",
            r"\bit(?:'s| is) okay to\b",
        ),
    ),
    (
        2,
        _signal(  # confidentiality
            r"\bconfidential",
            r"\bbetween (?:us|you and me)\b",
            r"\bstays? (?:here|in this room|between)\b",
            r"\bprivate\b",
        ),
    ),
    (
        1,
        _signal(  # open questions
            r"\b(?:what|how)\b[^?]*\?",
            r"\btell me (?:more|about|a bit)\b",
            r"\b(?:say|share) (?:a bit |a little )?more\b",
            r"\bin what way\b",
        ),
    ),
]

_COLD_SIGNALS: list[tuple[int, re.Pattern[str]]] = [
    (
        3,
        _signal(  # hostility
            r"\bshut up\b",
            r"\bstupid\b",
            r"\bidiot",
            r"\bpathetic\b",
            r"\bridiculous\b",
            r"\bget over it\b",
            r"\bgrow up\b",
            r"\bcalm down\b",
            r"\bwhatever\b",
            r"\bnot my problem\b",
            r"\bwasting (?:my|our) time\b",
        ),
    ),
    (
        2,
        _signal(  # judgement and blame
            r"\byou should(?:n't)? have\b",
            r"\byour (?:own )?fault\b",
            r"\birresponsible\b",
            r"\blazy\b",
            r"\bselfish\b",
            r"\bin denial\b",
            r"\byou(?:'re| are) (?:an alcoholic|an addict|overreacting|being dramatic)\b",
            r"\bwhy (?:would|did) you (?:ever |even )?(?:do|let|think)\b",
            r"\bneed to admit\b",
        ),
    ),
    (
        2,
        _signal(  # pushing advice (the righting reflex)
            r"\byou (?:should|need to|have to|must|ought to)\b",
            r"\bwhy don't you\b",
            r"(?<!what )\bhave you tried\b",  # "What have you tried?" is an open question
            r"\bjust (?:try|stop|do)\b",
            r"\bmy advice\b",
            r"\bi (?:suggest|recommend|advise)\b",
            r"\bthe answer is\b",
        ),
    ),
    (
        1,
        _signal(  # jargon
            r"\bcognitive distortion",
            r"\bautomatic thoughts?\b",
            r"\bcore beliefs?\b",
            r"\bschema",
            r"\bcatastrophi[sz]",
            r"\bpsychoeducation\b",
            r"\bmaladaptive\b",
            r"\bcomorbid",
            r"\bdiagnos",
            r"\bdisorder\b",
            r"\bcbt\b",
            r"\bambivalen",
            r"\bsymptomatolog",
            r"\battachment style\b",
            r"\bintervention\b",
        ),
    ),
]

_MOVE_AT = 2


def turn_warmth(student_text: str) -> int:
    """Warm signals minus cold ones; each kind counts once however often it appears."""
    student_text = student_text.replace("\u2019", "'")  # phones type curly apostrophes
    warm = sum(weight for weight, pattern in _WARM_SIGNALS if pattern.search(student_text))
    cold = sum(weight for weight, pattern in _COLD_SIGNALS if pattern.search(student_text))
    return warm - cold


def trust_after(trust: int, student_text: str) -> int:
    """Trust after a student turn: up or down by at most one step, kept within 0..MAX_TRUST."""
    warmth = turn_warmth(student_text)
    step = 1 if warmth >= _MOVE_AT else -1 if warmth < 0 else 0
    return min(max(trust + step, 0), MAX_TRUST)
