from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import add_message, make_user
from conversations.models import Message
from conversations.services import message_account
from sessions_app import admin as session_admin
from sessions_app.models import PracticeSession
from sessions_app.services import session_start

SESSIONS = "/admin/sessions_app/practicesession/"
MESSAGES = "/admin/conversations/message/"


@pytest.fixture
def conversation(practice_session) -> PracticeSession:
    for n in range(3):
        add_message(session=practice_session, role="student", content=f"Question {n}?")
        reply = add_message(session=practice_session, role="client", content=f"Answer {n}.")
        message_account(
            message=reply,
            input_tokens=1000,
            output_tokens=50,
            cache_write_tokens=0,
            cache_read_tokens=0,
            cost=Decimal("0.0000412345"),
        )
    return practice_session


def test_the_changelist_loads_with_computed_columns(admin_client, conversation):
    response = admin_client.get(SESSIONS)
    assert response.status_code == 200
    [row] = response.context["cl"].result_list
    model_admin = response.context["cl"].model_admin
    assert model_admin.turn_count(row) == 3
    assert model_admin.cost_display(row) == "$0.000124"
    assert b"$0.000124" in response.content
    assert b"Test Client" in response.content


def test_the_changelist_filters_by_status_and_searches_by_student(
    admin_client, conversation, other_student, client_profile
):
    session_start(student=other_student, client=client_profile)
    active = admin_client.get(SESSIONS, {"status__exact": "active", "q": "stu2"})
    assert [s.student.username for s in active.context["cl"].result_list] == ["stu2"]


def test_the_changelist_query_count_does_not_grow_with_rows(admin_client, client_profile):
    session_start(student=make_user("first"), client=client_profile)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(SESSIONS)
    for n in range(6):
        session = session_start(student=make_user(f"s{n}"), client=client_profile)
        add_message(session=session, role="student", content="Hi.")
    with CaptureQueriesContext(connection) as many:
        admin_client.get(SESSIONS)
    assert len(many) == len(few)


def test_the_change_page_shows_the_transcript_read_only(admin_client, conversation):
    response = admin_client.get(f"{SESSIONS}{conversation.pk}/change/")
    assert response.status_code == 200
    content = response.content.decode()
    for n in range(3):
        assert f"Question {n}?" in content and f"Answer {n}." in content
    assert 'name="status"' not in content
    assert 'name="messages-0-content"' not in content
    assert f'{MESSAGES}?session={conversation.pk}"' in content
    assert "All 6 messages" in content


def test_a_long_transcript_is_a_link_not_an_inline(admin_client, conversation, monkeypatch):
    monkeypatch.setattr(session_admin, "INLINE_MESSAGE_LIMIT", 4)
    response = admin_client.get(f"{SESSIONS}{conversation.pk}/change/")
    assert response.status_code == 200
    assert "Question 0?" not in response.content.decode()
    assert "All 6 messages" in response.content.decode()


def test_sessions_cannot_be_added_changed_or_deleted(admin_client, conversation):
    assert admin_client.get(f"{SESSIONS}add/").status_code == 403
    assert admin_client.get(f"{SESSIONS}{conversation.pk}/delete/").status_code == 403
    admin_client.post(f"{SESSIONS}{conversation.pk}/change/", {"status": "abandoned"})
    conversation.refresh_from_db()
    assert conversation.status == PracticeSession.Status.ACTIVE
    response = admin_client.get(SESSIONS)
    assert "delete_selected" not in response.context["cl"].model_admin.get_actions(
        response.wsgi_request
    )


def test_the_message_list_filtered_to_a_session_reads_in_order(admin_client, conversation):
    response = admin_client.get(MESSAGES, {"session": str(conversation.pk)})
    assert response.status_code == 200
    rows = response.context["cl"].result_list
    assert [m.sequence_number for m in rows] == [1, 2, 3, 4, 5, 6]


def test_the_message_list_filters_and_searches(admin_client, conversation):
    clients = admin_client.get(MESSAGES, {"role__exact": "client", "q": "Answer 1"})
    assert [m.content for m in clients.context["cl"].result_list] == ["Answer 1."]


def test_the_message_list_query_count_does_not_grow_with_rows(admin_client, practice_session):
    add_message(session=practice_session, role="student", content="One.")
    with CaptureQueriesContext(connection) as few:
        admin_client.get(MESSAGES)
    for n in range(8):
        add_message(session=practice_session, role="student", content=f"More {n}.")
    with CaptureQueriesContext(connection) as many:
        admin_client.get(MESSAGES)
    assert len(many) == len(few)


def test_the_message_page_loads_read_only(admin_client, conversation):
    message = Message.objects.get(session=conversation, sequence_number=2)
    response = admin_client.get(f"{MESSAGES}{message.pk}/change/")
    assert response.status_code == 200
    assert b"Answer 0." in response.content
    assert b"$0.000041" in response.content
    assert b'name="content"' not in response.content


def test_messages_cannot_be_added_or_deleted(admin_client, conversation):
    message = Message.objects.filter(session=conversation).first()
    assert admin_client.get(f"{MESSAGES}add/").status_code == 403
    assert admin_client.get(f"{MESSAGES}{message.pk}/delete/").status_code == 403
    assert Message.objects.filter(pk=message.pk).exists()


def test_staff_without_permissions_cannot_see_sessions(client, staff, conversation):
    client.force_login(staff)
    assert client.get(SESSIONS).status_code == 403


def test_duration_formatting():
    assert session_admin.duration_text(timedelta(seconds=42)) == "42 s"
    assert session_admin.duration_text(timedelta(minutes=12, seconds=3)) == "12 min 3 s"
    assert session_admin.duration_text(timedelta(hours=2, minutes=5)) == "2 h 5 min"


@pytest.mark.parametrize("model", ["sessions_app/practicesession", "conversations/message"])
def test_staff_export_sessions_and_messages_from_the_admin(client, practice_session, model):
    from conftest import add_message

    message = add_message(session=practice_session, role="student", content="=SUM(A1)")
    admin_user = make_user("export-admin", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    selected = practice_session.pk if model.startswith("sessions_app") else message.pk
    response = client.post(
        f"/admin/{model}/", {"action": "export_csv", "_selected_action": [str(selected)]}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content).decode()
    assert str(selected) in body
    assert "=SUM" not in body.replace("'=SUM", "")
