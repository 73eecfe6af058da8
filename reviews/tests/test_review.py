"""The review page: transcript, reflection, safety flags, the review form, comments, release."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_user
from conversations.models import SafetyFlag
from monitoring.models import ErrorEvent
from reviews.models import RATING_FIELDS, MessageComment, SessionReview
from reviews.selectors import reflection_items
from sessions_app.models import SessionReflection
from sessions_app.services import session_start


def url(session, suffix=""):
    return f"/teach/sessions/{session.id}/{suffix}"


def test_the_review_page_shows_the_transcript_with_costs(client, teacher, held_session):
    client.force_login(teacher)
    page = client.get(url(held_session)).content.decode()
    assert "I don&#x27;t know. My roommate." in page
    assert "1240 tokens · $0.000123 · first token 420 ms · full reply 1300 ms" in page
    assert "Safety flags" not in page


def test_safety_flags_are_shown_at_the_top(client, teacher, held_session):
    first = held_session.messages.first()
    SafetyFlag.objects.create(session=held_session, message=first)
    ErrorEvent.objects.create(
        kind="limit.rate", severity="warning", message="x", session=held_session
    )
    client.force_login(teacher)
    page = client.get(url(held_session)).content.decode()
    assert "Safety flags (1)" in page
    assert page.index("Safety flags") < page.index("Transcript")
    assert f'href="#msg-{first.id}"' in page


def test_a_100_day_old_flag_is_still_shown_after_error_events_are_pruned(
    client, teacher, held_session, settings
):
    settings.ERROR_RETENTION_DAYS = 90
    long_ago = timezone.now() - datetime.timedelta(days=100)
    first = held_session.messages.first()
    SafetyFlag.objects.create(session=held_session, message=first, created_at=long_ago)
    call_command("prune_errors", stdout=StringIO())
    client.force_login(teacher)
    assert "Safety flags (1)" in client.get(url(held_session)).content.decode()
    assert "Safety flag</span>" in client.get("/teach/sessions/").content.decode()


def test_saving_the_review_and_ratings(client, teacher, held_session):
    client.force_login(teacher)
    data = {
        "overall_note": "Good reflections.",
        "in_character_consistency": "9",
        "educational_appropriateness": "8",
        "response_relevance": "7",
        "conversation_flow": "6",
        "boundary_maintenance": "10",
        "example": "best",
    }
    response = client.post(url(held_session), data)
    assert response.status_code == 302
    review = SessionReview.objects.get(session=held_session)
    assert review.reviewer == teacher
    assert review.in_character_consistency == 9
    assert review.boundary_maintenance == 10
    assert review.example == "best"
    assert review.released_at is None


@pytest.mark.parametrize("value", ["11", "0", "-3", "seven", "7.5"])
def test_a_rating_outside_1_to_10_is_refused_in_plain_words(client, teacher, held_session, value):
    client.force_login(teacher)
    response = client.post(
        url(held_session), {"conversation_flow": value, "overall_note": "Kept.", "example": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Conversation flow: Choose a number from 1 to 10, or Not rated." in page
    assert "Select a valid choice" not in page and "Ensure this value" not in page
    assert "\nKept.</textarea>" in page
    assert not SessionReview.objects.exists()


def test_the_ratings_are_buttons_from_1_to_10_that_rate_the_simulated_client_not_the_student(
    client, teacher, held_session
):
    client.force_login(teacher)
    page = client.get(url(held_session)).content.decode()
    assert "Rate the simulated client, not the student (1\N{EN DASH}10)" in page
    assert f"They are not a grade for {held_session.student.display_name}" in page
    for name in RATING_FIELDS:
        values = re.findall(rf'<input type="radio" name="{name}" value="(\d*)"', page)
        assert values == [str(n) for n in range(1, 11)] + [""], name
    # The old number boxes carried class="rating", which a rule for another page made invisible.
    assert not re.search(r'<input[^>]*class="rating"', page)
    assert 'type="number"' not in page


def test_a_saved_rating_shows_as_the_chosen_button(client, teacher, held_session):
    client.force_login(teacher)
    client.post(url(held_session), {"conversation_flow": "6", "example": ""})
    page = client.get(url(held_session)).content.decode()
    assert re.search(r'name="conversation_flow" value="6"[^>]*checked', page)
    assert re.search(r'name="response_relevance" value=""[^>]*checked', page)  # Not rated


def test_a_review_of_a_session_still_going_on_is_refused_and_keeps_what_was_typed(
    client, teacher, practice_session
):
    client.force_login(teacher)
    data = {"overall_note": "Half-way thoughts.", "conversation_flow": "8", "example": ""}
    response = client.post(url(practice_session), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "This session is still going on: save your review or release feedback" in page
    assert "\nHalf-way thoughts.</textarea>" in page
    assert re.search(r'name="conversation_flow" value="8"[^>]*checked', page)
    assert not SessionReview.objects.exists()


def test_feedback_cannot_be_released_on_a_session_still_going_on(client, teacher, practice_session):
    client.force_login(teacher)
    page = client.get(url(practice_session)).content.decode()
    assert "This session is still going on." in page
    assert "Release feedback to" not in page
    response = client.post(url(practice_session, "release/"), follow=True)
    assert "This session is still going on: save your review or release feedback" in (
        response.content.decode()
    )
    assert not SessionReview.objects.filter(released_at__isnull=False).exists()


def test_comments_on_a_message(client, teacher, held_session):
    message = held_session.messages.get(sequence_number=3)
    client.force_login(teacher)
    response = client.post(url(held_session, "comments/"), {"message": message.id, "text": "Nice."})
    assert response["Location"].endswith(f"#msg-{message.id}")
    comment = MessageComment.objects.get()
    assert comment.message == message
    assert "Nice." in client.get(url(held_session)).content.decode()
    client.post(url(held_session, f"comments/{comment.id}/delete/"))
    assert not MessageComment.objects.exists()


def test_a_comment_on_another_sessions_message_is_404(client, teacher, student, held_session):
    other = session_start(student=student, client=held_session.client_profile)
    stray = other.messages.create(sequence_number=1, role="student", content="x")
    client.force_login(teacher)
    response = client.post(url(held_session, "comments/"), {"message": stray.id, "text": "No."})
    assert response.status_code == 404
    assert not MessageComment.objects.exists()


def test_an_empty_comment_is_refused(client, teacher, held_session):
    message = held_session.messages.first()
    client.force_login(teacher)
    client.post(url(held_session, "comments/"), {"message": message.id, "text": "  "})
    assert not MessageComment.objects.exists()


def test_release_and_withdraw(client, teacher, held_session):
    client.force_login(teacher)
    client.post(url(held_session, "release/"))
    review = SessionReview.objects.get()
    assert review.is_released
    assert "Withdraw feedback" in client.get(url(held_session)).content.decode()
    client.post(url(held_session, "withdraw/"))
    review.refresh_from_db()
    assert not review.is_released


def test_a_test_conversation_cannot_be_released(client, teacher, client_profile):
    test = session_start(student=teacher, client=client_profile, kind="teacher_test")
    client.force_login(teacher)
    client.post(url(test, "release/"))
    assert not SessionReview.objects.filter(released_at__isnull=False).exists()


def test_another_teacher_gets_404_everywhere(client, other_teacher, held_session):
    client.force_login(other_teacher)
    assert client.get(url(held_session)).status_code == 404
    assert client.post(url(held_session, "release/")).status_code == 404
    assert not SessionReview.objects.exists()


def test_the_page_says_when_there_is_no_reflection(client, teacher, held_session):
    client.force_login(teacher)
    assert "has not written a reflection" in client.get(url(held_session)).content.decode()


def test_the_page_shows_the_students_reflection(client, teacher, held_session):
    SessionReflection.objects.create(
        session=held_session, went_well="I stayed curious.", do_differently="Slow down."
    )
    client.force_login(teacher)
    page = client.get(url(held_session)).content.decode()
    assert "What went well" in page
    assert "I stayed curious." in page
    assert "What I would do differently" in page
    assert "Slow down." in page


def test_the_history_marks_sessions_with_safety_flags(client, teacher, held_session):
    SafetyFlag.objects.create(session=held_session)
    client.force_login(teacher)
    assert "Safety flag</span>" in client.get("/teach/sessions/").content.decode()


def test_reflection_items_reads_the_text_fields_of_any_reflection_model():
    reflection = ErrorEvent(kind="k", severity="info", message="What I learned.")
    items = dict(reflection_items(reflection))
    assert items["Message"] == "What I learned."
    assert reflection_items(None) == []


def test_students_never_open_the_review_page(client, student, held_session):
    client.force_login(student)
    assert client.get(url(held_session)).status_code == 403


def test_the_history_row_says_released(client, teacher, held_session):
    client.force_login(teacher)
    client.post(url(held_session, "release/"))
    assert "<td>Released</td>" in client.get("/teach/sessions/").content.decode()


def test_a_student_sees_feedback_only_once_released(client, teacher, student, held_session):
    message = held_session.messages.get(sequence_number=1)
    client.force_login(teacher)
    client.post(url(held_session), {"overall_note": "Try reflecting first.", "example": ""})
    client.post(url(held_session, "comments/"), {"message": message.id, "text": "Good opener."})
    client.force_login(student)
    before = client.get(f"/sessions/{held_session.id}/").content.decode()
    assert "has not released feedback" in before
    assert "Try reflecting first." not in before
    assert "Good opener." not in before
    client.force_login(teacher)
    client.post(url(held_session, "release/"))
    client.force_login(student)
    after = client.get(f"/sessions/{held_session.id}/").content.decode()
    assert "Try reflecting first." in after
    assert "Good opener." in after
    assert "TEACHER-ONLY-NOTE" not in after


def test_another_student_cannot_read_the_feedback(client, held_session):
    client.force_login(make_user("nosy"))
    assert client.get(f"/sessions/{held_session.id}/").status_code == 404


def _review_queries(client, teacher, session, exchanges: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conftest import add_exchange
    from reviews.services import comment_add

    session.status = "active"
    session.save(update_fields=["status"])
    for index in range(exchanges):
        reply = add_exchange(session, f"Question {index}?", f"Answer {index}.")
        comment_add(session=session, reviewer=teacher, message=reply, text=f"Note {index}")
    client.force_login(teacher)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(session)).status_code == 200
    return len(captured)


def test_the_review_page_query_count_does_not_grow_with_the_transcript(
    client, teacher, held_session
):
    assert _review_queries(client, teacher, held_session, 1) == _review_queries(
        client, teacher, held_session, 15
    )
