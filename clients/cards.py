"""Client cards: the JSON form of a client profile, for import, export and session snapshots.

Import reads v1 (validated by ClientCard, then mapped to v2 by clients.prompts.card.as_v2) and
v2 (ClientCardV2); export and new snapshots are v2. docs/client-card.md describes both, and
docs/client-card-v1.schema.json / -v2.schema.json are these models' JSON Schemas.

Validation is strict on purpose: a card is a file a teacher wrote by hand or another Rapport
exported, and a silently coerced "3" or a misspelt key would change how the client behaves.
pydantic's strict mode names the field in every error, which is what the person importing needs.
"""

import json
import warnings
from collections.abc import Callable
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from clients.models import ClientProfile, CommunicationStyle, Difficulty
from clients.prompts.base import DEFAULT_DIFFICULTY
from clients.prompts.card import (
    CARD_V1,
    CARD_V2,
    FLUENCIES,
    LEVELS,
    MAX_EXAMPLES,
    REGISTERS,
    SHORT,
    STANCES,
    all_disclosures,
    as_v2,
    default_voice,
    keywords_of,
)
from clients.prompts.disclosure import FIRST_TURN, is_said, keywords_in_view
from clients.prompts.system import system_prompt

# What export writes and a new session's snapshot holds.
CARD_FORMAT = CARD_V2
LONG = 5000
# One import at most: a file this large and this many cards (docs/teaching.md). A teacher's whole
# "Export all cards" fits many times over; 22,000 drafts from one file does not.
IMPORT_MAX_BYTES = 1_000_000
IMPORT_MAX_CARDS = 200

ShortText = Annotated[str, Field(max_length=SHORT)]
LongText = Annotated[str, Field(max_length=LONG)]
KEYWORDS_MAX = 20
# Room for a long v1 hidden_information split into sentences; a teacher's form shows one row each.
DISCLOSURES_MAX = 100
TextList = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=SHORT)]], Field(max_length=30)
]


