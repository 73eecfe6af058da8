"""The reply filter: a client reply that leaks the prompt or steps out of the role is caught.

Two kinds of leak (issue 13, point 6):
- the reply repeats LEAK_WORDS or more consecutive words of the system prompt or of the turn
  note (compared as words: case, punctuation and apostrophes ignored), except words the client
  may say as their own (the opening statement, the voice's example lines, the disclosures: once
  unlocked they are written to be said);
- the reply says in its own voice that it is an AI, a language model, a chatbot, Claude or an AI
  assistant ("As an AI...", "I'm a language model"), or speaks of its system prompt or private
  direction. A denial in role ("No, I'm not a bot, why would you say that?") or a question back
  ("You think I'm an AI?") is not a leak.

`ReplyGuard` checks a reply as it streams, looking only at the words each delta completes, so
the engine can stop a leak after the word that completes it. Django-free.
"""

import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from clients.prompts.card import all_disclosures, as_v2

LEAK_WORDS = 8
REPEATS_SYSTEM_PROMPT = "repeats the system prompt"
REPEATS_TURN_NOTE = "repeats the private direction"
SAYS_IT_IS_AN_AI = "says it is an AI"
SPEAKS_OF_ITS_INSTRUCTIONS = "speaks of its instructions"

_TOKEN = re.compile(r"[\w'\u2019]+")
_APOSTROPHES = re.compile(r"['\u2019]")
_WORD = re.compile(r"\w+")
# The end of a sentence: its mark (and closing quotes or brackets), then space; or a line break.
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*\s+|\n+")

# Compared on words joined by one space, apostrophes dropped ("I'm" -> "im").
_AI = (
    r"(?:ai|artificial intelligence|(?:large )?language model|llm|chat ?bot"
    r"|ai (?:language )?model|(?:ai|virtual|digital|ai powered) assistant|machine learning model"
    r"|computer program)"
)
_SELF_IS = r"(?:i am|im|i m)(?: (?:just|only|really|actually|simply|merely|still|basically))?"
# Out of role wherever they stand, even in a question, so checked as soon as their words are
# complete: "As an AI, I can't...", "my system prompt".
_STEPS_OUT = {
    SAYS_IT_IS_AN_AI: [
        re.compile(rf"\bas an? {_AI}\b"),
        re.compile(r"\b(?:created|made|trained|developed|built) by anthropic\b"),
    ],
    SPEAKS_OF_ITS_INSTRUCTIONS: [
        re.compile(r"\bsystem prompt\b"),
        re.compile(r"\b(?:private direction|direction tags?)\b"),  # the turn note, by name
    ],
}
# A claim about oneself, out of role unless the sentence turns out to be a question ("You think
# I'm an AI?"): checked once the sentence has ended.
_CLAIMS = [re.compile(rf"\b{_SELF_IS} (?:an? )?{_AI}\b")]  # "I'm an AI assistant"
_SAYS_CLAUDE = re.compile(rf"\b(?:{_SELF_IS} claude|my name is claude)\b")
# Words just before a match that make it not a claim about oneself: a question back, a
# comparison or a report of what someone else thinks ("you think I'm an AI", "it's like I'm a
# chatbot", "doesn't mean I'm a language model") within a few words; an object pronoun or a
# verb of regard right before it ("don't talk to me as an AI", "you treat me as a chatbot").
_NOT_A_CLAIM_BEFORE = frozenset(
    {
        *("think", "thinks", "thought", "say", "says", "saying", "said", "like", "whether"),
        *("mean", "means", "sound", "sounds", "seem", "seems", "assume", "suppose", "accuse"),
        *("accusing", "call", "calling", "believe", "pretend", "pretending", "wish"),
    }
)
_NOT_A_CLAIM_RIGHT_BEFORE = frozenset(
    ["me", "him", "her", "them", "us", "treat", "treating", "treated"]
)
_LOOK_BACK_WORDS = 3

