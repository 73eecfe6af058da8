"""The client's name in a session: PracticeSession.client_name, read by every page and export."""

from sessions_app.models import PracticeSession
from sessions_app.services import session_end


def test_a_session_keeps_the_name_its_client_had_when_it_started(practice_session):
    practice_session.client_profile.name = "Renamed Later"
    practice_session.client_profile.save(update_fields=["name"])

    session = PracticeSession.objects.get(pk=practice_session.pk)

    assert session.client_name == "Test Client"
    assert str(session).startswith("Test Client with ")


def test_a_snapshot_without_a_name_reads_the_client_everywhere(practice_session):
    practice_session.client_snapshot = {**practice_session.client_snapshot, "name": ""}

    assert practice_session.client_name == "The client"
    assert str(practice_session).startswith("The client with ")


def test_the_students_list_of_sessions_shows_the_name_from_the_start(
    client, student, practice_session
):
    session_end(session=practice_session)
    practice_session.client_profile.name = "Renamed Later"
    practice_session.client_profile.save(update_fields=["name"])
    client.force_login(student)

    listing = client.get("/practice/sessions/").content.decode()

    assert "Test Client" in listing
    assert "Renamed Later" not in listing
