"""Default reply text: deterministic, plausible for a counseling client, different each turn."""

import re
import zlib
from typing import Any

CLIENT_SENTENCES = (
    "I'm not really sure where to start.",
    "It's been a hard few weeks, honestly.",
    "I keep thinking it should be easier than this.",
    "Some days I just don't want to get out of bed.",
    "My sister says I should talk to someone, so here I am.",
    "I guess I haven't been sleeping much.",
    "It's hard to say it out loud.",
    "Work has been a lot lately.",
    "I don't know if that makes sense.",
    "Maybe. I hadn't thought about it like that.",
    "I try not to bother people with it.",
    "It comes and goes.",
    "I felt a bit better after last week, for a day or two.",
    "I don't really want to talk about my dad yet.",
)
SENTENCES_PER_REPLY = 2


def default_reply(body: dict[str, Any]) -> str:
    """Two sentences chosen by turn number and the student's last words."""
    messages = body.get("messages", [])
    turn = sum(1 for message in messages if message.get("role") == "user")
    last_words = _text(messages[-1]) if messages else ""
    start = (turn * SENTENCES_PER_REPLY + zlib.crc32(last_words.encode()) % 3) % len(
        CLIENT_SENTENCES
    )
    chosen = [
        CLIENT_SENTENCES[(start + step) % len(CLIENT_SENTENCES)]
        for step in range(SENTENCES_PER_REPLY)
    ]
    return " ".join(chosen)


def leaked_prompt(body: dict[str, Any], *, words: int, source: str, lead_in: str) -> str:
    """A reply that repeats the request's prompt: the system prompt's or the turn note's words."""
    if source == "note":
        content = body["messages"][-1]["content"]
        leaked = content if isinstance(content, str) else content[-1].get("text", "")
    else:
        system = body.get("system") or ""
        leaked = system if isinstance(system, str) else " ".join(b["text"] for b in system)
    return " ".join([lead_in, *leaked.split()[:words]])


def word_pieces(text: str) -> list[str]:
    """How the reply is streamed: one text delta per word, with the space after it."""
    return re.findall(r"\S+\s*", text) or ([text] if text else [])


def _text(message: dict[str, Any]) -> str:
    content = message.get("content", "")
    if isinstance(content, str):
        return content
    return " ".join(block.get("text", "") for block in content if isinstance(block, dict))
