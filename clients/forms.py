"""The teacher's client form: every card v2 field, grouped, validated by the card's own rules.

The form converts what the browser sends (text, numbers, one item per line, keywords separated
by commas, a formset row per disclosure) and then hands the result to clients.cards.ClientCardV2,
the same strict model that checks imported files, so a card the form accepts always imports and
a card an import refuses is refused here too. Each pydantic error becomes an error on the field
it names (a disclosure's on its row), worded for a person.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from pydantic import ValidationError

from clients.cards import (
    CARD_FORMAT,
    DISCLOSURES_MAX,
    KEYWORDS_MAX,
    LONG,
    SHORT,
    ClientCardV2,
    secrets_in_view,
)
from clients.models import CommunicationStyle, Difficulty
from clients.prompts.base import DEFAULT_DIFFICULTY
from clients.prompts.card import (
    FLUENCIES,
    LEVELS,
    MAX_EXAMPLES,
    REGISTERS,
    STANCES,
    default_voice,
)
from clients.selectors import SORTS

LIST_FIELDS = ("core_beliefs", "learning_objectives", "content_warnings")
# Form fields that hold one part of the card's risk or voice ("risk_stance" is risk.stance).
RISK_FIELDS = ("risk_stance", "risk_text", "risk_level", "risk_keywords")
VOICE_FIELDS = ("voice_register", "voice_fluency", "voice_examples")
DISCLOSURE_PREFIX = "disclosures"
# A secret the model would see before its level (clients.cards.secrets_in_view).
VISIBLE_KEYWORD = "keyword_visible"
# The name of the "Add a disclosure" button: a post that adds a row and saves nothing.
ADD_DISCLOSURE = "add_disclosure"
MAX_LIST_ITEMS = 30
PRONOUNS_MAX = 50


@dataclass(frozen=True)
class Group:
    legend: str
    intro: str
    fields: tuple[str, ...]
    # The disclosures formset is shown in this group, after its fields.
    disclosures: bool = False


GROUPS = (
    Group(
        "Identity",
        "Who the client is. Students see the name; the rest shapes how the client talks.",
        ("name", "age", "pronouns", "occupation", "cultural_background"),
    ),
    Group(
        "Clinical picture",
        "What brought them here and what lies underneath: their story, the beliefs they live "
        "by and how they cope. The client shows these in how they talk; they never recite them.",
        (
            "presenting_problem",
            "background_history",
            "personality",
            "emotional_state",
            "core_beliefs",
            "coping_strategies",
            "goals",
        ),
    ),
    Group(
        "How they talk",
        "How they speak and how hard they are to reach. Rapport holds the client to these on "
        "every reply.",
        (
            "communication_style",
            "resistance_level",
            "opening_statement",
            "difficulty",
            "voice_register",
            "voice_fluency",
            "voice_examples",
        ),
    ),
    Group(
        "What they hold back",
        "Each disclosure reaches the model only once the student has earned its trust level: "
        "1 comes early, 3 only after real skill. Its keywords are the words that give it away: "
        "none of them may reach the model before that level.",
        (),
        disclosures=True,
    ),
    Group(
        "Risk",
        "How the client answers a direct question about harm before trust, and the fact they "
        "hold back until then. Leave the stance on “No risk” for a card without one.",
        RISK_FIELDS,
    ),
    Group(
        "Content warnings and time",
        "Warnings are shown to students before they start; they are never sent to the model.",
        ("content_warnings", "session_time_limit_minutes"),
    ),
    Group(
        "Teaching notes",
        "What the session is for. Teacher notes never reach the model or students.",
        ("learning_objectives", "teacher_notes"),
    ),
)


def _text(label: str, help_text: str, *, max_length: int = LONG, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": max_length}),
    )


def _line(label: str, help_text: str, *, max_length: int = SHORT) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"maxlength": max_length}),
    )


def _lines(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=f"{help_text} One per line (up to {MAX_LIST_ITEMS}, each at most {SHORT} "
        "characters).",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _keywords(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=f"Words that give it away, separated by commas (at least one, up to "
        f"{KEYWORDS_MAX}), e.g. failing, organic chemistry.",
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"maxlength": LONG}),
    )


LEVEL_NAMES = {1: "1: early", 2: "2: after some trust", 3: "3: only after real skill"}


def _level(label: str, *, initial: int, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        required=required,
        empty_value=None,
        label=label,
        help_text="How much trust the student must earn first. 1: early, once they listen. "
        "2: after some trust. 3: only after real skill.",
        choices=[(level, LEVEL_NAMES[level]) for level in LEVELS],
        coerce=int,
        initial=initial,
    )


class DisclosureForm(forms.Form):
    """One row of the disclosures formset; a row left empty is no disclosure."""

    text = _text(
        "What they hold back", "A fact the client tells nobody yet, in a sentence or two.", rows=2
    )
    # Not required here: an empty row is no disclosure, and a filled one gets the card's check.
    level = _level("Trust level needed", initial=LEVELS[0], required=False)
    keywords = _keywords("Keywords")

    def is_empty(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("text") or data.get("keywords")) or bool(data.get("DELETE"))


DisclosureFormSet = forms.formset_factory(
    DisclosureForm, extra=1, can_delete=True, max_num=DISCLOSURES_MAX, validate_max=True
)


class ClientForm(forms.Form):
    name = forms.CharField(
        label="Name",
        help_text="Required. The name students see and the client answers to.",
        required=False,  # required-ness is the card's rule; the browser still asks for it
        widget=forms.TextInput(attrs={"maxlength": SHORT, "required": True}),
    )
    age = forms.IntegerField(
        label="Age",
        help_text="In years, 1 to 120. Leave empty if it does not matter.",
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 120}),
    )
    pronouns = _line("Pronouns", "For example she/her, he/him, they/them.", max_length=PRONOUNS_MAX)
    occupation = _line("Occupation", "Work or study, in a few words.")
    cultural_background = _text(
        "Cultural background", "Heritage, faith, language, community: what colours their view."
    )
    presenting_problem = forms.CharField(
        label="Presenting problem",
        help_text="Required. Why they are here, as others would put it.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": LONG, "required": True}),
    )
    background_history = _text("Background history", "Their life so far: family, work, events.")
    personality = _text("Personality", "Traits that show in how they speak.", rows=2)
    emotional_state = _text("Emotional state", "How they feel today.", rows=2)
    core_beliefs = _lines(
        "Core beliefs",
        'Beliefs held deep down and never put into words, e.g. "I am a burden". The client acts '
        "on them; never says them.",
    )
    coping_strategies = _text("Coping strategies", "What they do to get by, helpful or not.")
    goals = _text("Goals", "What they want out of talking, in their own terms.", rows=2)
    communication_style = forms.ChoiceField(
        label="Communication style",
        help_text="Plain: direct. Upset: irritated, challenging. Verbose: long answers. Reserved: "
        "brief, evasive. Tangential: drifts off topic. Pleasing: agrees, plays problems down.",
        choices=CommunicationStyle.choices,
        initial=CommunicationStyle.PLAIN,
    )
    resistance_level = forms.TypedChoiceField(
        label="Resistance level",
        help_text="1: came willingly. 3: in two minds. 5: does not want to be here.",
        choices=[(level, str(level)) for level in range(1, 6)],
        coerce=int,
        initial=3,
    )
    opening_statement = _text(
        "Opening statement",
        "The client's first words, shown before the student writes anything.",
        rows=2,
    )
    difficulty = forms.ChoiceField(
        label="Difficulty",
        help_text="How easily good responses move the client.",
        choices=Difficulty.choices,
        initial=DEFAULT_DIFFICULTY,
    )
    voice_register = forms.ChoiceField(
        label="Voice",
        help_text="Plain: says what they mean. Terse: few words. Rambling: long, loose answers. "
        "Formal: careful and polite. Storyteller: answers with stories.",
        choices=[(register, register.capitalize()) for register in REGISTERS],
        initial=REGISTERS[0],
        required=False,  # the select always sends one; a post without it gets the default
    )
    voice_fluency = forms.ChoiceField(
        label="Fluency",
        help_text="Fluent, or halting: pauses, restarts, unfinished sentences.",
        choices=[(fluency, fluency.capitalize()) for fluency in FLUENCIES],
        initial=FLUENCIES[0],
        required=False,
    )
    voice_examples = forms.CharField(
        label="Example lines",
        help_text=f"Things this client would say, in their own words. One per line, up to "
        f"{MAX_EXAMPLES}; three or more give the model a voice to copy.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    risk_stance = forms.ChoiceField(
        label="If asked directly about harm",
        help_text="What the client says before trust reaches the risk's level.",
        choices=[
            ("", "No risk on this card"),
            *((stance, stance.capitalize()) for stance in STANCES),
        ],
        required=False,
    )
    risk_text = _text(
        "The risk they hold back",
        "The fact itself, e.g. passive thoughts of not being here, no plan or intent.",
        rows=2,
    )
    risk_level = _level("Trust level for the risk", initial=LEVELS[-1], required=False)
    risk_keywords = _keywords("Risk keywords")
    content_warnings = _lines(
        "Content warnings", "Topics students are warned about before they start."
    )
    session_time_limit_minutes = forms.IntegerField(
        label="Session time limit (minutes)",
        help_text="1 to 240. Leave empty for no limit.",
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 240}),
    )
    learning_objectives = _lines(
        "Learning objectives", "Skills the student practises, e.g. Reflecting feelings."
    )
    teacher_notes = _text(
        "Teacher notes", "For you and other teachers only: never sent to the model or students."
    )

    def __init__(self, data: Any = None, *, initial: dict[str, Any] | None = None, **kwargs: Any):
        initial = dict(initial or {})
        rows = initial.pop("disclosures", None) or []
        super().__init__(data, initial=initial, **kwargs)
        self.disclosures = DisclosureFormSet(data, initial=rows, prefix=DISCLOSURE_PREFIX)
        self.card: dict[str, Any] | None = None

    @classmethod
    def with_another_disclosure(cls, data: Any) -> "ClientForm":
        """The form as the teacher left it, unchecked, with one more empty disclosure row.

        "Add a disclosure" works without script: it posts the form and gets it back. Nothing is
        checked yet (no errors about a name not typed), and a row ticked for removal goes."""
        main = {name: data.get(name, "") for name in cls.base_fields}
        posted = DisclosureFormSet(data, prefix=DISCLOSURE_PREFIX)
        rows = [
            {name: row.data.get(row.add_prefix(name), "") for name in DisclosureForm.base_fields}
            for row in posted.forms
            if not row.data.get(row.add_prefix("DELETE"))
        ]
        return cls(initial=main | {"disclosures": rows})  # the formset adds the empty row

    def groups(self) -> list[tuple[Group, list[forms.BoundField]]]:
        return [(group, [self[name] for name in group.fields]) for group in GROUPS]

    def error_list(self) -> list[tuple[str, str]]:
        """Every error as (id of the field to jump to, sentence), in page order."""
        found = [("", str(error)) for error in self.non_field_errors()]
        rows = [row for row in self.disclosures.forms if row.is_bound]
        for group in GROUPS:
            for name in group.fields:
                found += [(self[name].id_for_label, str(error)) for error in self[name].errors]
            if group.disclosures:
                found += [("", str(error)) for error in self.disclosures.non_form_errors()]
                for number, row in enumerate(rows, start=1):
                    found += [("", f"Disclosure {number}: {e}") for e in row.non_field_errors()]
                    for field in row:
                        found += [
                            (
                                field.id_for_label,
                                f"Disclosure {number}, {error[0].lower()}{error[1:]}",
                            )
                            for error in field.errors
                        ]
        return found

    def is_valid(self) -> bool:
        rows_valid = self.disclosures.is_valid()
        return super().is_valid() and rows_valid and self.card is not None

    @classmethod
    def initial_from_card(cls, card: dict[str, Any]) -> dict[str, Any]:
        """The form's initial data for a v2 card (lists as lines, keywords joined by commas)."""
        initial = {name: value for name, value in card.items() if name in cls.base_fields}
        for name in LIST_FIELDS:
            initial[name] = "\n".join(card.get(name) or [])
        voice = card.get("voice") or default_voice()
        initial["voice_register"] = voice["register"]
        initial["voice_fluency"] = voice["fluency"]
        initial["voice_examples"] = "\n".join(voice.get("examples") or [])
        risk = card.get("risk")
        if risk:
            initial["risk_stance"] = risk["stance"]
            initial |= {f"risk_{name}": value for name, value in _row(risk["disclosure"]).items()}
        initial["disclosures"] = [_row(item) for item in card.get("disclosures") or []]
        return initial

    def clean(self) -> dict[str, Any]:
        # Check the card even when a field already failed its own conversion (an age that is
        # not a number), so every problem is listed after one save, not revealed in stages.
        cleaned = super().clean()
        already_wrong = set(self.errors)
        self.disclosures.is_valid()  # the rows' own checks (a level that is not 1 to 3)
        # A field its own check refused gets no second message from the card's rules.
        already_wrong |= {
            row.add_prefix(name) for row in self.disclosures.forms for name in row.errors
        }
        data = {
            name: cleaned.get(name)
            for name in self.fields
            if name not in already_wrong and name not in RISK_FIELDS + VOICE_FIELDS
        }
        for name in LIST_FIELDS:
            if name in data:
                data[name] = _split_lines(data[name] or "")
        for name in ("communication_style", "difficulty"):
            if name in data:
                data[name] = data[name] or None
        data = {name: value for name, value in data.items() if value is not None}
        kept_rows = [
            row
            for row in self.disclosures.forms
            if not row.errors and hasattr(row, "cleaned_data") and not row.is_empty()
        ]
        data["disclosures"] = [_disclosure(row.cleaned_data) for row in kept_rows]
        data["voice"] = {
            "register": cleaned.get("voice_register") or REGISTERS[0],
            "fluency": cleaned.get("voice_fluency") or FLUENCIES[0],
            "examples": _split_lines(cleaned.get("voice_examples") or ""),
        }
        data["risk"] = self._risk(cleaned)
        try:
            card = ClientCardV2.model_validate({"format": CARD_FORMAT} | data)
        except ValidationError as error:
            for item in error.errors():
                self._add_card_error(item, kept_rows, already_wrong)
            return cleaned
        fields = card.model_dump(exclude={"format"})
        for found in secrets_in_view(fields):
            ctx = {"word": found.word, "where": found.where, "field": found.field}
            item = {"type": VISIBLE_KEYWORD, "loc": found.loc, "ctx": ctx}
            self._add_card_error(item, kept_rows, already_wrong)
        rows_wrong = any(row.errors for row in self.disclosures.forms)
        if rows_wrong or self.errors:
            return cleaned
        self.card = fields
        return cleaned

    def _risk(self, cleaned: dict[str, Any]) -> dict[str, Any] | None:
        """The card's risk: none when nothing is filled in; a stance is asked for otherwise."""
        stance = cleaned.get("risk_stance") or ""
        text = cleaned.get("risk_text") or ""
        keywords = cleaned.get("risk_keywords") or ""
        if not stance:
            if text or keywords:
                self.add_error(
                    "risk_stance",
                    "Choose how the client answers a direct question about harm, or empty "
                    "the risk's text and keywords for a card without a risk.",
                )
            return None
        level = cleaned.get("risk_level") or LEVELS[-1]
        fact = {"text": text, "level": level, "keywords": keywords}
        return {"stance": stance, "disclosure": _disclosure(fact)}

    def _add_card_error(
        self, item: dict[str, Any], kept_rows: list[DisclosureForm], already_wrong: set[str]
    ) -> None:
        form, name, rest = self._locate(item["loc"], kept_rows)
        if (name if form is self else form.add_prefix(name)) in already_wrong:
            return
        target = name if name in form.fields else None
        form.add_error(target, _message(form, name, rest, item))

    def _locate(
        self, loc: tuple[Any, ...], kept_rows: list[DisclosureForm]
    ) -> tuple[forms.Form, str, tuple[Any, ...]]:
        """The form (this one, or a disclosure's row) and field a card error's location names."""
        head, *rest = loc or ("",)
        if head == "disclosures" and rest and isinstance(rest[0], int):
            return kept_rows[rest[0]], str(rest[1]) if len(rest) > 1 else "", tuple(rest[2:])
        if head == "risk" and rest[:1] == ["disclosure"] and len(rest) > 1:
            return self, f"risk_{rest[1]}", tuple(rest[2:])
        if head in ("risk", "voice") and rest:
            return self, f"{head}_{rest[0]}", tuple(rest[1:])
        return self, str(head), tuple(rest)


