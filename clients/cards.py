"""Client card v1: the JSON form of a client profile, for import, export and session snapshots.

Validation is strict on purpose: a card is a file a teacher wrote by hand or another Rapport
exported, and a silently coerced "3" or a misspelt key would change how the client behaves.
pydantic's strict mode names the field in every error, which is what the person importing needs.
"""

import json
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from clients.models import ClientProfile, CommunicationStyle, Difficulty

CARD_FORMAT = "client-card/v1"
SHORT = 200
LONG = 5000
# One import at most: a file this large and this many cards (docs/teaching.md). A teacher's whole
# "Export all cards" fits many times over; 22,000 drafts from one file does not.
IMPORT_MAX_BYTES = 1_000_000
IMPORT_MAX_CARDS = 200

ShortText = Annotated[str, Field(max_length=SHORT)]
LongText = Annotated[str, Field(max_length=LONG)]
TextList = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=SHORT)]], Field(max_length=30)
]


class CardError(ValueError):
    """A card that cannot be imported; the message names the field and the card."""


class ClientCard(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)

    format: Literal["client-card/v1"] = CARD_FORMAT
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
    hidden_information: LongText = ""
    risk_notes: LongText = ""
    goals: LongText = ""
    opening_statement: LongText = ""
    difficulty: Literal[tuple(Difficulty.values)] = Difficulty.BEGINNER.value
    learning_objectives: TextList = []
    session_time_limit_minutes: Annotated[int, Field(ge=1, le=240)] | None = None
    content_warnings: TextList = []
    teacher_notes: LongText = ""

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


CARD_FIELDS = [name for name in ClientCard.model_fields if name != "format"]


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "card"
        message = "is not a known field" if item["type"] == "extra_forbidden" else item["msg"]
        problems.append(f"{field}: {message}")
    return "; ".join(problems)


def card_validate(data: Any, *, source: str = "card") -> dict[str, Any]:
    """Return the card's fields, ready for ClientProfile(**fields), or raise CardError."""
    if not isinstance(data, dict):
        raise CardError(f"{source}: a client card must be a JSON object.")
    try:
        card = ClientCard.model_validate(data)
    except ValidationError as error:
        raise CardError(f"{source}: {_describe(error)}") from None
    return card.model_dump(exclude={"format"})


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
    return {"format": CARD_FORMAT} | {name: getattr(client, name) for name in CARD_FIELDS}
