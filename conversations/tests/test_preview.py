"""Preview: the system prompt, and a sample exchange run as a teacher_test session."""

import uuid
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync

from clients.cards import card_from_client
from clients.models import ClientPreview
from clients.prompts import system_prompt
from conftest import make_client
from conversations import engine
from conversations.engine import stream
from sessions_app.models import PracticeSession


def test_the_preview_shows_the_generated_prompt_and_never_the_teacher_notes(client, teacher):
    robin = make_client(teacher, name="Robin", teacher_notes="SECRET-NOTE")
    client.force_login(teacher)
    page = client.get(f"/teach/clients/{robin.id}/preview/").content.decode()
    assert "You are Robin." in page
    assert "SECRET-NOTE" not in page
    assert "readonly" in page
    assert system_prompt(card_from_client(robin)).splitlines()[-1] in page.replace("&#x27;", "'")


def test_running_a_preview_starts_a_marked_teacher_test_session(client, teacher):
    robin = make_client(teacher, is_published=False)
    client.force_login(teacher)
    response = client.post(f"/teach/clients/{robin.id}/preview/", {"line": "Hello there."})
    session = PracticeSession.objects.get()
    assert response["Location"] == f"/teach/previews/{session.id}/"
    assert session.kind == PracticeSession.Kind.TEACHER_TEST
    assert session.student == teacher
    assert ClientPreview.objects.filter(session=session).exists()
    page = client.get(response["Location"]).content.decode()
    assert 'value="Hello there."' in page
    assert str(uuid.uuid5(session.id, "preview-line")) in page
    assert f'ws-connect="/ws/sessions/{session.id}/"' in page


def test_an_empty_line_is_refused(client, teacher):
    robin = make_client(teacher)
    client.force_login(teacher)
    response = client.post(f"/teach/clients/{robin.id}/preview/", {"line": "  "})
    assert response.status_code == 400
    assert not PracticeSession.objects.exists()


def test_a_line_the_socket_would_refuse_is_refused_on_the_form_and_starts_nothing(client, teacher):
    robin = make_client(teacher)
    client.force_login(teacher)
    response = client.post(f"/teach/clients/{robin.id}/preview/", {"line": "Hi\x00 there"})
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    assert not PracticeSession.objects.exists()


def test_a_student_session_is_not_a_preview_page(client, teacher, practice_session):
    client.force_login(teacher)
    assert client.get(f"/teach/previews/{practice_session.id}/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_preview_reply_is_stored_and_costed_like_any_session(teacher, monkeypatch):
    from conversations.llm.base import Usage
    from conversations.tests.conftest import ScriptedProvider, wait_for_replies
    from sessions_app.services import preview_start

    provider = ScriptedProvider()
    provider.reply("Um. ", "Hi.", usage=Usage(input_tokens=1000, output_tokens=50))
    monkeypatch.setattr(stream, "get_provider", lambda: provider)
    robin = make_client(teacher)
    session = preview_start(client=robin, teacher=teacher)

    async def run():
        events = []

        async def publish(event):
            events.append(event)

        await engine.student_message(
            session_id=session.id,
            user_id=teacher.id,
            content="Hello.",
            client_msg_id=uuid.uuid5(session.id, "preview-line"),
            publish=publish,
        )
        await wait_for_replies()
        await engine.end_session(session_id=session.id, publish=publish)
        return events

    events = async_to_sync(run)()
    session.refresh_from_db()
    completed = next(event for event in events if event["type"] == "reply.completed")
    assert session.estimated_cost > 0
    assert session.estimated_cost == Decimal(completed["cost_usd"])
    assert session.status == PracticeSession.Status.COMPLETED


# The view goes through the engine, whose database calls close "old" connections first; inside
# a test's wrapping transaction on PostgreSQL that would close the test's own connection.
@pytest.mark.django_db(transaction=True)
def test_ending_a_preview_over_http(client, teacher):
    from sessions_app.services import preview_start

    robin = make_client(teacher)
    session = preview_start(client=robin, teacher=teacher)
    client.force_login(teacher)
    response = client.post(f"/teach/previews/{session.id}/end/")
    assert response.json() == {"status": "ended"}
    session.refresh_from_db()
    assert session.status == PracticeSession.Status.COMPLETED
    assert client.post(f"/teach/previews/{session.id}/end/").status_code == 200


def test_a_test_conversation_never_resumes_an_unfinished_preview(client, teacher, client_profile):
    from clients.models import ClientPreview
    from sessions_app.models import PracticeSession
    from sessions_app.services import session_start

    preview = session_start(student=teacher, client=client_profile, kind="teacher_test")
    ClientPreview.objects.create(session=preview)
    client.force_login(teacher)
    response = client.post(f"/practice/clients/{client_profile.id}/start/", {"confirmed": "1"})
    started = PracticeSession.objects.exclude(pk=preview.pk).get()
    assert response.url == f"/sessions/{started.id}/"


@pytest.mark.parametrize("demo", [True, False])
def test_a_demo_reply_is_labelled_as_canned_on_the_preview(client, teacher, demo):
    robin = make_client(teacher)
    client.force_login(teacher)
    client.post(f"/teach/clients/{robin.id}/preview/", {"line": "Hello there."})
    session = PracticeSession.objects.get()
    PracticeSession.objects.filter(pk=session.pk).update(demo_mode=demo)

    page = client.get(f"/teach/previews/{session.id}/").content.decode()

    assert ("Demo reply: canned, not the model" in page) == demo
