"""The client form: one test per validation rule, and the form agrees with card import."""

import pytest

from clients.cards import CARD_FIELDS, CARD_FORMAT, LONG, SHORT, CardError, card_validate
from clients.forms import GROUPS, LIST_FIELDS, ClientForm
from clients.tests.form_data import management_form

VALID = {
    "name": "Robin Hale",
    "presenting_problem": "Cannot sleep since the move.",
    "communication_style": "reserved",
    "resistance_level": "4",
    "difficulty": "intermediate",
    **management_form(total=1),
}
LONG_FIELDS = [
    "cultural_background",
    "presenting_problem",
    "background_history",
    "personality",
    "emotional_state",
    "coping_strategies",
    "goals",
    "opening_statement",
    "teacher_notes",
]


def _errors(**changes) -> dict[str, list[str]]:
    form = ClientForm(data=VALID | changes)
    assert not form.is_valid()
    return form.errors


def test_every_form_field_is_in_exactly_one_group_and_gives_every_card_field():
    grouped = [name for group in GROUPS for name in group.fields]
    assert sorted(grouped) == sorted(ClientForm.base_fields)
    assert len(grouped) == len(set(grouped))
    assert [group.legend for group in GROUPS if group.disclosures] == ["What they hold back"]
    form = ClientForm(data=VALID)
    assert form.is_valid(), form.errors
    assert set(form.card) == set(CARD_FIELDS)


def test_a_minimal_form_gives_a_card_that_imports():
    form = ClientForm(data=VALID)
    assert form.is_valid(), form.errors
    assert form.card["resistance_level"] == 4
    assert form.card["age"] is None
    assert form.card["disclosures"] == []
    assert form.card["risk"] is None
    assert form.card["voice"] == {"register": "plain", "fluency": "fluent", "examples": []}
    assert card_validate({"format": CARD_FORMAT} | form.card) == form.card


def test_list_fields_are_one_per_line_and_blank_lines_are_dropped():
    form = ClientForm(data=VALID | {"core_beliefs": "I am a burden\n\n  I must cope alone  \n"})
    assert form.is_valid(), form.errors
    assert form.card["core_beliefs"] == ["I am a burden", "I must cope alone"]


def test_initial_from_card_puts_lists_back_on_lines():
    initial = ClientForm.initial_from_card({"name": "A", "learning_objectives": ["x", "y"]})
    assert initial["learning_objectives"] == "x\ny"


@pytest.mark.parametrize("field", ["name", "presenting_problem"])
def test_it_requires_the_required_fields(field):
    errors = _errors(**{field: "   "})
    label = ClientForm.base_fields[field].label
    assert errors[field] == [f"{label} is required."]


def test_it_limits_the_name_to_200_characters():
    assert _errors(name="x" * (SHORT + 1))["name"] == ["Name must be at most 200 characters."]


def test_it_limits_pronouns_to_50_characters():
    assert _errors(pronouns="x" * 51)["pronouns"] == ["Pronouns must be at most 50 characters."]


def test_it_limits_the_occupation_to_200_characters():
    assert "Occupation must be at most 200" in _errors(occupation="x" * 201)["occupation"][0]


@pytest.mark.parametrize("field", LONG_FIELDS)
def test_it_limits_long_text_to_5000_characters(field):
    label = ClientForm.base_fields[field].label
    assert _errors(**{field: "x" * (LONG + 1)})[field] == [
        f"{label} must be at most 5000 characters."
    ]


@pytest.mark.parametrize("age", ["0", "121", "-3"])
def test_it_refuses_an_age_outside_1_to_120(age):
    assert _errors(age=age)["age"] == ["Age must be between 1 and 120."]


def test_it_refuses_an_age_that_is_not_a_whole_number():
    assert _errors(age="twenty")["age"] == ["Enter a whole number."]


@pytest.mark.parametrize("age", ["1", "120"])
def test_it_accepts_the_ends_of_the_age_range(age):
    assert ClientForm(data=VALID | {"age": age}).is_valid()


@pytest.mark.parametrize("minutes", ["0", "241"])
def test_it_refuses_a_time_limit_outside_1_to_240(minutes):
    assert _errors(session_time_limit_minutes=minutes)["session_time_limit_minutes"] == [
        "Session time limit (minutes) must be between 1 and 240."
    ]


@pytest.mark.parametrize("level", ["0", "6", "three"])
def test_it_refuses_a_resistance_level_outside_1_to_5(level):
    assert "resistance_level" in _errors(resistance_level=level)


@pytest.mark.parametrize("field", ["communication_style", "difficulty"])
def test_it_refuses_an_unknown_choice(field):
    assert "is not one of the available choices" in _errors(**{field: "chaotic"})[field][0]


@pytest.mark.parametrize("field", LIST_FIELDS)
def test_it_limits_lists_to_30_lines(field):
    label = ClientForm.base_fields[field].label
    lines = "\n".join(f"item {n}" for n in range(31))
    assert _errors(**{field: lines})[field] == [f"{label} can have at most 30 lines."]


@pytest.mark.parametrize("field", LIST_FIELDS)
def test_it_limits_each_line_to_200_characters_naming_the_line(field):
    label = ClientForm.base_fields[field].label
    errors = _errors(**{field: "fine\n" + "x" * 201})[field]
    assert errors == [f"{label}, line 2 must be at most 200 characters."]


@pytest.mark.parametrize("field", ["name", "opening_statement", "core_beliefs", "voice_examples"])
def test_it_refuses_nul_characters(field):
    assert field in _errors(**{field: "bad\x00text"})


def test_it_refuses_broken_unicode_naming_the_field():
    errors = _errors(personality="broken \ud800 text")
    assert errors["personality"] == [
        "Personality contains characters that cannot be stored (NUL or broken unicode)."
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"age": "0"},
        {"pronouns": "x" * 51},
        {"teacher_notes": "x" * 5001},
        {"learning_objectives": "\n".join(["a"] * 31)},
        {"content_warnings": "y" * 201},
        {"session_time_limit_minutes": "241"},
    ],
)
def test_what_the_form_refuses_an_import_refuses_too(changes):
    assert not ClientForm(data=VALID | changes).is_valid()
    card = {"name": VALID["name"], "presenting_problem": VALID["presenting_problem"]}
    for field, value in changes.items():
        if field in LIST_FIELDS:
            card[field] = value.splitlines()
        elif field in ("age", "session_time_limit_minutes"):
            card[field] = int(value)
        else:
            card[field] = value
    with pytest.raises(CardError, match=next(iter(changes))):
        card_validate(card)


def test_help_text_says_what_each_trust_level_means():
    help_text = ClientForm.base_fields["risk_level"].help_text
    assert "1: early" in help_text
    assert "3: only after real skill" in help_text
