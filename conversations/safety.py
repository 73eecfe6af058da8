"""A safety net for the student, not the simulated client.

looks_like_real_crisis(text) says whether a student's own turn suggests that the student, not the
role-play, is in crisis. It is a net of readable patterns, not a classifier: it will miss some
messages and catch a few it should not. Both errors are cheap in one direction only: a false alarm
shows the support text once and records a flag a person reviews; a miss is what the teacher's
review and the model's own instructions (clients/prompts/system.py: safety first) are there for.

Two ways in:
- a first-person crisis statement ("I want to kill myself", "I'm not safe"), which a counselor
  speaking in role does not say about themselves: they say "you" and "yourself";
- a frame break ("not role-play", "out of character", "for real") together with distress.
Quoted speech is removed first, so a student quoting the client ("you said 'I want to die'") does
not count.
"""

import re

_QUOTED = re.compile('"[^"]*"|\u201c[^\u201d]*\u201d|\u00ab[^\u00bb]*\u00bb')

_I = r"\bi(?:'m| am|'ve| have|'ve been| have been| was| keep| just| really| actually| do| did)?"
# Up to three words between "I" and the crisis words, none of them about someone else: "I know
# you want to die" is a counselor reflecting, "I honestly want to die" is not.
_I_THEN = _I + r"\s+(?:(?!(?:you|your|he|she|they|we|it|him|her|them|the)\b)\w+\s+){0,3}"
# Only words that keep the statement about the speaker: "I ask everyone about suicidal thoughts"
# must not count.
_I_FEEL = (
    _I + r"\s+(?:(?:feel|feeling|felt|been|being|have|having|had|get|getting|got|so|really|"
    r"pretty|very|quite|still|also|actually|honestly|kind|of|a|bit|sometimes|often|am|some|"
    r"these)\s+){0,4}"
)

_FIRST_PERSON_CRISIS = re.compile(
    "|".join(
        [
            r"\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting|end|ending) myself\b",
            r"\b(?:end|ending|take|taking) my (?:own )?life\b",
            r"\bmy (?:own )?(?:suicidal|suicide)\b",
            _I_THEN + r"(?:want|wanna|wanted|need|going|plan|planning) (?:to )?die\b",
            _I_FEEL + r"suicidal\b",
            _I_FEEL + r"thoughts? (?:of|about) (?:suicide|dying|ending it)\b",
            _I_THEN + r"(?:don't|do not) want to (?:live|be alive|be here anymore)\b",
            r"\bi(?:'m| am) not safe\b",
            r"\bi(?:'m| am) (?:in|having) a crisis\b",
        ]
    ),
    re.IGNORECASE,
)

_FRAME_BREAK = re.compile(
    "|".join(
        [
            r"\bnot (?:a |the |in |in the )?role[- ]?play",
            r"\b(?:out of|breaking|break|outside (?:of )?(?:the )?)(?:character|role)\b",
            r"\bstep(?:ping)? out of (?:the )?(?:role|character|role[- ]?play)\b",
            r"\booc\b",
            r"\bin real life\b",
            r"\birl\b",
            r"\bnot (?:pretending|acting)\b",
            r"\bnot (?:about|talking about) (?:the client|you)\b",
            r"\b(?:this is|it's) (?:really|actually) me\b",
            r"\bme personally\b",
            r"\bthe real me\b",
        ]
    ),
    re.IGNORECASE,
)

_DISTRESS = re.compile(
    "|".join(
        [
            r"\bnot (?:safe|okay|ok|alright|all right)\b",
            r"\bdon't feel safe\b",
            r"\b(?:can't|cannot) (?:go on|cope|take (?:it|this)|do this anymore)\b",
            r"\bcrisis\b",
            r"\bsuicid",
            r"\bkill",
            r"\bdie\b",
            r"\bdying\b",
            r"\bend(?:ing)? (?:it|my life|everything)\b",
            r"\bhurt(?:ing)? myself\b",
            r"\bself[- ]?harm",
            r"\bhopeless\b",
            r"\bneed help\b",
            r"\bdon't want to (?:live|be here)\b",
        ]
    ),
    re.IGNORECASE,
)


def looks_like_real_crisis(text: str) -> bool:
    """Whether the student's own turn suggests the student themself is in crisis (a net)."""
    unquoted = _QUOTED.sub(" ", text.replace("\u2019", "'"))
    if _FIRST_PERSON_CRISIS.search(unquoted):
        return True
    return bool(_FRAME_BREAK.search(unquoted) and _DISTRESS.search(unquoted))
