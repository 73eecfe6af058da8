"""The disclosure invariant as a property over generated card v2s (hypothesis).

A generated card holds back a few disclosures made of realistic secret words, at random levels,
with a random risk stance, voice, style and resistance; its content warnings, learning objectives
and teacher notes name the secrets too (as a teacher's would). Whatever it is: at every trust,
no disclosure above that trust shows in the request (system blocks, turn note, the demo's
replies and metadata), and every disclosure at or below it is in the turn note.

Cards made to collide (a secret's keyword in a lower disclosure's text, or in the prompt's own
wording) must be refused by card_validate, and every card it accepts must keep the invariant:
the import's check and the invariant are one rule.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.cards import CardError, card_validate
from clients.prompts import MAX_TRUST, STYLES, level_trust, turn_note
from clients.prompts.card import CARD_V2, FLUENCIES, LEVELS, REGISTERS, STANCES
from clients.tests.leaks import leaks

# What people hold back in counseling, as a teacher would write it and pick keywords from.
SECRETS = [
    "gambling", "pills", "affair", "debt", "pregnant", "fired", "arrested", "divorce",
    "eviction", "overdose", "bullied", "custody", "relapse", "shoplifting", "miscarriage",
    "abortion", "suicidal", "stepfather", "boyfriend", "girlfriend", "mother", "father",
    "brother", "sister", "funeral", "cancer", "drinking", "cocaine", "vodka", "prison",
    "lawsuit", "casino", "bankruptcy", "assault", "cutting", "starving", "purging",
    "hospital", "police", "deported", "homeless", "pregnancy", "lied to my wife",
    "hit my son", "slept in the car", "lost the baby",
]  # fmt: skip
FILLER = ["since", "last", "winter", "about", "the", "has", "been", "after", "weeks", "and"]
NEUTRAL = [
    "works in a warehouse", "likes music", "moved here last year", "tired most days",
    "wants things to get better", "quiet at first", "gets on with people", "sleeps badly",
]  # fmt: skip
NAMES = ["Sam Okafor", "Lena Fischer", "Ravi Patel", "Ana Souza", "Tom Byrne"]

secret_text = st.lists(st.sampled_from(SECRETS), min_size=1, max_size=3, unique=True).flatmap(
    lambda secrets: st.tuples(
        st.just(secrets),
        st.lists(st.sampled_from(FILLER), min_size=2, max_size=5),
    )
)


@st.composite
def disclosures(draw) -> dict:
    secrets, filler = draw(secret_text)
    words = [*filler[:2], *secrets, *filler[2:]]
    keywords = draw(st.lists(st.sampled_from(secrets), min_size=1, unique=True))
    text = " ".join(["They", *words]).strip() + "."
    return {"text": text, "level": draw(st.sampled_from(LEVELS)), "keywords": keywords}


@st.composite
def cards(draw) -> dict:
    items = draw(st.lists(disclosures(), min_size=0, max_size=4))
    risk = draw(
        st.none()
        | st.builds(
            lambda stance, item: {"stance": stance, "disclosure": item},
            st.sampled_from(STANCES),
            disclosures(),
        )
    )
    named = [word for item in items for word in item["keywords"]]
    return {
        "format": CARD_V2,
        "name": draw(st.sampled_from(NAMES)),
        "age": draw(st.integers(14, 80)),
        "pronouns": "they/them",
        "occupation": draw(st.sampled_from(NEUTRAL)),
        "presenting_problem": draw(st.sampled_from(NEUTRAL)),
        "background_history": draw(st.sampled_from(NEUTRAL)),
        "personality": draw(st.sampled_from(NEUTRAL)),
        "emotional_state": draw(st.sampled_from(NEUTRAL)),
        "goals": draw(st.sampled_from(NEUTRAL)),
        "core_beliefs": draw(st.lists(st.sampled_from(NEUTRAL), max_size=2)),
        "coping_strategies": draw(st.sampled_from(NEUTRAL)),
        "opening_statement": draw(st.sampled_from(["Hi.", "So, um. Hello.", ""])),
        "communication_style": draw(st.sampled_from(sorted(STYLES))),
        "resistance_level": draw(st.integers(1, 5)),
        "difficulty": draw(st.sampled_from(["beginner", "intermediate", "advanced"])),
        "session_time_limit_minutes": 30,
        "disclosures": items,
        "risk": risk,
        "voice": {
            "register": draw(st.sampled_from(REGISTERS)),
            "fluency": draw(st.sampled_from(FLUENCIES)),
            "examples": draw(st.lists(st.sampled_from(NEUTRAL), max_size=3)),
        },
        # Teachers and students name the secrets here; none of it may reach the model.
        "content_warnings": named,
        "learning_objectives": [f"Noticing {word}" for word in named],
        "teacher_notes": " ".join(item["text"] for item in items),
    }


# Words every system prompt uses in its own fixed wording (its safety and role sections).
FIXED_WORDS = ["hurting", "safe", "safety", "work", "job", "angry"]


@st.composite
def cross_level_cards(draw) -> dict:
    """A card whose higher disclosure (or risk) is given away by a lower disclosure's text."""
    card = draw(cards())
    low_level = draw(st.sampled_from(LEVELS[:-1]))
    low = draw(disclosures()) | {"level": low_level}
    word = draw(st.sampled_from([w for w in SECRETS if w.lower() in low["text"].lower()]))
    high = draw(disclosures())
    high = high | {
        "level": draw(st.sampled_from([level for level in LEVELS if level > low_level])),
        "keywords": [*high["keywords"], word],
    }
    if draw(st.booleans()) or card["risk"] is None:
        card["disclosures"] = [*card["disclosures"], low, high]
    else:
        card["disclosures"] = [*card["disclosures"], low]
        card["risk"] = card["risk"] | {"disclosure": high}
    return card


@st.composite
def fixed_text_cards(draw) -> dict:
    """A card one of whose secrets has a keyword the prompt's own wording uses from turn 1."""
    card = draw(cards())
    item = draw(disclosures())
    word = draw(st.sampled_from(FIXED_WORDS))
    item = item | {"text": f"{item['text']} {word}.", "keywords": [*item["keywords"], word]}
    if draw(st.booleans()) or card["risk"] is None:
        card["disclosures"] = [*card["disclosures"], item]
    else:
        card["risk"] = card["risk"] | {"disclosure": item}
    return card


PROPERTY = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY
@given(card=cross_level_cards() | fixed_text_cards())
def test_a_card_whose_secret_is_in_view_before_its_level_is_refused(card) -> None:
    with pytest.raises(CardError, match="is already in"):
        card_validate(card)


@PROPERTY
@given(card=cards() | cross_level_cards() | fixed_text_cards())
def test_every_card_the_import_accepts_keeps_the_invariant(card) -> None:
    try:
        accepted = card_validate(card)
    except CardError:
        return
    for trust in range(MAX_TRUST + 1):
        assert leaks(accepted, trust) == []


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is reproducible in CI
    suppress_health_check=[HealthCheck.too_slow],
)
@given(card=cards(), trust=st.integers(0, MAX_TRUST))
def test_no_generated_card_leaks_a_locked_disclosure(card, trust) -> None:
    assert leaks(card, trust) == []
    note = turn_note(card, trust=trust, turn=7)
    risk_items = [card["risk"]["disclosure"]] if card["risk"] else []
    for item in [*card["disclosures"], *risk_items]:
        if level_trust(item["level"]) <= trust:
            assert item["text"] in note
