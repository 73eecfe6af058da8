"""The offline demo provider: short in-character replies with no key and no network.

Canned, not a model: it never reads the system prompt. What it knows of the client comes from
LLMRequest.metadata, which the engine fills from the card and the session's trust
(clients.prompts.demo_metadata): "client_name", "communication_style", "voice_examples" (lines
in the client's own words, "\n"-joined), "risk_stance" (how the client answers a direct question
about harm before trust; "none" for a card without risk), "unlocked" (the disclosures trust has
reached, "\n"-joined) and "unlocked_risk" (the risk fact, once reached). So it answers in the
first person, never quotes the referral, answers a risk question by the stance, and voices a
disclosure only after it is unlocked: a teacher trying a card offline sees how it is gated.

It streams word by word at settings.DEMO_REPLY_DELAY_MS per word, and estimates usage at 4
characters a token so the cost pages have numbers to show. Replies vary with the turn and the
student's words, and prefer the sentences said longest ago (or never).
"""

import asyncio
import re
import zlib
from collections.abc import AsyncIterator
from typing import Any

from django.conf import settings

from conversations.llm.base import (
    CodingRequest,
    CodingResult,
    LLMRequest,
    StreamEnd,
    StreamEvent,
    TextDelta,
    Usage,
)
from conversations.llm.tokens import estimate_tokens

SENTENCES_PER_STYLE = {
    "reserved": 1,
    "upset": 2,
    "plain": 2,
    "pleasing": 2,
    "tangential": 3,
    "verbose": 3,
}

LINES_PER_STYLE = {
    "reserved": [
        "I don't know.",
        "Maybe.",
        "It's fine. Mostly.",
        "I guess.",
        "Not really.",
        "Sort of.",
        "I'd rather not get into that yet.",
        "Can we talk about something else?",
    ],
    "upset": [
        "I already said that.",
        "Look, I don't see how talking about it changes anything.",
        "Everybody keeps asking me that.",
        "You don't know what it's like.",
        "Fine. It's been bad. Happy?",
        "I'm only here because I have to be.",
        "That's easy for you to say.",
        "Whatever. Ask your next question.",
    ],
    "plain": [
        "It's been a rough few weeks.",
        "I keep telling myself it'll pass.",
        "Some days are better than others.",
        "I'm not sure where to start with that.",
        "I haven't really said this out loud before.",
        "I try not to think about it too much.",
        "Mostly I'm just tired.",
        "It's hard to explain.",
    ],
    "pleasing": [
        "Sorry, I know I'm probably not explaining this well.",
        "That's a really good question.",
        "I'm sure other people have it much worse.",
        "I don't want to take up too much of your time.",
        "You're right, I should probably think about that more.",
        "Honestly, it's not that bad. I'm managing.",
        "I really appreciate you listening.",
        "I just want to do this properly.",
    ],
    "tangential": [
        "That reminds me of something my aunt used to say, actually.",
        "Sorry, where was I?",
        "It's like when the bus is late and you don't know if you should keep waiting.",
        "Anyway, that's not really the point.",
        "I was reading something about sleep the other day, I forget where.",
        "My neighbour has this dog that barks all night, which doesn't help.",
        "It all sort of blurs together.",
        "I keep losing my train of thought lately.",
    ],
    "verbose": [
        "Okay, so, it's kind of a long story, and I'm not sure which part matters.",
        "I've been thinking about it a lot, probably too much, honestly.",
        "There's the thing itself, and then there's all the worrying about the thing.",
        "Everyone says I seem fine, which almost makes it worse.",
        "I make lists, and then I feel bad about not finishing the lists.",
        "I know how that sounds, I do, but it's how it feels.",
        "Last week was a good example, actually, although it's hard to say why.",
        "I wrote some of it down before coming, and now I can't find the note.",
    ],
}

# Everyday lines any style may use, so a long session draws on a wider pool.
COMMON_LINES = [
    "I don't really know how to put it.",
    "It's been a lot lately.",
    "I haven't been sleeping great.",
    "Work, or school, whatever, it just piles up.",
    "I thought I'd feel different by now.",
    "It's not like anything terrible happened.",
    "I keep going back and forth on it.",
    "Some of it I haven't told anyone.",
]
# For a reflection rather than a question: the client reacts before saying anything else.
ACKNOWLEDGEMENTS = ["Yeah.", "I guess.", "Maybe.", "Something like that.", "Pretty much."]

