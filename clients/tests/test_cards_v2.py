"""Client card v2: the schema files, v1 -> v2 round trips, and what a v2 import refuses."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from clients.cards import (
    CARD_FIELDS,
    SCHEMA_FILES,
    CardError,
    card_from_client,
    card_schema_text,
    card_validate,
)
from clients.management.commands.card_schemas import write_schema
from clients.models import ClientProfile
from clients.prompts.card import CARD_V1, CARD_V2, as_v2

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "clients"
DEMO_CARDS = Path(__file__).resolve().parents[1] / "demo_cards"
SHARED_CARDS = sorted(FIXTURES.glob("*.json")) or sorted(DEMO_CARDS.glob("*.json"))
V2 = {
    "format": CARD_V2,
    "name": "Robin",
    "presenting_problem": "Cannot sleep.",
    "disclosures": [{"text": "He was fired.", "level": 2, "keywords": ["fired"]}],
    "risk": {
        "stance": "denies",
        "disclosure": {"text": "He thinks of not waking up.", "level": 3, "keywords": ["waking"]},
    },
    "voice": {"register": "terse", "fluency": "halting", "examples": ["Dunno."]},
}


def _export(fields: dict) -> dict:
    """What export writes for imported fields (card_from_client without the database)."""
    return {"format": CARD_V2} | {name: fields[name] for name in CARD_FIELDS}


@pytest.mark.parametrize("version", sorted(SCHEMA_FILES))
def test_the_documented_schema_is_the_one_import_validates_with(version):
    path = Path(settings.BASE_DIR) / SCHEMA_FILES[version]
    assert path.read_text(encoding="utf-8") == card_schema_text(version), (
        f"{path.name} is out of date: run `manage.py card_schemas`"
    )


def test_card_schemas_writes_the_schema_files(tmp_path):
    write_schema(CARD_V2, tmp_path / "v2.json")
    schema = json.loads((tmp_path / "v2.json").read_text())
    assert schema["properties"]["format"]["const"] == CARD_V2
    assert schema["$defs"]["Disclosure"]["properties"]["keywords"]["minItems"] == 1
    assert not {"hidden_information", "risk_notes"} & set(schema["properties"])


@pytest.mark.parametrize("path", SHARED_CARDS, ids=lambda path: path.name)
def test_a_shared_v1_card_round_trips_through_v2(path):
    v1 = json.loads(path.read_text(encoding="utf-8"))
    assert v1["format"] == CARD_V1
    exported = _export(card_validate(v1, source=path.name))
    again = _export(card_validate(json.loads(json.dumps(exported)), source="export.json"))
    assert again == exported
    assert exported == as_v2(v1) | {"format": CARD_V2}  # the mapping is the contract's


@pytest.mark.parametrize("path", SHARED_CARDS, ids=lambda path: path.name)
def test_a_shared_card_round_trips_through_the_database(path, teacher):
    call_command("import_clients", str(path), "--owner", "tea", stdout=StringIO())
    exported = card_from_client(ClientProfile.objects.get())
    assert exported == _export(card_validate(json.loads(path.read_text(encoding="utf-8"))))
    assert card_validate(exported) | {"format": CARD_V2} == exported


def test_the_v1_mapping_gates_hidden_information_and_risk_notes():
    fields = card_validate(
        {
            "name": "Sam",
            "presenting_problem": "Low mood.",
            "communication_style": "reserved",
            "hidden_information": "He failed his final exams. He has been gambling every weekend.",
            "risk_notes": "Passive thoughts of death.",
        }
    )
    assert [(item["text"], item["level"]) for item in fields["disclosures"]] == [
        ("He failed his final exams.", 1),
        ("He has been gambling every weekend.", 2),
    ]
    assert fields["risk"]["stance"] == "does not volunteer"
    assert fields["risk"]["disclosure"]["level"] == 3
    assert fields["voice"] == {"register": "terse", "fluency": "halting", "examples": []}
    assert "hidden_information" not in fields and "risk_notes" not in fields


def test_a_v1_card_whose_secret_is_all_common_words_still_imports():
    sentence = "She has been doing things that she said she would never do again " * 5
    fields = card_validate(
        {"name": "Sam", "presenting_problem": "Low mood.", "hidden_information": sentence}
    )
    [keyword] = fields["disclosures"][0]["keywords"]
    assert len(sentence) > 200 >= len(keyword)
    assert sentence.startswith(keyword)


def test_as_v2_keeps_a_v2_cards_fields_given_without_format():
    fields = card_validate(V2)  # ready for ClientProfile(**fields): no "format"
    assert as_v2(fields)["disclosures"] == V2["disclosures"]
    assert as_v2(fields)["voice"] == V2["voice"]


def test_a_v2_card_imports_as_it_is():
    assert card_validate(V2) == {name: value for name, value in V2.items() if name != "format"} | {
        name: card_validate(V2)[name] for name in CARD_FIELDS if name not in V2
    }
    assert card_validate(V2)["disclosures"] == V2["disclosures"]


def _refused(card: dict, field: str) -> str:
    with pytest.raises(CardError) as error:
        card_validate(card, source="robin.json")
    assert f"robin.json: {field}" in str(error.value)
    return str(error.value)


@pytest.mark.parametrize("level", [0, 4, "2", True, None])
def test_a_bad_level_is_refused_naming_the_disclosure(level):
    _refused(V2 | {"disclosures": [V2["disclosures"][0] | {"level": level}]}, "disclosures.0.level")


def test_an_unknown_voice_register_is_refused():
    _refused(V2 | {"voice": V2["voice"] | {"register": "shouty"}}, "voice.register")


@pytest.mark.parametrize("keywords", [[], [""], ["  "]])
def test_a_disclosure_without_keywords_is_refused(keywords):
    card = V2 | {
        "disclosures": [*V2["disclosures"], {"text": "x", "level": 1, "keywords": keywords}]
    }
    _refused(card, "disclosures.1.keywords")


def test_a_disclosure_with_no_keywords_field_is_refused():
    _refused(V2 | {"disclosures": [{"text": "x", "level": 1}]}, "disclosures.0.keywords")


def test_the_risk_is_checked_like_a_disclosure():
    risk = V2["risk"] | {"stance": "shrugs"}
    risk["disclosure"] = risk["disclosure"] | {"keywords": []}
    message = _refused(V2 | {"risk": risk}, "risk.stance")
    assert "risk.disclosure.keywords: " in message


def test_more_than_eight_example_lines_are_refused():
    voice = V2["voice"] | {"examples": [f"Line {n}." for n in range(9)]}
    _refused(V2 | {"voice": voice}, "voice.examples")


@pytest.mark.parametrize("field", ["hidden_information", "risk_notes"])
def test_a_v2_card_has_no_v1_only_fields(field):
    _refused(V2 | {field: "x"}, field)


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"background_history": "He was fired in May."}, "background_history"),
        ({"voice": V2["voice"] | {"examples": ["Fired? Me?"]}}, "voice.examples"),
        ({"core_beliefs": ["Everyone gets fired eventually"]}, "core_beliefs"),
    ],
)
def test_a_secrets_keyword_shown_from_turn_1_is_refused(changes, where):
    message = _refused(V2 | changes, "disclosures.0.keywords.0")
    assert f'"fired" is already in the client\'s instructions from the first turn ({where})' in (
        message
    )


def test_a_risks_keyword_shown_from_turn_1_is_refused():
    _refused(V2 | {"opening_statement": "I keep waking at four."}, "risk.disclosure.keywords.0")


def test_a_card_with_v2_fields_must_say_it_is_v2():
    card = {name: value for name, value in V2.items() if name != "format"}
    _refused(card, "format")


def test_a_refused_card_imports_nothing(teacher, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(V2))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(V2 | {"name": "Sam", "voice": V2["voice"] | {"register": "x"}}))
    with pytest.raises(CommandError, match=r"bad\.json: voice\.register: "):
        call_command("import_clients", str(good), str(bad), "--owner", "tea", stdout=StringIO())
    assert not ClientProfile.objects.exists()


def test_a_secrets_keyword_in_a_lower_disclosures_text_is_refused():
    gambling = {"text": "He owes money.", "level": 3, "keywords": ["owes", "gambling"]}
    card = V2 | {
        "disclosures": [
            {"text": "They lost money gambling at the casino.", "level": 1, "keywords": ["casino"]},
            gambling,
        ]
    }
    message = _refused(card, "disclosures.1.keywords.1")
    assert (
        'disclosures.1.keywords.1: "gambling" is already in what the client sees at level 1 '
        "(disclosure 1's text)"
    ) in message
    assert "disclosures.1.keywords.0" not in message  # "owes" is this secret's own


def test_disclosures_at_the_same_level_may_share_words():
    card = V2 | {
        "disclosures": [
            {"text": "He owes money.", "level": 2, "keywords": ["owes"]},
            {"text": "The money went on gambling; he owes a lot.", "level": 2, "keywords": ["x"]},
        ]
    }
    assert card_validate(card)["disclosures"] == card["disclosures"]


@pytest.mark.parametrize("word", ["hurting", "safety", "angry"])
def test_a_keyword_the_prompts_own_wording_uses_is_refused(word):
    risk = V2["risk"] | {
        "disclosure": {"text": f"Thoughts of {word}.", "level": 3, "keywords": [word]}
    }
    message = _refused(V2 | {"risk": risk}, "risk.disclosure.keywords.0")
    # No card field puts it there, so none is named: it is the prompt's own word.
    first_turn = "the client's instructions from the first turn"
    assert message.endswith(f'"{word}" is already in {first_turn}')


def test_a_keyword_in_the_pronouns_is_refused_naming_them():
    message = _refused(V2 | {"pronouns": "xe/fired"}, "disclosures.0.keywords.0")
    assert "(pronouns)" in message


def test_the_v1_mapping_drops_keywords_the_model_sees_before_their_level():
    fields = card_validate(
        {
            "name": "Sam",
            "presenting_problem": "Low mood.",
            "hidden_information": "He lost money gambling. He keeps hurting himself over it.",
            "risk_notes": "Gambling debts make him think of ending it.",
        }
    )
    first, second = fields["disclosures"]
    assert "gambling" in first["keywords"]
    assert "hurting" not in second["keywords"]  # the system prompt says it from turn 1
    assert second["keywords"]  # and still has a word of its own
    risk_keywords = fields["risk"]["disclosure"]["keywords"]
    assert "gambling" not in risk_keywords  # an earlier item's word
    assert risk_keywords


def test_a_v1_secret_with_only_words_in_view_falls_back_to_its_sentence():
    fields = card_validate(
        {"name": "Sam", "presenting_problem": "Low mood.", "hidden_information": "Angry at work."}
    )
    assert fields["disclosures"][0]["keywords"] == ["Angry at work"]