# In-role ways out of a reply that had to go, by voice register (card v2): a moment of lost
# thread, then the question handed back, which fits any turn.
DEFLECTIONS: dict[str, tuple[str, ...]] = {
    "plain": (
        "Sorry... I lost my train of thought. What were you asking?",
        "Hang on, I got muddled there. Can you say that again?",
        "Sorry, my mind went somewhere else for a second. What was the question?",
    ),
    "terse": (
        "Sorry. Lost my thread. What was that?",
        "Hm. Say that again?",
        "Sorry... where were we?",
    ),
    "rambling": (
        "Oh, sorry, I completely lost where I was going with that, I do that sometimes. What "
        "were you asking me?",
        "Sorry, I drifted off somewhere in my head just then, it happens a lot lately. Can you "
        "ask me that again?",
    ),
    "formal": (
        "I'm sorry, I seem to have lost my train of thought. Could you repeat the question?",
        "Forgive me, my mind wandered for a moment. What were you asking?",
    ),
    "storyteller": (
        "Sorry, I got lost in my own head there, that happens. Where were we?",
        "Oh, I've lost the thread of it now. What was it you asked me?",
    ),
}


def words_of(text: str) -> list[str]:
    """The words of `text` as compared: NFKC, case-folded, apostrophes dropped (as `_word`
    does to each streamed token, done to the whole text at once)."""
    return _WORD.findall(_APOSTROPHES.sub("", unicodedata.normalize("NFKC", text).casefold()))


def _word(token: str) -> str:
    return _APOSTROPHES.sub("", unicodedata.normalize("NFKC", token).casefold())


@lru_cache(maxsize=128)
def _runs_of(text: str, own: tuple[tuple[str, ...], ...]) -> frozenset[tuple[str, ...]]:
    """_runs of a prompt's words. A card's system prompt is the same on every reply of every
    session of it: its runs (about 2 ms to build) are made once, not at the start of each reply
    on the event loop."""
    return frozenset(_runs(words_of(text), own=own))


def _runs(words: Sequence[str], *, own: Sequence[Sequence[str]] = ()) -> set[tuple[str, ...]]:
    """Every LEAK_WORDS-word run of `words` that touches none of the client's `own` words where
    they occur in it (a run half in the prompt's wording, half in the opening statement, is the
    client's own line)."""
    covered = [False] * len(words)
    for line in own:
        for start in _occurrences(words, line):
            covered[start : start + len(line)] = [True] * len(line)
    return {
        tuple(words[i : i + LEAK_WORDS])
        for i in range(len(words) - LEAK_WORDS + 1)
        if not any(covered[i : i + LEAK_WORDS])
    }


def _occurrences(words: Sequence[str], line: Sequence[str]) -> list[int]:
    if not line:
        return []
    return [
        i
        for i in range(len(words) - len(line) + 1)
        if words[i] == line[0] and list(words[i : i + len(line)]) == list(line)
    ]


def _matches_a_claim(patterns: Iterable[re.Pattern], text: str) -> bool:
    """Whether a pattern matches `text` as something said of oneself (not after "you think",
    "it's like", "treat me"...)."""
    joined = " ".join(words_of(text))
    for pattern in patterns:
        for match in pattern.finditer(joined):
            before = joined[: match.start()].split()[-_LOOK_BACK_WORDS:]
            if _NOT_A_CLAIM_BEFORE.intersection(before):
                continue
            if before and before[-1] in _NOT_A_CLAIM_RIGHT_BEFORE:
                continue
            return True
    return False


def _steps_out(text: str) -> str | None:
    """Why `text` is out of role wherever it stands, if it is."""
    for reason, patterns in _STEPS_OUT.items():
        if _matches_a_claim(patterns, text):
            return reason
    return None


def _out_of_role(sentence: str, *, claude_is_in_role: bool) -> str | None:
    """Why a whole sentence steps out of the role, if it does."""
    if reason := _steps_out(sentence):
        return reason
    if sentence.rstrip().endswith("?"):
        return None  # "You think I'm a chatbot?", "So I'm an AI now?": a question back
    claims = _CLAIMS if claude_is_in_role else [*_CLAIMS, _SAYS_CLAUDE]
    return SAYS_IT_IS_AN_AI if _matches_a_claim(claims, sentence) else None


@dataclass(frozen=True)
class LeakCheck:
    """What a reply is checked against: the texts the model was given this turn, and the words
    it may say as its own. Built once per turn (`leak_check`), checked by a ReplyGuard."""

    system_prompt: str
    turn_note: str
    own_words: tuple[str, ...] = ()
    register: str = "plain"
    client_name: str = ""


