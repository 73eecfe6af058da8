"""The teacher's client list: archive and unarchive, search, sort (issue 11.19)."""

from clients.models import ClientProfile
from conftest import make_client
from sessions_app.models import PracticeSession
from sessions_app.services import session_start

LIST = "/teach/clients/"


def _names(response) -> list[str]:
    return [client.name for client in response.context["clients"]]


def test_an_archived_client_leaves_the_list_and_the_students_gallery_but_keeps_its_sessions(
    client, teacher, student
):
    maya = make_client(teacher, name="Maya Torres", is_published=True)
    session = session_start(student=student, client=maya, prompt_version="test")
    client.force_login(teacher)
    response = client.post(f"/teach/clients/{maya.id}/archive/", follow=True)
    assert "Maya Torres is archived: students no longer see them" in response.content.decode()
    assert "Maya Torres" not in _names(client.get(LIST))
    assert _names(client.get(LIST, {"archived": "on"})) == ["Maya Torres"]
    assert PracticeSession.objects.filter(pk=session.pk).exists()

    client.force_login(student)
    assert b"Maya Torres" not in client.get("/practice/").content
    assert client.get(f"/practice/clients/{maya.id}/").status_code == 404
    assert client.post(f"/practice/clients/{maya.id}/start/").status_code == 404


def test_unarchiving_brings_the_client_back_for_students(client, teacher, student):
    maya = make_client(teacher, name="Maya Torres", is_published=True)
    client.force_login(teacher)
    client.post(f"/teach/clients/{maya.id}/archive/")
    response = client.post(f"/teach/clients/{maya.id}/unarchive/", follow=True)
    assert "Maya Torres is back on your list, published" in response.content.decode()
    assert ClientProfile.objects.get(pk=maya.pk).archived_at is None
    client.force_login(student)
    assert b"Maya Torres" in client.get("/practice/").content


def test_another_teacher_cannot_archive_the_client(client, teacher, other_teacher):
    maya = make_client(teacher, name="Maya Torres")
    client.force_login(other_teacher)
    assert client.post(f"/teach/clients/{maya.id}/archive/").status_code == 404
    assert ClientProfile.objects.get(pk=maya.pk).archived_at is None


def test_a_teacher_searches_their_clients_by_name_or_problem(client, teacher, other_teacher):
    make_client(teacher, name="Maya Torres", presenting_problem="Panic at work.")
    make_client(teacher, name="Frank Kowalski", presenting_problem="Grief after retirement.")
    make_client(other_teacher, name="Maya Other", presenting_problem="Panic.")
    client.force_login(teacher)
    assert _names(client.get(LIST, {"q": "maya"})) == ["Maya Torres"]
    assert _names(client.get(LIST, {"q": "grief"})) == ["Frank Kowalski"]
    page = client.get(LIST, {"q": "nobody"}).content.decode()
    assert "No client matches “nobody”." in page


def test_a_teacher_sorts_their_clients(client, teacher, student):
    make_client(teacher, name="Aisha Rahman")
    frank = make_client(teacher, name="Frank Kowalski")
    maya = make_client(teacher, name="Maya Torres")
    session_start(student=student, client=frank, prompt_version="test")
    client.force_login(teacher)
    assert _names(client.get(LIST)) == ["Aisha Rahman", "Frank Kowalski", "Maya Torres"]
    assert _names(client.get(LIST, {"sort": "sessions"}))[0] == "Frank Kowalski"
    maya.save()  # changed last
    assert _names(client.get(LIST, {"sort": "changed"}))[0] == "Maya Torres"
    assert _names(client.get(LIST, {"sort": "newest"}))[0] == "Maya Torres"
    assert client.get(LIST, {"sort": "nonsense"}).status_code == 200
