"""What a student can do with their messages: see when each was sent, copy it, and download their
own transcript (Markdown, plain text) with only what they may read."""

import re

from django.utils import timezone

from conftest import add_exchange, add_message
from conversations.models import Message
from reviews.models import MessageComment, SessionReview
from sessions_app.services import session_end

HIDDEN = "She lost her previous job after a panic attack at work."  # make_client's hidden item


def test_each_message_shows_its_time_and_a_copy_button(client, student, practice_session):
    message = add_message(session=practice_session, role=Message.Role.STUDENT, content="Hi.")
    client.force_login(student)
    page = client.get(f"/sessions/{practice_session.id}/").content.decode()
    stamp = timezone.localtime(message.timestamp)
    assert f'datetime="{stamp.isoformat()}"' in page
    assert f">{stamp:%H:%M}</time>" in page
    # The opening statement and the one message each have their copy button.
    assert page.count("data-copy>") == 2
    assert "js/messages.js" in page


def test_the_record_of_an_ended_session_shows_times_and_copy_buttons(
    client, student, practice_session
):
    add_exchange(practice_session, "Hello there.", "Hi.")
    session_end(session=practice_session)
    client.force_login(student)
    page = client.get(f"/sessions/{practice_session.id}/").content.decode()
    assert page.count('class="msg-time"') == 3
    assert page.count("data-copy>") == 3
    assert "tokens" not in page


def test_my_sessions_offers_each_transcript_as_markdown_and_plain_text(
    client, student, practice_session
):
    client.force_login(student)
    page = client.get("/practice/sessions/").content.decode()
    assert f'href="/sessions/{practice_session.id}/download/markdown/"' in page
    assert f'href="/sessions/{practice_session.id}/download/text/"' in page


def _download(client, session, fmt: str):
    return client.get(f"/sessions/{session.id}/download/{fmt}/")


def test_a_student_downloads_their_own_transcript_as_markdown_and_plain_text(
    client, student, practice_session
):
    add_exchange(practice_session, "How have you been sleeping?", "Badly. Since the move.")
    session_end(session=practice_session)
    client.force_login(student)
    markdown = _download(client, practice_session, "markdown")
    text = _download(client, practice_session, "text")
    assert markdown["Content-Type"].startswith("text/markdown")
    assert text["Content-Type"].startswith("text/plain")
    assert re.match(r'attachment; filename="test-client-.*\.md"', markdown["Content-Disposition"])
    for body in (markdown.content.decode(), text.content.decode()):
        assert "How have you been sleeping?" in body
        assert "Badly. Since the move." in body


def test_a_students_transcript_holds_no_costs_secrets_nor_unreleased_feedback(
    client, student, teacher, practice_session
):
    reply = add_exchange(practice_session, "What brings you here?", "My roommate.")
    session_end(session=practice_session)
    review = SessionReview.objects.create(
        session=practice_session, reviewer=teacher, overall_note="DRAFT-NOTE"
    )
    MessageComment.objects.create(review=review, message=reply, text="DRAFT-COMMENT")
    client.force_login(student)
    for fmt in ("markdown", "text"):
        response = _download(client, practice_session, fmt)
        assert response.status_code == 200
        body = response.content.decode()
        assert "My roommate." in body
        for secret in (
            HIDDEN,
            "TEACHER-ONLY-NOTE",
            "DRAFT-NOTE",
            "DRAFT-COMMENT",
            "0.0001234567",
            "tokens",
            "Tokens",
            "Cost",
            "Model",
            "trust",
        ):
            assert secret not in body, f"{fmt} says {secret!r}"


def test_a_students_transcript_carries_feedback_once_released(
    client, student, teacher, practice_session
):
    reply = add_exchange(practice_session, "What brings you here?", "My roommate.")
    session_end(session=practice_session)
    review = SessionReview.objects.create(
        session=practice_session,
        reviewer=teacher,
        overall_note="You listened well.",
        released_at=timezone.now(),
    )
    MessageComment.objects.create(review=review, message=reply, text="Nice reflection.")
    client.force_login(student)
    body = _download(client, practice_session, "text").content.decode()
    assert "You listened well." in body
    assert "Nice reflection." in body


def test_a_transcript_download_is_the_owners_alone(
    client, other_student, teacher, practice_session
):
    client.force_login(other_student)
    assert _download(client, practice_session, "markdown").status_code == 404
    client.force_login(teacher)
    assert _download(client, practice_session, "markdown").status_code == 403


def test_a_transcript_download_of_an_unknown_format_is_not_found(client, student, practice_session):
    client.force_login(student)
    assert _download(client, practice_session, "json").status_code == 404
    assert _download(client, practice_session, "csv").status_code == 404
