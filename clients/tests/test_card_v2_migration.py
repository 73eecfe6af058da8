"""Migration clients/0004 maps each profile's v1 fields to card v2 with as_v2, and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from clients.models import ClientProfile
from clients.prompts.card import CARD_V1, as_v2

BEFORE = [("clients", "0003_client_archived_at")]
AFTER = [("clients", "0004_client_card_v2")]
V1_FIELDS = {
    "name": "Frank",
    "presenting_problem": "Court-ordered after a drink-driving charge.",
    "communication_style": "upset",
    "opening_statement": "Let's get this over with.",
    "hidden_information": (
        "His drinking became daily after Linda died. "
        "He misses her and has not cried since the funeral."
    ),
    "risk_notes": "No suicidal ideation if asked.",
}


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _old_profile_model():
    return (
        MigrationExecutor(connection)
        .loader.project_state(BEFORE)
        .apps.get_model("clients", "ClientProfile")
    )


@pytest.fixture
def before_v2(transactional_db):
    _migrate(BEFORE)
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_each_profile_gets_the_v2_fields_as_v2_maps_them(before_v2, teacher):
    _old_profile_model().objects.create(owner_id=teacher.pk, **V1_FIELDS)
    _old_profile_model().objects.create(owner_id=teacher.pk, name="Quiet", presenting_problem="x")

    _migrate(AFTER)

    expected = as_v2({"format": CARD_V1} | V1_FIELDS)
    frank = ClientProfile.objects.get(name="Frank")
    assert frank.disclosures == expected["disclosures"]
    assert [item["text"] for item in frank.disclosures] == [
        "His drinking became daily after Linda died.",
        "He misses her and has not cried since the funeral.",
    ]
    assert frank.risk == expected["risk"]
    assert frank.risk["stance"] == "does not volunteer"
    assert frank.voice == {
        "register": "terse",
        "fluency": "fluent",
        "examples": ["Let's get this over with."],
    }
    quiet = ClientProfile.objects.get(name="Quiet")
    assert (quiet.disclosures, quiet.risk) == ([], None)


def test_going_back_puts_the_texts_in_the_v1_fields(before_v2, teacher):
    _old_profile_model().objects.create(owner_id=teacher.pk, **V1_FIELDS)
    _migrate(AFTER)

    _migrate(BEFORE)

    frank = _old_profile_model().objects.get()
    assert frank.hidden_information == V1_FIELDS["hidden_information"]
    assert frank.risk_notes == V1_FIELDS["risk_notes"]