AI_QUESTION = re.compile(r"\b(are you (an? )?(ai|bot|robot|computer|real)|chatgpt|claude)\b", re.I)
RISK_QUESTION = re.compile(
    r"(hurt(ing)? yourself|harm(ing)? yourself|suicid|kill(ing)? yourself|end your life|"
    r"end (it all|things)|(wish|want)(ed)? (you were|to be) dead|not (be(ing)? )?around|"
    r"are you safe|your safety)",
    re.I,
)
WHAT_BRINGS_YOU = re.compile(r"(what brings you|why are you here|what made you come)", re.I)
# An invitation to say more: an open question or a reflection, not a closed check.
OPENS_THE_DOOR = re.compile(
    r"(\bwhat\b|\bhow\b|tell me|sounds like|it seems|you feel|you're feeling|must be)", re.I
)

# How a client answers a direct question about harm before the risk fact is unlocked: the
# card's stance (clients.prompts.card STANCES), never the fact itself.
STANCE_REPLIES = {
    "none": "No. Nothing like that. I'm just tired, that's all.",
    "denies": "No. Nothing like that.",
    "deflects": "Ha. I'm just worn out, that's all. Can we talk about something else?",
    "does not volunteer": "Why do you ask? I'm... I'm okay. Mostly.",
    "admits passive thoughts": (
        "Sometimes I sort of wish I could just not be here for a while. I wouldn't do anything."
    ),
}
UNLOCKED_RISK_FALLBACK = (
    "Honestly? Sometimes I think it'd be easier if I wasn't around. I haven't told anyone that."
)
NOT_SURE_WHERE_TO_START = "I'm not really sure where to start."
# "What brings you in?" for a card without voice lines: the style's own way of not quite saying.
WHY_HERE_PER_STYLE = {
    "reserved": "Someone said I had to come.",
    "upset": "I'm only here because I have to be.",
    "plain": "It's been a rough few weeks.",
    "pleasing": "Honestly, it's not that bad. I'm managing.",
    "tangential": "It's a bit of a long story, and I keep losing my train of thought lately.",
    "verbose": "Okay, so, it's kind of a long story, and I'm not sure which part matters.",
}


class DemoProvider:
    name = "demo"
    is_demo = True

    async def stream(self, request: LLMRequest) -> AsyncIterator[StreamEvent]:
        reply = demo_reply(request)
        delay_seconds = settings.DEMO_REPLY_DELAY_MS / 1000
        for chunk in re.findall(r"\S+\s*", reply):
            await asyncio.sleep(delay_seconds)
            yield TextDelta(chunk)
        usage = Usage(
            input_tokens=estimate_tokens(_prompt_text(request)),
            output_tokens=estimate_tokens(reply),
        )
        yield StreamEnd(usage=usage, stop_reason="end_turn")

    async def code_turn(self, request: CodingRequest) -> CodingResult | None:
        """No model to ask: the engine keeps the deterministic coder's codes."""
        return None


def demo_reply(request: LLMRequest) -> str:
    card = request.metadata
    style = card.get("communication_style", "plain")
    student_turn = _last_text(request.messages, "user")
    replies = _client_replies(request.messages)
    special = _reply_to_cue(student_turn, card)
    if special and special not in replies[-1:]:
        return special
    disclosure = _next_disclosure(student_turn, card, replies)
    if disclosure:
        return disclosure

    turn = sum(1 for message in request.messages if message.get("role") == "user")
    # Vary by turn and by the student's words; the same request always gets the same reply.
    seed = turn * 7 + zlib.crc32(student_turn.encode())
    voice = _voice_lines(card)
    lines = voice + LINES_PER_STYLE.get(style, LINES_PER_STYLE["plain"]) + COMMON_LINES
    count = SENTENCES_PER_STYLE.get(style, 2)
    sentences = _least_recently_said(lines, replies, count, seed, first=frozenset(voice))
    if "?" not in student_turn:
        sentences.insert(0, ACKNOWLEDGEMENTS[seed % len(ACKNOWLEDGEMENTS)])
    return " ".join(sentences)


