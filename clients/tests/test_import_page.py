"""Importing cards on /teach/clients/import/: names the teacher already has, and bad files."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clients.cards import card_from_client
from clients.models import ClientProfile
from conftest import make_client
from sessions_app.services import session_start

IMPORT = "/teach/clients/import/"


def _upload(data, name: str = "rapport-clients.json") -> SimpleUploadedFile:
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, content, "application/json")


@pytest.fixture
def exported(client, teacher) -> bytes:
    """The teacher's "Export all cards" file, with two clients in it."""
    make_client(teacher, name="Maya Torres", is_published=True)
    make_client(teacher, name="Frank Kowalski", is_published=False)
    client.force_login(teacher)
    return client.get("/teach/clients/export/").content


def test_importing_the_export_all_file_back_asks_first_and_duplicates_nothing(
    client, teacher, exported
):
    response = client.post(IMPORT, {"cards": _upload(exported)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "You already have Frank Kowalski, Maya Torres." in page
    assert "Nothing was imported: say whether to update them, keep both or skip them." in page
    assert ClientProfile.objects.filter(owner=teacher).count() == 2


def test_import_offers_update_keep_both_and_skip_with_none_chosen_for_the_teacher(client, teacher):
    client.force_login(teacher)
    page = client.get(IMPORT).content.decode()
    for value in ("update", "copy", "skip"):
        assert f'name="on_existing" value="{value}">' in page
    assert " checked" not in page.split('name="on_existing"', 1)[1]


def test_skip_leaves_the_clients_as_they_are(client, teacher, exported):
    response = client.post(IMPORT, {"cards": _upload(exported), "on_existing": "skip"}, follow=True)
    assert "Skipped, as you already have them: Frank Kowalski, Maya Torres." in (
        response.content.decode()
    )
    assert ClientProfile.objects.filter(owner=teacher).count() == 2


def test_keep_both_imports_copies_under_a_suffix(client, teacher, exported):
    client.post(IMPORT, {"cards": _upload(exported), "on_existing": "copy"})
    names = sorted(ClientProfile.objects.filter(owner=teacher).values_list("name", flat=True))
    assert names == ["Frank Kowalski", "Frank Kowalski (2)", "Maya Torres", "Maya Torres (2)"]
    assert not ClientProfile.objects.get(name="Maya Torres (2)").is_published


def test_update_changes_the_client_in_place_and_keeps_its_sessions(
    client, teacher, student, exported
):
    maya = ClientProfile.objects.get(name="Maya Torres")
    session = session_start(student=student, client=maya, prompt_version="test")
    card = card_from_client(maya) | {"name": "maya torres", "occupation": "Pharmacist"}
    response = client.post(IMPORT, {"cards": _upload([card]), "on_existing": "update"}, follow=True)
    assert "Updated: maya torres." in response.content.decode()
    maya.refresh_from_db()
    assert (maya.occupation, maya.is_published) == ("Pharmacist", True)
    assert ClientProfile.objects.filter(owner=teacher).count() == 2
    assert maya.practice_sessions.get() == session


def test_another_teachers_client_of_the_same_name_is_no_clash(client, teacher, other_teacher):
    make_client(other_teacher, name="Maya Torres")
    client.force_login(teacher)
    card = {"name": "Maya Torres", "presenting_problem": "x"}
    response = client.post(IMPORT, {"cards": _upload(card)})
    assert response.status_code == 302
    assert ClientProfile.objects.filter(owner=teacher, name="Maya Torres").count() == 1


def test_a_200_kb_file_of_nested_brackets_gets_a_sentence_not_a_500(client, teacher):
    client.force_login(teacher)
    brackets = b"[" * 100_000 + b"]" * 100_000
    response = client.post(IMPORT, {"cards": _upload(brackets, "brackets.json")})
    assert response.status_code == 400
    assert "brackets.json: not a client card file (nested far too deeply)." in (
        response.content.decode()
    )


def test_a_file_of_thousands_of_small_cards_creates_no_clients(client, teacher):
    client.force_login(teacher)
    cards = [{"name": f"C{n}", "presenting_problem": "x"} for n in range(22_000)]
    compact = json.dumps(cards, separators=(",", ":")).encode()  # 935 KB in the report
    assert len(compact) < 1_000_000
    response = client.post(IMPORT, {"cards": _upload(compact, "many.json")})
    assert response.status_code == 400
    assert "many.json: 22000 cards is more than one import takes (200); split the file." in (
        response.content.decode()
    )
    assert not ClientProfile.objects.exists()


def test_the_import_page_states_its_limits(client, teacher):
    client.force_login(teacher)
    assert "at most 200 cards and 1 MB" in client.get(IMPORT).content.decode()
