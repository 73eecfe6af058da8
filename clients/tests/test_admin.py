import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import ClientProfile
from conftest import make_client, make_user
from sessions_app.services import session_start

CHANGELIST = "/admin/clients/clientprofile/"


@pytest.fixture
def clients_with_sessions(teacher, student) -> list[ClientProfile]:
    first = make_client(teacher, name="Maya Torres")
    second = make_client(teacher, name="Frank Kowalski", is_published=False)
    session_start(student=student, client=first)
    session_start(student=student, client=first)
    return [first, second]


def test_the_changelist_loads_with_session_counts(admin_client, clients_with_sessions):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    rows = {client.name: client for client in response.context["cl"].result_list}
    admin = response.context["cl"].model_admin
    assert admin.session_count(rows["Maya Torres"]) == 2
    assert admin.session_count(rows["Frank Kowalski"]) == 0


def test_the_changelist_filters_and_searches(admin_client, clients_with_sessions):
    published = admin_client.get(CHANGELIST, {"is_published__exact": "0"})
    assert [c.name for c in published.context["cl"].result_list] == ["Frank Kowalski"]
    found = admin_client.get(CHANGELIST, {"q": "maya"})
    assert [c.name for c in found.context["cl"].result_list] == ["Maya Torres"]


def test_the_changelist_query_count_does_not_grow_with_rows(admin_client, teacher):
    make_client(teacher, name="One")
    with CaptureQueriesContext(connection) as few:
        admin_client.get(CHANGELIST)
    for n in range(6):
        make_client(make_user(f"owner{n}", "teacher"), name=f"Client {n}")
    with CaptureQueriesContext(connection) as many:
        admin_client.get(CHANGELIST)
    assert len(many) == len(few)


def test_the_add_page_loads(admin_client):
    response = admin_client.get(f"{CHANGELIST}add/")
    assert response.status_code == 200
    assert b'name="presenting_problem"' in response.content


def test_the_change_page_loads(admin_client, clients_with_sessions):
    response = admin_client.get(f"{CHANGELIST}{clients_with_sessions[0].pk}/change/")
    assert response.status_code == 200
    assert b"Maya Torres" in response.content


def test_the_publish_actions_flip_visibility(admin_client, clients_with_sessions):
    ids = [str(client.pk) for client in clients_with_sessions]
    admin_client.post(CHANGELIST, {"action": "publish", "_selected_action": ids})
    assert ClientProfile.objects.filter(is_published=True).count() == 2
    admin_client.post(CHANGELIST, {"action": "unpublish", "_selected_action": ids})
    assert ClientProfile.objects.filter(is_published=True).count() == 0


def test_a_client_with_sessions_cannot_be_deleted_here(admin_client, clients_with_sessions):
    client = clients_with_sessions[0]
    response = admin_client.post(f"{CHANGELIST}{client.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200
    assert b"Cannot delete client profile" in response.content
    assert ClientProfile.objects.filter(pk=client.pk).exists()


def _change_form_data(client: ClientProfile, **changes) -> dict:
    data = {
        "owner": client.owner_id,
        "name": client.name,
        "presenting_problem": client.presenting_problem,
        "communication_style": client.communication_style,
        "resistance_level": client.resistance_level,
        "difficulty": client.difficulty,
        "core_beliefs": "[]",
        "learning_objectives": "[]",
        "content_warnings": "[]",
        "disclosures": json.dumps(client.disclosures),
        "risk": json.dumps(client.risk),
        "voice": json.dumps(client.voice),
    }
    return data | changes


def test_staff_editing_the_json_fields_are_held_to_the_cards_rules(admin_client, teacher):
    robin = make_client(teacher, name="Robin")
    url = f"{CHANGELIST}{robin.pk}/change/"
    bad = [{"text": "He was fired.", "level": 4, "keywords": []}]
    response = admin_client.post(url, _change_form_data(robin, disclosures=json.dumps(bad)))
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["disclosures"]
    assert "disclosures.0.level: " in message
    assert "disclosures.0.keywords: " in message
    robin.refresh_from_db()
    assert robin.disclosures != bad

    good = [{"text": "He was fired.", "level": 3, "keywords": ["fired"]}]
    response = admin_client.post(url, _change_form_data(robin, disclosures=json.dumps(good)))
    assert response.status_code == 302
    robin.refresh_from_db()
    assert robin.disclosures == good


def test_staff_are_held_to_the_whole_cards_rules_too(admin_client, teacher):
    robin = make_client(teacher, name="Robin")
    url = f"{CHANGELIST}{robin.pk}/change/"
    # Each item is well formed; together the level-1 text gives the level-3 secret away.
    leaky = [
        {"text": "They lost money gambling at the casino.", "level": 1, "keywords": ["casino"]},
        {"text": "They owe thousands.", "level": 3, "keywords": ["gambling"]},
    ]
    response = admin_client.post(url, _change_form_data(robin, disclosures=json.dumps(leaky)))
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["disclosures"]
    assert message.startswith('disclosures.1.keywords.0: "gambling" is already in what the client')
    robin.refresh_from_db()
    assert robin.disclosures != leaky

    risky = {"stance": "denies", "disclosure": {"text": "x", "level": 3, "keywords": ["hurting"]}}
    response = admin_client.post(url, _change_form_data(robin, risk=json.dumps(risky)))
    assert response.status_code == 200
    assert "risk" in response.context["adminform"].form.errors
