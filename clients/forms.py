"""The teacher's client form: every card field, grouped, validated by the card's own rules.

The form converts what the browser sends (text, numbers, one item per line) and then hands the
result to clients.cards.ClientCard, the same strict model that checks imported files, so a card
the form accepts always imports and a card an import refuses is refused here too. Each pydantic
error becomes an error on the field it names, worded for a person.
"""

from dataclasses import dataclass
from typing import Any

from django import forms
from pydantic import ValidationError

from clients.cards import LONG, SHORT, ClientCard
from clients.models import CommunicationStyle, Difficulty
from clients.selectors import SORTS

LIST_FIELDS = ("core_beliefs", "learning_objectives", "content_warnings")
MAX_LIST_ITEMS = 30
PRONOUNS_MAX = 50


@dataclass(frozen=True)
class Group:
    legend: str
    intro: str
    fields: tuple[str, ...]


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
        ("communication_style", "resistance_level", "opening_statement", "difficulty"),
    ),
    Group(
        "What they hide",
        "Never in the system prompt: each item is given to the model only once trust has grown "
        "enough.",
        ("hidden_information",),
    ),
    Group(
        "Safety and content warnings",
        "Risk notes guide the client if a student asks about safety; warnings are shown to "
        "students before they start.",
        ("risk_notes", "content_warnings", "session_time_limit_minutes"),
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
        initial=Difficulty.BEGINNER,
    )
    hidden_information = _text(
        "Hidden information",
        "Things the client has told nobody, revealed only as trust builds. One item per "
        "sentence, written from least to most sensitive: each later item needs more trust, and "
        "items about harm, death, drinking or secrets need more still.",
        rows=4,
    )
    risk_notes = _text(
        "Risk notes",
        "How the client answers questions about safety or harm. Leave empty for no risk.",
    )
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

    def groups(self) -> list[tuple[Group, list[forms.BoundField]]]:
        return [(group, [self[name] for name in group.fields]) for group in GROUPS]

    @classmethod
    def initial_from_card(cls, card: dict[str, Any]) -> dict[str, Any]:
        """The form's initial data for a card (list fields as lines)."""
        initial = dict(card)
        for name in LIST_FIELDS:
            initial[name] = "\n".join(card.get(name) or [])
        initial.pop("format", None)
        return initial

    def clean(self) -> dict[str, Any]:
        # Check the card even when a field already failed its own conversion (an age that is
        # not a number), so every problem is listed after one save, not revealed in stages.
        cleaned = super().clean()
        already_wrong = set(self.errors)
        data = {name: cleaned.get(name) for name in self.fields if name not in already_wrong}
        for name in LIST_FIELDS:
            if name in data:
                data[name] = _split_lines(data[name] or "")
        for name in ("communication_style", "difficulty"):
            if name in data:
                data[name] = data[name] or None
        data = {name: value for name, value in data.items() if value is not None}
        try:
            card = ClientCard.model_validate(data)
        except ValidationError as error:
            for item in error.errors():
                field = str(item["loc"][0]) if item["loc"] else None
                if field in already_wrong:
                    continue
                target = field if field in self.fields else None
                self.add_error(target, _message(self, item))
            return cleaned
        if already_wrong:
            return cleaned
        self.card = card.model_dump(exclude={"format"})
        return cleaned


def _split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _message(form: forms.Form, item: dict[str, Any]) -> str:
    """A pydantic error as a sentence that names the field (and the line, in a list)."""
    loc = item["loc"]
    field = form.fields.get(str(loc[0])) if loc else None
    label = field.label if field is not None else "This card"
    where = f"{label}, line {loc[1] + 1}" if len(loc) > 1 else label
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind in ("missing", "string_too_short") and len(loc) == 1:
        return f"{label} is required."
    if kind == "string_too_long":
        return f"{where} must be at most {ctx['max_length']} characters."
    if kind == "too_long":
        return f"{label} can have at most {ctx['max_length']} lines."
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{label} {_range_of(item)}."
    if kind == "literal_error":
        return f"{label}: choose one of the options offered."
    if kind in ("value_error", "string_unicode"):
        return f"{where} contains characters that cannot be stored (NUL or broken unicode)."
    return f"{where}: {item['msg']}"


RANGES = {
    "age": (1, 120),
    "resistance_level": (1, 5),
    "session_time_limit_minutes": (1, 240),
}


def _range_of(item: dict[str, Any]) -> str:
    low, high = RANGES.get(str(item["loc"][0]), (None, None))
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
