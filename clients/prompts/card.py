"""Client card v2, the shape every prompt reads; a v1 card (an old import or session snapshot)
is mapped to it by as_v2. Pure functions, no Django.

What v2 adds to v1 (docs/client-card.md):
- disclosures: ordered {text, level, keywords}: what the client holds back, the trust level it
  needs (1-3), and the teacher's words that must not reach the model before that level.
- risk: {stance, disclosure}: how the client answers a direct question about harm before trust,
  and the gated fact itself (a disclosure like the others), or None when the card has no risk.
- voice: {register, fluency, examples}: how this client talks, with lines in their own words.
v1's hidden_information and risk_notes are gone from v2: they become disclosures.
"""

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from clients.prompts.base import Card
from clients.prompts.hidden import hidden_items

CARD_V1 = "client-card/v1"
CARD_V2 = "client-card/v2"
LEVELS = (1, 2, 3)
REGISTERS = ("plain", "terse", "rambling", "formal", "storyteller")
FLUENCIES = ("fluent", "halting")
# How the client answers a direct question about harm before trust has reached the risk's level.
STANCES = ("denies", "deflects", "does not volunteer", "admits passive thoughts")
MAX_EXAMPLES = 8
MAX_KEYWORDS = 6
# The longest short text a card holds: a name, an occupation, a keyword (clients.cards). A whole
# sentence used as a v1 disclosure's keyword is cut there, which only makes the check stricter.
SHORT = 200

# A v1 card names one of Patient-Ψ's six styles; each speaks in a register of its own.
_REGISTER_OF_STYLE = {
    "plain": ("plain", "fluent"),
    "upset": ("terse", "fluent"),
    "verbose": ("rambling", "fluent"),
    "reserved": ("terse", "halting"),
    "tangential": ("storyteller", "fluent"),
    "pleasing": ("formal", "halting"),
}
_WORD = re.compile(r"[a-z][a-z'-]{3,}")
_COMMON = frozenset(
    """
    about above after again against also always another any anyone anything around because
    been before being below between both cannot could does doing done down during each even
    ever every from further gets getting going gone good have having here hers herself himself
    into itself just know knows like little made make makes many more most much must myself
    never next nothing once only other ours over said same says seen should since some someone
    something sometimes still such than that their theirs them themselves then there these they
    thing things think thinks this those though through time times told under until upon very
    want wants well were what when where whether which while will with within without would
    your yours yourself asked directly gently says tell tells really became happening
    intent plan plans student students discuss practice reports report nights night feels
    feel currently current others self group mentions rules apply settings setting people
    person risk harm safety care client helper session sessions trust level
    """.split()  # noqa: SIM905  (a word list reads better as text)
)


def is_v2(card: Card) -> bool:
    """A v2 card, or a v2 card's fields without "format" (clients.cards.card_validate's output,
    a ClientProfile's fields): mapping those as v1 would drop their disclosures."""
    if "format" in card:
        return card["format"] == CARD_V2
    return any(name in card for name in ("disclosures", "risk", "voice"))


def as_v2(card: Card) -> dict[str, Any]:
    """The card in v2 form: a v2 card as it is, a v1 card mapped (docs/client-card.md).

    v1's hidden_information splits into disclosures at rising levels (1, 2, then 3 for the
    rest); risk_notes becomes the top disclosure, with stance "does not volunteer"; the
    communication style picks a voice, whose only example line is the opening statement."""
    if is_v2(card):
        return dict(card)
    # Mapping builds the prompts to choose keywords (milliseconds), and every prompt function
    # asks for it several times a turn: a session's v1 snapshot is mapped once, then copied.
    return json.loads(_mapped_v1(json.dumps(card, sort_keys=True)))


@lru_cache(maxsize=256)
def _mapped_v1(card_json: str) -> str:
    return json.dumps(_map_v1(json.loads(card_json)))


def _map_v1(card: Card) -> dict[str, Any]:
    mapped = {key: value for key, value in card.items() if key not in _V1_ONLY}
    items = hidden_items(card)
    mapped["format"] = CARD_V2
    mapped["disclosures"] = [
        disclosure(item, min(index + 1, LEVELS[-1]), _keywords(item, earlier=items[:index]))
        for index, item in enumerate(items)
    ]
    risk_notes = " ".join((card.get("risk_notes") or "").split())
    mapped["risk"] = (
        {
            "stance": "does not volunteer",
            "disclosure": disclosure(risk_notes, LEVELS[-1], _keywords(risk_notes, earlier=items)),
        }
        if risk_notes
        else None
    )
    register, fluency = _REGISTER_OF_STYLE.get(
        card.get("communication_style") or "plain", ("plain", "fluent")
    )
    opening = (card.get("opening_statement") or "").strip()
    mapped["voice"] = {
        "register": register,
        "fluency": fluency,
        "examples": [opening] if opening else [],
    }
    _drop_keywords_in_view(mapped)
    return mapped


def default_voice() -> dict[str, Any]:
    """A card's voice when nobody chose one (the model's default and the import's)."""
    return {"register": REGISTERS[0], "fluency": FLUENCIES[0], "examples": []}


def _drop_keywords_in_view(mapped: dict[str, Any]) -> None:
    """Drop the automatic keywords the model would see before their level (a word of the
    prompt's own wording, of a lower disclosure): such a word cannot tell whether the secret was
    kept. A disclosure left with none falls back to its sentence, as _keywords does."""
    # Imported here: disclosure (through system and turn_note) imports this module.
    from clients.prompts.disclosure import keywords_in_view

    seen = {(index, word) for index, word, _where in keywords_in_view(mapped)}
    for index, item in enumerate(all_disclosures(mapped)):
        kept = [word for word in item["keywords"] if (index, word) not in seen]
        item["keywords"] = kept or [_sentence(item["text"])]


_V1_ONLY = ("format", "hidden_information", "risk_notes")


def disclosure(text: str, level: int, keywords: Iterable[str]) -> dict[str, Any]:
    return {"text": text, "level": level, "keywords": list(keywords)}


def all_disclosures(card: Card) -> list[dict[str, Any]]:
    """The card's disclosures, the risk's among them, in the order the card gives them."""
    v2 = as_v2(card)
    found = list(v2.get("disclosures") or [])
    risk = v2.get("risk") or {}
    if risk.get("disclosure"):
        found.append(risk["disclosure"])
    return found


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def _keywords(text: str, *, earlier: Iterable[str]) -> list[str]:
    """The disclosure's telling words: not common, not in an earlier item (a lower level's)."""
    taken = {word.strip("'-") for item in earlier for word in _words(item)}
    chosen: list[str] = []
    for word in _words(text):
        word = word.strip("'-")
        if len(word) < 4 or word in _COMMON or word in taken or word in chosen:
            continue
        chosen.append(word)
    # The longest words are the most specific ("harassing" tells more than "baby").
    chosen.sort(key=len, reverse=True)
    if not chosen:  # every word is common or taken: the sentence itself is the keyword
        return [_sentence(text)]
    return chosen[:MAX_KEYWORDS]


def _sentence(text: str) -> str:
    return text.strip().rstrip(".!?;")[:SHORT].strip()


def keywords_of(item: Mapping[str, Any]) -> list[str]:
    return [str(word) for word in item.get("keywords") or []]