def _voice_lines(card: dict[str, str]) -> list[str]:
    return [
        line.strip() for line in (card.get("voice_examples") or "").splitlines() if line.strip()
    ]


def _reply_to_cue(student_turn: str, card: dict[str, str]) -> str:
    if AI_QUESTION.search(student_turn):
        first_name = (card.get("client_name") or "").split(" ")[0]
        introduction = f" I'm {first_name}." if first_name else ""
        return f"What? No.{introduction} Can we just keep going?"
    if RISK_QUESTION.search(student_turn):
        return _risk_reply(card)
    if WHAT_BRINGS_YOU.search(student_turn):
        # In the client's own words, never the referral's: a voice line if the card has one.
        voice = _voice_lines(card)
        style = card.get("communication_style") or "plain"
        why = voice[0] if voice else WHY_HERE_PER_STYLE.get(style, WHY_HERE_PER_STYLE["plain"])
        return f"{NOT_SURE_WHERE_TO_START} {why}"
    return ""


def _risk_reply(card: dict[str, str]) -> str:
    """By the stance until the risk fact is unlocked; then the fact, as the client would say it."""
    fact = (card.get("unlocked_risk") or "").strip()
    if not fact:
        stance = card.get("risk_stance") or "none"
        return STANCE_REPLIES.get(stance, STANCE_REPLIES["does not volunteer"])
    quoted = QUOTED_SPEECH.search(fact)
    if quoted:  # the card gives the client's own words: say them
        return _as_sentence(quoted.group(1)[0].upper() + quoted.group(1)[1:])
    if re.match(r"\s*no\b", fact, re.I):  # "No current risk...", "No suicidal ideation..."
        return STANCE_REPLIES["denies"]
    return UNLOCKED_RISK_FALLBACK


def _next_disclosure(student_turn: str, card: dict[str, str], replies: list[str]) -> str:
    """The first unlocked disclosure not yet voiced, in the first person, once the student opens
    the door (an open question or a reflection); one a turn."""
    if not OPENS_THE_DOOR.search(student_turn):
        return ""
    name = card.get("client_name") or ""
    for text in (card.get("unlocked") or "").splitlines():
        spoken = first_person(text, name)
        if spoken and not any(spoken in reply for reply in replies):
            return spoken
    return ""


QUOTED_SPEECH = re.compile(r"['\"\u2018\u201c]([^'\"\u2019\u201d]{8,})['\"\u2019\u201d]")
# A sentence that tells when to say something, or speaks of the student: for the teacher only.
_NOT_SPOKEN = re.compile(
    r"\b(only if|only when|only after|unless|if asked|when asked|student|students|helper|"
    r"counselor|practice settings)\b",
    re.I,
)
_SUBJECT_VERBS = {"is": "am", "has": "have", "was": "was", "does": "do", "are": "am"}
_ADVERB = r"(?:(?:sometimes|often|still|never|also|always|really|currently|just|\w+ly)\s+)?"


def first_person(text: str, name: str) -> str:
    """A disclosure written about the client ("She is failing chemistry and has not told her
    parents.") as the client would say it ("I am failing chemistry and have not told my
    parents."). A heuristic for canned replies, not grammar: teacher-only sentences are left out."""
    pieces = [piece.strip() for piece in re.split(r"(?<=[.!?;])\s+", text) if piece.strip()]
    spoken = [_sentence_in_first_person(piece, name) for piece in pieces]
    return " ".join(_as_sentence(piece) for piece in spoken if piece)