def _row(item: dict[str, Any]) -> dict[str, Any]:
    """A disclosure as the form shows it: keywords joined by commas."""
    return {
        "text": item.get("text", ""),
        "level": item.get("level", LEVELS[0]),
        "keywords": ", ".join(item.get("keywords") or []),
    }


def _disclosure(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": fields.get("text") or "",
        "level": fields.get("level"),
        "keywords": [
            word.strip() for word in (fields.get("keywords") or "").split(",") if word.strip()
        ],
    }


def _split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _message(form: forms.Form, name: str, rest: tuple[Any, ...], item: dict[str, Any]) -> str:
    """A pydantic error as a sentence that names the field (and the line, in a list)."""
    field = form.fields.get(name)
    label = field.label if field is not None else "This card"
    part = "keyword" if name.endswith("keywords") else "line"
    where = f"{label}, {part} {rest[0] + 1}" if rest else label
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind in ("missing", "string_too_short") and not rest:
        return f"{label} is required."
    if kind == "too_short" and name.endswith("keywords"):
        return f"{label}: give at least one word that gives it away."
    if kind == "string_too_long":
        return f"{where} must be at most {ctx['max_length']} characters."
    if kind == "too_long":
        return f"{label} can have at most {ctx['max_length']} {part}s."
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{label} {_range_of(name, item)}."
    if kind == "literal_error":
        return f"{label}: choose one of the options offered."
    if kind == VISIBLE_KEYWORD and ctx["field"]:
        shown = ClientForm.base_fields.get(ctx["field"].replace(".", "_"))
        shown_label = shown.label if shown is not None else ctx["field"]
        return (
            f"{where}: “{ctx['word']}” is already in {shown_label}, which the model sees from "
            "the first turn; choose a word only this secret uses."
        )
    if kind == VISIBLE_KEYWORD:
        return (
            f"{where}: “{ctx['word']}” is already in {ctx['where']}, before this secret's "
            "level; choose a word only this secret uses."
        )
    if kind in ("value_error", "string_unicode"):
        return f"{where} contains characters that cannot be stored (NUL or broken unicode)."
    return f"{where}: {item['msg']}"


RANGES = {
    "age": (1, 120),
    "resistance_level": (1, 5),
    "session_time_limit_minutes": (1, 240),
    "level": (LEVELS[0], LEVELS[-1]),
    "risk_level": (LEVELS[0], LEVELS[-1]),
}


def _range_of(name: str, item: dict[str, Any]) -> str:
    low, high = RANGES.get(name, (None, None))
    if low is None:
        return item["msg"].lower()
    return f"must be between {low} and {high}"


class ClientListForm(forms.Form):
    """Search and sort on the teacher's client list (GET)."""

    q = forms.CharField(label="Search", required=False, max_length=SHORT, strip=True)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[(value, label) for value, label, _ in SORTS],
    )
    archived = forms.BooleanField(required=False, widget=forms.HiddenInput)
