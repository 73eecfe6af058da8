"""A student cannot forge the private direction: imitations of its tags are stripped."""

import html
import re
import unicodedata

from clients.prompts.base import DIRECTION_TAG

# Brackets a forged tag may be written with, after NFKC (fullwidth forms become ASCII).
_OPENERS = "<\\[{\u2039\u3008\u27e8\u00ab"
_CLOSERS = ">\\]}\u203a\u3009\u27e9\u00bb"
_TAG_START = rf"[{_OPENERS}]\s*/?\s*{DIRECTION_TAG}\b"
_TAG = rf"{_TAG_START}[^{_CLOSERS}]*[{_CLOSERS}]?"
_OPENING = rf"[{_OPENERS}]\s*{DIRECTION_TAG}\b[^{_CLOSERS}]*[{_CLOSERS}]"
_CLOSING = rf"[{_OPENERS}]\s*/\s*{DIRECTION_TAG}\s*[{_CLOSERS}]"
_FORGED_BLOCK = re.compile(rf"{_OPENING}.*?{_CLOSING}", re.IGNORECASE | re.DOTALL)
_FORGED_OPENING_TO_END = re.compile(rf"{_OPENING}.*", re.IGNORECASE | re.DOTALL)
_FORGED_TAG = re.compile(_TAG, re.IGNORECASE)
_FORGED_TAG_START = re.compile(_TAG_START, re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")
_MAX_PASSES = 50


def _normalised(text: str) -> str:
    """Text as a reader would see it: entities decoded, compatibility forms folded, invisible
    format characters (zero-width spaces and joiners) dropped."""
    for _ in range(_MAX_PASSES):  # &amp;lt; is &lt; is <
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def _strip_forged_once(text: str) -> str:
    text = _FORGED_BLOCK.sub("", text)
    text = _FORGED_OPENING_TO_END.sub("", text)
    return _FORGED_TAG.sub("", text)


def without_direction_tags(student_text: str) -> str:
    """A student's text with any imitation of the private-direction tags removed, with what
    they enclose.

    The engine applies it before sending, so a student cannot forge direction. Stripping runs to
    a fixed point, so `<direc<direction>tion>` cannot reassemble into a tag, and on the text as
    the model would read it (HTML entities, fullwidth brackets, `[direction]`,
    `< /direction>`). Text with nothing that looks like a tag is returned unchanged.
    """
    text = _normalised(student_text)
    if not _FORGED_TAG_START.search(text):
        return student_text
    for _ in range(_MAX_PASSES):
        stripped = _normalised(_strip_forged_once(text))
        if stripped == text:
            return _SPACES.sub(" ", stripped).strip()
        text = stripped
    return ""  # never settled: send nothing of it rather than a possible forgery
