"""The teacher's client pages: create, edit, publish, duplicate, import and export cards."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from clients.cards import card_from_client
from clients.models import ClientProfile
from clients.tests.form_data import form_data, management_form
from conftest import make_client
from sessions_app.services import session_start

FORM = {
    "name": "Robin Hale",
    "presenting_problem": "Cannot sleep since the move.",
    "communication_style": "reserved",
    "resistance_level": "4",
    "difficulty": "beginner",
    "core_beliefs": "I am a burden\nI must cope alone",
    "teacher_notes": "Watch for advice-giving.",
    "voice_register": "terse",
    "voice_fluency": "halting",
    "voice_examples": "Dunno.\nIt's fine, I guess.",
    "disclosures-0-text": "He has not slept in his own bed since the move.",
    "disclosures-0-level": "2",
    "disclosures-0-keywords": "own bed, sofa",
    **management_form(total=2),
}


def test_a_teacher_creates_a_draft_client_from_the_form(client, teacher):
    client.force_login(teacher)
    response = client.post("/teach/clients/new/", FORM)
    robin = ClientProfile.objects.get(name="Robin Hale")
    assert response.status_code == 302
    assert response["Location"] == f"/teach/clients/{robin.id}/preview/"
    assert robin.owner == teacher
    assert robin.is_published is False
    assert robin.core_beliefs == ["I am a burden", "I must cope alone"]
    assert robin.resistance_level == 4
    assert robin.disclosures == [
        {
            "text": "He has not slept in his own bed since the move.",
            "level": 2,
            "keywords": ["own bed", "sofa"],
        }
    ]
    assert robin.risk is None
    assert robin.voice == {
        "register": "terse",
        "fluency": "halting",
        "examples": ["Dunno.", "It's fine, I guess."],
    }


def test_the_form_shows_errors_naming_the_field_and_saves_nothing(client, teacher):
    client.force_login(teacher)
    response = client.post("/teach/clients/new/", FORM | {"name": "", "age": "200"})
    assert response.status_code == 200
    assert b"Name is required." in response.content
    assert b"Age must be between 1 and 120." in response.content
    assert not ClientProfile.objects.exists()


def test_the_form_groups_every_field_with_help_text(client, teacher):
    client.force_login(teacher)
    page = client.get("/teach/clients/new/").content.decode()
    for legend in (
        "Identity",
        "Clinical picture",
        "How they talk",
        "What they hold back",
        "Risk",
        "Content warnings and time",
        "Teaching notes",
    ):
        assert f"<legend>{legend}</legend>" in page
    assert "Add a disclosure" in page
    assert "none of them may reach the model before that level" in page


def test_editing_changes_the_client_but_not_past_sessions(client, teacher, student):
    robin = make_client(teacher, name="Robin")
    past = session_start(student=student, client=robin)
    client.force_login(teacher)
    page = client.get(f"/teach/clients/{robin.id}/edit/")
    assert b'value="Robin"' in page.content
    data = form_data(card_from_client(robin)) | {"name": "Robin Renamed"}
    response = client.post(f"/teach/clients/{robin.id}/edit/", data)
    assert response.status_code == 302
    robin.refresh_from_db()
    past.refresh_from_db()
    assert robin.name == "Robin Renamed"
    assert past.client_snapshot["name"] == "Robin"
    assert robin.disclosures == past.client_snapshot["disclosures"]  # kept through the form


def test_another_teacher_cannot_edit_the_client(client, teacher, other_teacher):
    robin = make_client(teacher, name="Robin")
    client.force_login(other_teacher)
    assert client.post(f"/teach/clients/{robin.id}/edit/", FORM).status_code == 404
    robin.refresh_from_db()
    assert robin.name == "Robin"


def test_publish_and_unpublish(client, teacher):
    draft = make_client(teacher, is_published=False)
    client.force_login(teacher)
    client.post(f"/teach/clients/{draft.id}/publish/")
    draft.refresh_from_db()
    assert draft.is_published
    client.post(f"/teach/clients/{draft.id}/unpublish/")
    draft.refresh_from_db()
    assert not draft.is_published


def test_another_teacher_cannot_publish(client, teacher, other_teacher):
    draft = make_client(teacher, is_published=False)
    client.force_login(other_teacher)
    assert client.post(f"/teach/clients/{draft.id}/publish/").status_code == 404
    draft.refresh_from_db()
    assert not draft.is_published


def test_duplicate_makes_a_draft_copy(client, teacher):
    robin = make_client(teacher, name="Robin", core_beliefs=["I fail"])
    client.force_login(teacher)
    response = client.post(f"/teach/clients/{robin.id}/duplicate/")
    copy = ClientProfile.objects.get(name="Robin (copy)")
    assert response["Location"] == f"/teach/clients/{copy.id}/edit/"
    assert copy.is_published is False
    assert copy.core_beliefs == ["I fail"]
    assert copy.teacher_notes == robin.teacher_notes


def test_exporting_one_card_gives_a_card_that_imports(client, teacher, other_teacher):
    robin = make_client(teacher, name="Robin Hale")
    client.force_login(teacher)
    response = client.get(f"/teach/clients/{robin.id}/export/")
    assert response["Content-Disposition"] == 'attachment; filename="robin-hale-card.json"'
    card = json.loads(response.content)
    assert card["format"] == "client-card/v2"
    client.force_login(other_teacher)
    upload = SimpleUploadedFile("robin.json", response.content, "application/json")
    assert client.post("/teach/clients/import/", {"cards": upload}).status_code == 302
    imported = ClientProfile.objects.get(owner=other_teacher)
    assert card_from_client(imported) == card
    assert imported.is_published is False


def test_exporting_all_cards_lists_only_the_teachers_own(client, teacher, other_teacher):
    make_client(teacher, name="Mine")
    make_client(other_teacher, name="Theirs")
    client.force_login(teacher)
    response = client.get("/teach/clients/export/")
    assert [card["name"] for card in json.loads(response.content)] == ["Mine"]
    assert "rapport-clients-" in response["Content-Disposition"]


def test_an_import_with_one_bad_card_imports_nothing_and_names_the_problem(client, teacher):
    cards = [
        {"format": "client-card/v1", "name": "Good", "presenting_problem": "x"},
        {"format": "client-card/v1", "name": "Bad", "presenting_problem": "x", "age": 500},
    ]
    upload = SimpleUploadedFile("cards.json", json.dumps(cards).encode(), "application/json")
    client.force_login(teacher)
    response = client.post("/teach/clients/import/", {"cards": upload})
    assert response.status_code == 400
    assert "cards.json[1]: age" in response.content.decode()
    assert not ClientProfile.objects.exists()


def test_an_import_of_something_that_is_not_json_says_so(client, teacher):
    upload = SimpleUploadedFile("cards.json", b"\xff\xfe nonsense", "application/json")
    client.force_login(teacher)
    response = client.post("/teach/clients/import/", {"cards": upload})
    assert response.status_code == 400
    assert b"not UTF-8" in response.content


def test_the_client_list_shows_only_the_teachers_clients(client, teacher, other_teacher):
    make_client(teacher, name="Mine")
    make_client(other_teacher, name="Theirs")
    client.force_login(teacher)
    page = client.get("/teach/clients/").content.decode()
    assert "Mine" in page
    assert "Theirs" not in page