class CardError(ValueError):
    """A card that cannot be imported; the message names the field and the card. `problems`
    holds (field path, problem) pairs when the card's own rules refused it."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class _StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def refuse_unstorable_text(cls, value: Any) -> Any:
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if isinstance(text, str) and ("\x00" in text or _has_lone_surrogate(text)):
                raise ValueError(
                    "contains characters that cannot be stored (NUL or broken unicode)"
                )
        return value


class _CardFields(_StrictModel):
    """The fields v1 and v2 share, with their bounds: written once for both versions."""

    name: Annotated[str, Field(min_length=1, max_length=SHORT)]
    age: Annotated[int, Field(ge=1, le=120)] | None = None
    pronouns: Annotated[str, Field(max_length=50)] = ""
    occupation: ShortText = ""
    cultural_background: LongText = ""
    presenting_problem: Annotated[str, Field(min_length=1, max_length=LONG)]
    background_history: LongText = ""
    personality: LongText = ""
    emotional_state: LongText = ""
    communication_style: Literal[tuple(CommunicationStyle.values)] = CommunicationStyle.PLAIN.value
    resistance_level: Annotated[int, Field(ge=1, le=5)] = 3
    core_beliefs: TextList = []
    coping_strategies: LongText = ""
    goals: LongText = ""
    opening_statement: LongText = ""
    difficulty: Literal[tuple(Difficulty.values)] = DEFAULT_DIFFICULTY
    learning_objectives: TextList = []
    session_time_limit_minutes: Annotated[int, Field(ge=1, le=240)] | None = None
    content_warnings: TextList = []
    teacher_notes: LongText = ""


class ClientCard(_CardFields):
    """Client card v1 (docs/client-card.md): still imported, mapped to v2 on the way in."""

    model_config = ConfigDict(title="Client card v1")

    format: Literal["client-card/v1"] = CARD_V1
    hidden_information: LongText = ""
    risk_notes: LongText = ""


Keyword = Annotated[str, Field(min_length=1, max_length=SHORT)]


class Disclosure(_StrictModel):
    """What the client holds back, the trust level it needs, and the words that give it away."""

    text: Annotated[str, Field(min_length=1, max_length=LONG)]
    # Not Literal[1, 2, 3]: pydantic lets True pass for 1 there, strict or not.
    level: Annotated[int, Field(ge=LEVELS[0], le=LEVELS[-1])]
    # The teacher's words that must not reach the model before the level: at least one, or
    # nothing could check that the secret stayed a secret.
    keywords: Annotated[list[Keyword], Field(min_length=1, max_length=KEYWORDS_MAX)]


class Risk(_StrictModel):
    """How the client answers a direct question about harm before trust, and the gated fact."""

    stance: Literal[STANCES]
    disclosure: Disclosure


# "register" is the card's word for it; pydantic warns that it shadows ABCMeta.register, which a
# card never calls (and would take it as the field's default, hence Field() below).
warnings.filterwarnings("ignore", message='Field name "register" in "Voice" shadows')


class Voice(_StrictModel):
    """How this client talks: a register, fluent or halting, and lines in their own words."""

    # Field(): without it pydantic would take the inherited ABCMeta.register as the default.
    register: Literal[REGISTERS] = Field()
    fluency: Literal[FLUENCIES]
    examples: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=LONG)]],
        Field(max_length=MAX_EXAMPLES),
    ] = []


Disclosures = Annotated[list[Disclosure], Field(max_length=DISCLOSURES_MAX)]


class ClientCardV2(_CardFields):
    """Client card v2 (docs/client-card.md): v1 without hidden_information and risk_notes, with
    gated disclosures, a risk stance and a voice."""

    model_config = ConfigDict(title="Client card v2")

    format: Literal["client-card/v2"]
    disclosures: Disclosures = []
    risk: Risk | None = None
    voice: Voice = Field(default_factory=lambda: Voice(**default_voice()))


CARD_FIELDS = [name for name in ClientCardV2.model_fields if name != "format"]
V2_ONLY_FIELDS = ("disclosures", "risk", "voice")


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _describe(error: ValidationError, *, within: tuple[str, ...] = ()) -> str:
    return "; ".join(f"{field}: {problem}" for field, problem in _problems(error, within=within))


def _problems(error: ValidationError, *, within: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in (*within, *item["loc"])) or "card"
        message = "is not a known field" if item["type"] == "extra_forbidden" else item["msg"]
        problems.append((field, message))
    return problems


def card_validate(data: Any, *, source: str = "card") -> dict[str, Any]:
    """Return the card's v2 fields, ready for ClientProfile(**fields), or raise CardError.

    A v2 card (format "client-card/v2") is checked as it is; any other card is read as v1 (its
    format may be left out) and mapped with as_v2."""
    if not isinstance(data, dict):
        raise CardError(f"{source}: a client card must be a JSON object.")
    if data.get("format") == CARD_V2:
        return _validated_v2(data, source=source)
    if "format" not in data and any(name in data for name in V2_ONLY_FIELDS):
        raise CardError(
            f'{source}: format: a card with disclosures, risk or voice says "format": "{CARD_V2}".'
        )
    try:
        v1 = ClientCard.model_validate(data)
    except ValidationError as error:
        raise CardError(f"{source}: {_describe(error)}") from None
    return _validated_v2(as_v2(v1.model_dump()), source=source)


_PARTS = {
    "disclosures": TypeAdapter(Disclosures),
    "risk": TypeAdapter(Risk | None),
    "voice": TypeAdapter(Voice),
}


def card_part_validate(name: str, value: Any) -> Any:
    """One v2 part (disclosures, risk or voice) checked on its own, as JSON again, or CardError
    naming the path inside it: for staff who edit these JSON fields by hand in the admin."""
    adapter = _PARTS[name]
    try:
        return adapter.dump_python(adapter.validate_python(value), mode="json")
    except ValidationError as error:
        raise CardError(_describe(error, within=(name,))) from None


def _validated_v2(data: dict[str, Any], *, source: str) -> dict[str, Any]:
    try:
        card = ClientCardV2.model_validate(data)
    except ValidationError as error:
        problems = _problems(error)
        raise CardError(f"{source}: {_describe(error)}", problems) from None
    fields = card.model_dump(exclude={"format"})
    problems = [
        (
            ".".join(map(str, found.loc)),
            f'"{found.word}" is already in {found.where}'
            + (f" ({found.field})" if found.field else ""),
        )
        for found in secrets_in_view(fields)
    ]
    if problems:
        text = "; ".join(f"{field}: {problem}" for field, problem in problems)
        raise CardError(f"{source}: {text}", problems)
    return fields


class SecretInView(NamedTuple):
    """A secret's word the model would get before its level."""

    loc: tuple[Any, ...]  # the path of the keyword (or the text) in the card
    word: str
    where: str  # where the model sees it (clients.prompts.disclosure.keywords_in_view)
    field: str | None  # the card field that puts it in the first turn's instructions, if one


