"""Below its level, no disclosure's text and none of its keywords is anywhere in a request.

For every shared card (../shared/fixtures/clients, v1, mapped by as_v2) and every card shipped in
clients/demo_cards, at every trust: the system blocks, the turn note, the client's replies (the
demo's) and the demo's metadata. Generated cards: test_disclosure_property.py.
"""

import json
from pathlib import Path

import pytest

from clients.prompts import MAX_TRUST, initial_trust, level_trust, system_prompt, turn_note
from clients.prompts.card import STANCES, all_disclosures, as_v2
from clients.prompts.disclosure import FIRST_TURN, keywords_in_view
from clients.tests.leaks import leaks, request_parts

ROOT = Path(__file__).resolve().parents[2]
SHARED_CARDS = sorted((ROOT.parent / "shared" / "fixtures" / "clients").glob("*.json"))
DEMO_CARDS = sorted((ROOT / "clients" / "demo_cards").glob("*.json"))
CARD_PATHS = SHARED_CARDS + DEMO_CARDS
SENTINEL = "SENTINEL-9d41"


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def card_id(path: Path) -> str:
    return f"{'shared' if path in SHARED_CARDS else 'demo_cards'}/{path.stem}"


@pytest.fixture(params=CARD_PATHS, ids=[card_id(path) for path in CARD_PATHS])
def card(request) -> dict:
    return load(request.param)


def test_the_shared_cards_are_all_here() -> None:
    assert [path.stem for path in DEMO_CARDS] == [
        "aisha-rahman",
        "frank-kowalski",
        "jordan-lee",
        "maya-torres",
    ]


@pytest.mark.parametrize("trust", range(MAX_TRUST + 1))
def test_no_locked_disclosure_reaches_any_part_of_the_request(card, trust) -> None:
    assert leaks(card, trust) == []


def test_a_disclosure_reaches_the_turn_note_once_trust_has_reached_its_level(card) -> None:
    for item in all_disclosures(card):
        trust = level_trust(item["level"])
        assert item["text"] in turn_note(card, trust=trust, turn=9)
        assert item["text"] not in turn_note(card, trust=trust - 1, turn=9)


def test_a_resistant_client_has_nothing_unlocked_at_turn_one(card) -> None:
    for resistance in (3, 4, 5):
        start = 5 - resistance  # initial_trust: a first turn moves it at most one step
        parts = request_parts(card | {"resistance_level": resistance}, trust=start + 1, turn=1)
        assert "Nothing private is ready" in parts["turn note"]


def test_no_shared_card_has_a_secret_in_view_before_its_level(card) -> None:
    assert keywords_in_view(card) == []


def test_keywords_in_view_names_the_secret_and_where_the_model_sees_it() -> None:
    card = {
        "name": "Sam",
        "presenting_problem": "Low mood.",
        "disclosures": [
            {"text": "They lost money gambling at the casino.", "level": 1, "keywords": ["casino"]},
            {"text": "They owe thousands.", "level": 3, "keywords": ["gambling", "thousands"]},
        ],
        "risk": {
            "stance": "denies",
            "disclosure": {"text": "Thoughts of it.", "level": 3, "keywords": ["hurting"]},
        },
    }
    assert keywords_in_view(card) == [
        (1, "gambling", "what the client sees at level 1 (disclosure 1's text)"),
        (2, "hurting", FIRST_TURN),
    ]
    # The same card one level lower: the casino's text is no longer seen before the secret.
    card["disclosures"][0]["level"] = 3
    assert keywords_in_view(card) == [(2, "hurting", FIRST_TURN)]


@pytest.mark.parametrize("resistance", [1, 2, 3, 4, 5])
def test_no_client_starts_with_a_disclosure_in_the_first_turn_note(card, resistance) -> None:
    willing = card | {"resistance_level": resistance}
    note = turn_note(willing, trust=initial_trust(willing), turn=1)
    assert "Nothing private is ready" in note
    assert all(item["text"] not in note for item in all_disclosures(card))


@pytest.mark.parametrize("field", ["teacher_notes", "learning_objectives", "content_warnings"])
def test_fields_for_teachers_and_students_never_reach_the_model(card, field) -> None:
    card[field] = [SENTINEL] if field != "teacher_notes" else SENTINEL
    for trust in range(MAX_TRUST + 1):
        assert all(SENTINEL not in text for text in request_parts(card, trust=trust).values())


@pytest.mark.parametrize("stance", STANCES)
def test_the_risk_section_gives_the_stance_and_never_the_fact(card, stance) -> None:
    v2 = as_v2(card)
    risk = {"stance": stance, "disclosure": {"text": SENTINEL, "level": 3, "keywords": ["x"]}}
    prompt = system_prompt(v2 | {"risk": risk})
    assert SENTINEL not in prompt
    assert "## If the helper asks about your safety" in prompt
    others = [system_prompt(v2 | {"risk": risk | {"stance": other}}) for other in STANCES]
    assert len(set(others)) == len(STANCES)  # each stance reads differently


def test_the_direction_about_sharing_outranks_the_scenario_facts(card) -> None:
    prompt = system_prompt(card)
    order = prompt.split("## When rules pull apart\n", 1)[1].split("\n\n", 1)[0]
    positions = [
        order.index(words)
        for words in (
            "Safety comes first",
            "your private direction about what you may share",
            "including a direct question",
            "the facts of this scenario",
            "who you are",
            "how long you reply",
        )
    ]
    assert positions == sorted(positions)
    # The order comes before the facts it ranks, so no fact reads as licence to disclose.
    assert prompt.index("## When rules pull apart") < prompt.index("## Who you are")