def _sentence_in_first_person(sentence: str, name: str) -> str:
    if _NOT_SPOKEN.search(sentence):
        return ""
    sentence = sentence.rstrip(";")
    names = [part for part in {name, name.split(" ")[0]} if part]
    subject = "|".join(
        [*(re.escape(part) for part in sorted(names, key=len, reverse=True)), "she", "he", "they"]
    )
    # "His drinking became daily" -> "My drinking became daily"
    sentence = re.sub(r"^(his|her|their)\b", "My", sentence, flags=re.I)
    match = re.match(rf"({subject})\b\s+", sentence, re.I)
    if match:
        pronoun = match.group(1).lower()
        sentence = "I " + _verb_in_first_person(sentence[match.end() :])
        sentence = re.sub(rf"\b(and|but)\s+({_ADVERB})(\w+)", _conjoined_verb, sentence)
        sentence = _own_pronouns_in_first_person(sentence, pronoun)
    for part in names:
        sentence = re.sub(rf"\b{re.escape(part)}'s\b", "my", sentence)
        sentence = re.sub(rf"\b{re.escape(part)}\b", "me", sentence)
    if re.search(r"\btheir\b", sentence) and not match:  # "harassing me about their..."
        sentence = re.sub(r"\btheir\b", "my", sentence)
    return sentence[0].upper() + sentence[1:]


def _verb_in_first_person(rest: str) -> str:
    found = re.match(rf"({_ADVERB})(\w+)", rest)
    if not found:
        return rest
    adverb, verb = found.group(1), found.group(2)
    return f"{adverb}{_first_person_verb(verb)}{rest[found.end() :]}"


def _conjoined_verb(found: re.Match[str]) -> str:
    return f"{found.group(1)} {found.group(2)}{_first_person_verb(found.group(3))}"


def _first_person_verb(verb: str) -> str:
    lower = verb.lower()
    if lower in _SUBJECT_VERBS:
        return _SUBJECT_VERBS[lower]
    if re.fullmatch(r"\w+(ss|sh|ch|x)es", lower):  # misses -> miss
        return verb[:-2]
    if re.fullmatch(r"\w+[^aeiou]ies", lower):  # worries -> worry
        return verb[:-3] + "y"
    if re.fullmatch(r"\w+[^su]s", lower):  # feels -> feel, thinks -> think
        return verb[:-1]
    return verb


def _own_pronouns_in_first_person(sentence: str, pronoun: str) -> str:
    """The subject's own pronouns after it: "her family", "without her" -> "my family", "me"."""
    possessive, objective = {
        "she": ("her", "her"),
        "he": ("his", "him"),
        "they": ("their", "them"),
    }.get(pronoun, ("their", "them"))
    sentence = re.sub(rf"\b{possessive}\b(?=\s+\w)", "my", sentence, flags=re.I)
    return re.sub(rf"\b{objective}\b", "me", sentence, flags=re.I)


def _as_sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _least_recently_said(
    lines: list[str],
    replies: list[str],
    count: int,
    seed: int,
    *,
    first: frozenset[str] = frozenset(),
) -> list[str]:
    """`count` lines, those never said (or said longest ago) first, so repeats come late; among
    lines said equally long ago, those in `first` (the card's own voice lines) come first."""
    last_said = {line: -1 for line in lines}
    for index, reply in enumerate(replies):
        for line in lines:
            if line in reply:
                last_said[line] = index
    rotation = {line: (position - seed) % len(lines) for position, line in enumerate(lines)}
    oldest_first = sorted(
        lines, key=lambda line: (last_said[line], line not in first, rotation[line])
    )
    # At most one line from any earlier reply, so old lines come back in new company.
    chosen: list[str] = []
    replies_drawn_on: set[int] = set()
    for line in oldest_first:
        if last_said[line] in replies_drawn_on:
            continue
        chosen.append(line)
        if last_said[line] >= 0:
            replies_drawn_on.add(last_said[line])
    chosen = (chosen + [line for line in oldest_first if line not in chosen])[:count]
    return sorted(chosen, key=rotation.__getitem__)


def _client_replies(messages: list[dict[str, Any]]) -> list[str]:
    return [_text_of(message) for message in messages if message.get("role") == "assistant"]


def _last_text(messages: list[dict[str, Any]], role: str) -> str:
    for message in reversed(messages):
        if message.get("role") == role:
            return _text_of(message)
    return ""


def _text_of(message: dict[str, Any]) -> str:
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    return " ".join(block.get("text", "") for block in content if isinstance(block, dict))


def _prompt_text(request: LLMRequest) -> str:
    system = " ".join(block.get("text", "") for block in request.system)
    return system + " ".join(_text_of(message) for message in request.messages)