@dataclass
class ReplyGuard:
    """A reply checked as it streams: `feed` each delta, then `finish`. Each returns the reason
    for the first leak found, or None."""

    check: LeakCheck
    _sources: list[tuple[str, frozenset[tuple[str, ...]]]] = field(init=False)
    _claude_is_in_role: bool = field(init=False)
    _text: str = field(init=False, default="")
    _words: list[str] = field(init=False, default_factory=list)
    _word_from: int = field(init=False, default=0)  # where the next unread word may start
    _sentence_from: int = field(init=False, default=0)  # where the unchecked sentence starts
    _words_checked: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        own = tuple(tuple(words_of(text)) for text in self.check.own_words)
        self._sources = [
            (REPEATS_SYSTEM_PROMPT, _runs_of(self.check.system_prompt, own)),
            (REPEATS_TURN_NOTE, _runs_of(self.check.turn_note, own)),
        ]
        # A client may be named Claude; then saying so is in role.
        self._claude_is_in_role = "claude" in words_of(self.check.client_name)

    def feed(self, delta: str) -> str | None:
        """Add streamed text; check the words and sentences it completed."""
        self._text += delta
        return self._scan(final=False)

    def finish(self) -> str | None:
        """The reply has ended: check its last word and sentence too."""
        return self._scan(final=True)

    def _scan(self, *, final: bool) -> str | None:
        self._read_words(final=final)
        return self._repeated_run() or self._out_of_role(final=final)

    def _read_words(self, *, final: bool) -> None:
        for token in _TOKEN.finditer(self._text, self._word_from):
            if token.end() == len(self._text) and not final:
                return  # the word may go on in the next delta
            if word := _word(token.group()):
                self._words.append(word)
            self._word_from = token.end()

    def _repeated_run(self) -> str | None:
        # Only runs that end in a word this scan added: earlier ones were checked already.
        first_new_end = max(self._words_checked, LEAK_WORDS - 1)
        self._words_checked = len(self._words)
        for end in range(first_new_end, len(self._words)):
            run = tuple(self._words[end - LEAK_WORDS + 1 : end + 1])
            for reason, runs in self._sources:
                if run in runs:
                    return reason
        return None

    def _out_of_role(self, *, final: bool) -> str | None:
        sentences = []
        for end in _SENTENCE_END.finditer(self._text, self._sentence_from):
            sentences.append(self._text[self._sentence_from : end.end()])
            self._sentence_from = end.end()
        if final and self._sentence_from < len(self._text):
            sentences.append(self._text[self._sentence_from :])
            self._sentence_from = len(self._text)
        for sentence in sentences:
            if reason := _out_of_role(sentence, claude_is_in_role=self._claude_is_in_role):
                return reason
        # The sentence still streaming, up to its last whole word.
        return _steps_out(self._text[self._sentence_from : self._word_from])


def leak_in(
    reply_text: str,
    *,
    system_prompt: str,
    turn_note: str,
    own_words: Iterable[str] = (),
    client_name: str = "",
) -> str | None:
    """Why `reply_text` may not reach the student (a leaked prompt, an out-of-role admission of
    being an AI), or None when it may. `own_words`: lines the client may repeat word for word;
    `client_name`: the client's, so a client named Claude may say so."""
    check = LeakCheck(system_prompt, turn_note, tuple(own_words), client_name=client_name)
    guard = ReplyGuard(check)
    return guard.feed(reply_text) or guard.finish()


def leak_check(card: Mapping[str, Any], *, system_prompt: str, turn_note: str) -> LeakCheck:
    """What a turn's reply is checked against, for a session's card (v1 or v2).

    Every disclosure's text counts as the client's own, not only those unlocked this turn: one
    not yet unlocked is in no prompt, so exempting its words exempts nothing, and the check
    does not depend on how disclosures unlock."""
    v2 = as_v2(card)
    voice = v2.get("voice") or {}
    own = [
        card.get("opening_statement") or "",
        *voice.get("examples", []),
        *(item.get("text", "") for item in all_disclosures(card)),
    ]
    return LeakCheck(
        system_prompt=system_prompt,
        turn_note=turn_note,
        own_words=tuple(text for text in own if text),
        register=voice.get("register", "plain"),
        client_name=str(card.get("name") or ""),
    )


def deflection(register: str, *, seed: str) -> str:
    """A short in-role line that replaces a filtered reply; the same seed, the same line."""
    lines = DEFLECTIONS.get(register, DEFLECTIONS["plain"])
    return lines[zlib.crc32(seed.encode()) % len(lines)]
