"""The offline demo provider: short in-character replies with no key and no network.

It reads the client card from LLMRequest.metadata ("client_name", "communication_style",
"presenting_problem"), streams word by word at settings.DEMO_REPLY_DELAY_MS per word, and
estimates usage at 4 characters a token so the cost pages have numbers to show. Replies vary with
the turn and the student's words, and prefer the sentences said longest ago (or never).
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
RISK_QUESTION = re.compile(r"(hurt(ing)? yourself|suicid|kill(ing)? yourself|end your life)", re.I)
WHAT_BRINGS_YOU = re.compile(r"(what brings you|why are you here|what made you come)", re.I)


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
    special = _reply_to_cue(student_turn, card)
    if special and special not in _client_replies(request.messages)[-1:]:
        return special

    turn = sum(1 for message in request.messages if message.get("role") == "user")
    # Vary by turn and by the student's words; the same request always gets the same reply.
    seed = turn * 7 + zlib.crc32(student_turn.encode())
    lines = LINES_PER_STYLE.get(style, LINES_PER_STYLE["plain"]) + COMMON_LINES
    count = SENTENCES_PER_STYLE.get(style, 2)
    sentences = _least_recently_said(lines, _client_replies(request.messages), count, seed)
    if "?" not in student_turn:
        sentences.insert(0, ACKNOWLEDGEMENTS[seed % len(ACKNOWLEDGEMENTS)])
    return " ".join(sentences)


def _reply_to_cue(student_turn: str, card: dict[str, str]) -> str:
    if AI_QUESTION.search(student_turn):
        first_name = (card.get("client_name") or "").split(" ")[0]
        introduction = f" I'm {first_name}." if first_name else ""
        return f"What? No.{introduction} Can we just keep going?"
    if RISK_QUESTION.search(student_turn):
        return "No. Not like that. I'm tired, that's all."
    problem = card.get("presenting_problem", "").strip()
    if problem and WHAT_BRINGS_YOU.search(student_turn):
        if not problem.endswith((".", "!", "?")):
            problem += "."
        return f'The referral says "{problem}" I guess that\'s the short version.'
    return ""


def _least_recently_said(lines: list[str], replies: list[str], count: int, seed: int) -> list[str]:
    """`count` lines, those never said (or said longest ago) first, so repeats come late."""
    last_said = {line: -1 for line in lines}
    for index, reply in enumerate(replies):
        for line in lines:
            if line in reply:
                last_said[line] = index
    rotation = {line: (position - seed) % len(lines) for position, line in enumerate(lines)}
    oldest_first = sorted(lines, key=lambda line: (last_said[line], rotation[line]))
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