def secrets_in_view(card: dict[str, Any]) -> list[SecretInView]:
    """A v2 card's secrets the model would get before their level (keywords_in_view). Such a
    secret could not be kept: a card with one is refused, at import, in the teacher's form and
    in the staff admin."""
    paths = [("disclosures", index) for index in range(len(card.get("disclosures") or []))]
    paths.append(("risk", "disclosure"))  # all_disclosures puts the risk's last
    items = all_disclosures(card)
    found = []
    for index, word, where in keywords_in_view(card):
        keywords = keywords_of(items[index])
        part = ("keywords", keywords.index(word)) if word in keywords else ("text",)
        field = _field_showing(card, word) if where == FIRST_TURN else None
        found.append(SecretInView((*paths[index], *part), word, where, field))
    return found


def _field_showing(card: dict[str, Any], word: str) -> str | None:
    """The card field whose removal takes the word out of the system prompt, found by trying
    (no list of shown fields to keep in step with the prompt); None for the prompt's own wording."""
    voice = card.get("voice") or default_voice()
    without = {"voice.examples": card | {"voice": voice | {"examples": []}}}
    for name, value in card.items():
        if name not in ("disclosures", "risk", "voice") and value:
            without[name] = card | {name: type(value)()}
    return next(
        (name for name, other in without.items() if not is_said(word, system_prompt(other))),
        None,
    )


def cards_parse(text: str, *, source: str) -> list[dict[str, Any]]:
    """Parse a file's text: one card, or a JSON list of at most IMPORT_MAX_CARDS cards."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CardError(f"{source}: not valid JSON ({error.msg} at line {error.lineno}).") from None
    except RecursionError:  # brackets nested thousands deep: Python's parser gives up
        raise CardError(f"{source}: not a client card file (nested far too deeply).") from None
    items = data if isinstance(data, list) else [data]
    if len(items) > IMPORT_MAX_CARDS:
        raise CardError(
            f"{source}: {len(items)} cards is more than one import takes "
            f"({IMPORT_MAX_CARDS}); split the file."
        )
    return [
        card_validate(item, source=f"{source}[{index}]" if isinstance(data, list) else source)
        for index, item in enumerate(items)
    ]


def cards_from_file(size: int, read: Callable[[], bytes], *, source: str) -> list[dict[str, Any]]:
    """The cards of one uploaded or named file, or CardError: its size is checked before it is
    read, so an oversized file is never loaded."""
    if size > IMPORT_MAX_BYTES:
        raise CardError(f"{source}: the file is larger than {IMPORT_MAX_BYTES // 1_000_000} MB.")
    try:
        text = read().decode("utf-8")
    except UnicodeDecodeError:
        raise CardError(f"{source}: the file is not UTF-8 text.") from None
    return cards_parse(text, source=source)


def card_from_client(client: ClientProfile) -> dict[str, Any]:
    """The client as a v2 card: what export writes and a new session's snapshot holds."""
    return {"format": CARD_FORMAT} | {name: getattr(client, name) for name in CARD_FIELDS}


SCHEMA_FILES = {
    CARD_V1: "docs/client-card-v1.schema.json",
    CARD_V2: "docs/client-card-v2.schema.json",
}


def card_schema_text(version: str) -> str:
    """The text of a format's schema file (SCHEMA_FILES), as `manage.py card_schemas` writes it."""
    return json.dumps(card_json_schema(version), indent=2, ensure_ascii=False) + "\n"


def card_json_schema(version: str) -> dict[str, Any]:
    """The JSON Schema of a card format, as docs/client-card-v1/-v2.schema.json hold it."""
    model = {CARD_V1: ClientCard, CARD_V2: ClientCardV2}[version]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
    } | model.model_json_schema()
