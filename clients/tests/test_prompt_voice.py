"""The stable prompt's voice and size: a voice per client, a prefix that caches from turn 1."""

import copy
import json
from pathlib import Path

import pytest

from clients.prompts import STYLES, system_prompt
from clients.prompts.card import FLUENCIES, REGISTERS, as_v2
from clients.prompts.style import DEFLECTIONS, FLUENCY_VOICE, REGISTER_VOICE
from conversations.llm.tokens import estimate_tokens

ROOT = Path(__file__).resolve().parents[2]
SHARED_CARDS = sorted((ROOT.parent / "shared" / "fixtures" / "clients").glob("*.json"))
DEMO_CARDS = sorted((ROOT / "clients" / "demo_cards").glob("*.json"))
MIN_CACHEABLE_TOKENS = 2_048  # assumed for claude-haiku-5-5 (docs/prompts.md)
LINES = ["Honestly, it's whatever.", "I mean... I'm fine, I guess."]


@pytest.fixture(params=SHARED_CARDS + DEMO_CARDS, ids=lambda path: path.stem)
def card(request) -> dict:
    return json.loads(request.param.read_text())


def with_voice(card: dict, **voice) -> dict:
    return as_v2(card) | {
        "voice": {"register": "plain", "fluency": "fluent", "examples": []} | voice
    }


def test_every_shared_card_is_there() -> None:
    assert [path.stem for path in SHARED_CARDS] == [path.stem for path in DEMO_CARDS]


def test_the_system_prompt_reaches_the_minimum_cacheable_length(card) -> None:
    assert estimate_tokens(system_prompt(card)) >= MIN_CACHEABLE_TOKENS


def test_identical_cards_share_one_prompt(card) -> None:
    assert system_prompt(card) == system_prompt(copy.deepcopy(card))
    # A v1 snapshot and its v2 mapping are the same card: the same cached prefix.
    assert system_prompt(card) == system_prompt(as_v2(card))


def test_nothing_for_teachers_changes_the_prompt(card) -> None:
    changed = card | {"teacher_notes": "other", "learning_objectives": [], "content_warnings": []}
    assert system_prompt(changed) == system_prompt(card)


def test_example_lines_are_quoted_as_lines_you_might_say(card) -> None:
    prompt = system_prompt(with_voice(card, examples=LINES))
    assert "Lines you might say, to show your voice (never repeat them word for word):" in prompt
    for line in LINES:
        assert f'- "{line}"' in prompt


def test_a_voice_without_examples_has_no_lines_heading(card) -> None:
    assert "Lines you might say" not in system_prompt(with_voice(card, examples=[]))


@pytest.mark.parametrize("fluency", FLUENCIES)
def test_fillers_and_imperfect_grammar_only_for_a_halting_voice(card, fluency) -> None:
    prompt = system_prompt(with_voice(card, fluency=fluency))
    assert FLUENCY_VOICE[fluency] in prompt
    assert ("fillers" in prompt) == (fluency == "halting")
    assert ("imperfect grammar" in prompt) == (fluency == "halting")


@pytest.mark.parametrize("register", REGISTERS)
def test_each_register_has_its_own_words_and_worked_examples(card, register) -> None:
    prompt = system_prompt(with_voice(card, register=register))
    assert REGISTER_VOICE[register] in prompt
    for asked, answered in DEFLECTIONS[register]:
        assert f'- Helper: "{asked}" You: "{answered}"' in prompt
    others = [REGISTER_VOICE[other] for other in REGISTERS if other != register]
    assert not any(text in prompt for text in others)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_the_patient_psi_style_still_shapes_the_behaviour(card, style) -> None:
    assert STYLES[style].behaviour in system_prompt(card | {"communication_style": style})


def test_an_unknown_register_reads_as_plain(card) -> None:
    prompt = system_prompt(with_voice(card, register="operatic", fluency="sung"))
    assert REGISTER_VOICE["plain"] in prompt
    assert FLUENCY_VOICE["fluent"] in prompt
