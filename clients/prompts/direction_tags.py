"""A student cannot forge the private direction: imitations of its tags are stripped with what
they enclose.

The engine's real tag is named per session (`direction-` and a secret suffix, see
conversations/direction.py), so a student cannot guess it; anything in the student's text that a
model could read as a direction tag, of any spelling, is removed here before the text is sent.
"""

import html
import re
import unicodedata

from clients.prompts.base import DIRECTION_TAG

# Brackets a forged tag may be written with, after NFKC (fullwidth forms become ASCII).
# Parentheses are left out on purpose: "(direction unclear)" is ordinary prose.
_OPENERS = "<\\[{\u2039\u3008\u27e8\u27ea\u300a\u3010\u3014\u00ab"
_CLOSERS = ">\\]}\u203a\u3009\u27e9\u27eb\u300b\u3011\u3015\u00bb"
# Look-alikes a reader (and a model) takes for the letters of "direction": Cyrillic and Greek
# homoglyphs, accented forms and digits. NFKC has already folded fullwidth and styled letters.
_LOOK_ALIKES = {
    "d": "d\u0501\u0257",
    "i": "i\u0456\u0131\u026a\u03b9\u00ed\u00ec\u00ee\u00ef\u01d01l|!",
    "r": "r\u0433\u0280\u0155",
    "e": "e\u0435\u0451\u0454\u025b\u03b5\u00e9\u00e8\u00ea\u00eb",
    "c": "c\u0441\u03f2\u1d04\u00e7\u0107",
    "t": "t\u0442\u03c4",
    "o": "o\u043e\u03bf\u03c30\u00f6\u00f3\u00f2\u00f4",
    "n": "n\u043f\u0578\u03b7\u00f1\u0144",
}
_COMBINING = "[\u0300-\u036f]*"
# "d i r e c t i o n", "d-i-r-e-c-t-i-o-n", "d.irection": at most two separators per gap.
_GAP = r"[\s._\-*+~·/\\]{0,2}"


def _spelled(word: str) -> str:
    letters = [f"[{re.escape(_LOOK_ALIKES.get(ch, ch))}]{_COMBINING}" for ch in word]
    return _GAP.join(letters)


_NAME = _spelled(DIRECTION_TAG) + r"[\w-]*"  # direction, directions, direction-4f2a9c01de
_FORGED_TAG = re.compile(
    rf"[{_OPENERS}](?:!--)?\s*(?P<closing>/)?\s*{_NAME}[^{_CLOSERS}]*[{_CLOSERS}]?",
    re.IGNORECASE,
)
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
    """Remove every forged tag with what it encloses, counting nesting depth.

    An opening tag never closed takes the rest of the text; a closing tag never opened takes
    everything before it (its opening was spelled some way the reader missed, so what came
    before may be its body).
    """
    kept: list[str] = []
    depth = 0
    position = 0
    for tag in _FORGED_TAG.finditer(text):
        if depth == 0:
            kept.append(text[position : tag.start()])
        position = tag.end()
        if not tag["closing"]:
            depth += 1
        elif depth:
            depth -= 1
        else:
            kept.clear()
    if depth == 0:
        kept.append(text[position:])
    return "".join(kept)


def has_direction_tag(text: str) -> bool:
    """Whether `text`, read as the model would, holds anything like a direction tag."""
    return bool(_FORGED_TAG.search(_normalised(text)))


def without_direction_tags(student_text: str) -> str:
    """A student's text with any imitation of the private-direction tags removed, with what
    they enclose.

    The engine applies it before sending, so a student cannot forge direction. Stripping runs to
    a fixed point, so `<direc<direction>tion>` cannot reassemble into a tag, and on the text as
    the model would read it (HTML entities, fullwidth brackets, `[direction]`, `{direction}`,
    `< /direction>`, `<direction-abc turn="9">`, look-alike letters, letters spaced apart).
    Text with nothing that looks like a tag is returned unchanged.
    """
    text = _normalised(student_text)
    if not _FORGED_TAG.search(text):
        return student_text
    for _ in range(_MAX_PASSES):
        stripped = _normalised(_strip_forged_once(text))
        if stripped == text:
            return _SPACES.sub(" ", stripped).strip()
        text = stripped
    return ""  # never settled: send nothing of it rather than a possible forgery
