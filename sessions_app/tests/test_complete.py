from django.urls import reverse

from sessions_app.services import session_end


def _url(session) -> str:
    return f"/sessions/{session.pk}/complete/"


def test_the_owner_sees_the_complete_page_of_an_ended_session(client, student, practice_session):
    session_end(session=practice_session)
    client.force_login(student)
    response = client.get(_url(practice_session))
    assert response.status_code == 200
    assert b"Session saved" in response.content
    assert b"Test Client" in response.content


def test_an_active_session_goes_back_to_the_conversation(client, student, practice_session):
    client.force_login(student)
    response = client.get(_url(practice_session))
    assert response.status_code == 302
    assert response.url == f"/sessions/{practice_session.pk}/"


def test_another_student_gets_404(client, other_student, practice_session):
    session_end(session=practice_session)
    client.force_login(other_student)
    assert client.get(_url(practice_session)).status_code == 404


def test_the_clients_teacher_gets_404(client, teacher, practice_session):
    session_end(session=practice_session)
    client.force_login(teacher)
    assert client.get(_url(practice_session)).status_code == 404


def test_anonymous_users_go_to_login(client, practice_session):
    response = client.get(_url(practice_session))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def _ended_with_turns(session, turns: int = 2):
    from conftest import add_message
    from conversations.models import Message

    for n in range(turns):
        add_message(session=session, role=Message.Role.STUDENT, content=f"Turn {n}")
        add_message(session=session, role=Message.Role.CLIENT, content=f"Reply {n}")
    return session_end(session=session)


VALID = {
    "reflection-went_well": "I let the silence sit.",
    "reflection-was_hard": "Not rushing to fix things.",
    "reflection-do_differently": "Ask about sleep sooner.",
    "feedback-ease_of_use": "4",
    "feedback-learning_value": "5",
    "feedback-helped": "The client's short answers.",
    "feedback-confusing": "",
    "feedback-suggestions": "A pause button.",
}


def test_it_shows_the_turn_count_and_duration(client, student, practice_session):
    _ended_with_turns(practice_session, turns=3)
    client.force_login(student)
    text = client.get(_url(practice_session)).content.decode()
    assert "Your turns</dt><dd>3</dd>" in text
    assert "Duration" in text
    assert "Start a new session" in text


def test_it_asks_for_reflection_and_the_feedback_questions(client, student, practice_session):
    _ended_with_turns(practice_session)
    client.force_login(student)
    text = client.get(_url(practice_session)).content.decode()
    for label in (
        "What went well",
        "What was hard",
        "What I would do differently",
        "How easy was Rapport to use?",
        "How much did you learn from this session?",
        "What helped",
        "What was confusing",
        "Suggestions",
    ):
        assert label in text


def test_it_saves_the_reflection_and_feedback(client, student, practice_session):
    from sessions_app.models import SessionFeedback, SessionReflection

    _ended_with_turns(practice_session)
    client.force_login(student)
    response = client.post(_url(practice_session), VALID)
    assert response.status_code == 302
    assert response.url == _url(practice_session)
    reflection = SessionReflection.objects.get(session=practice_session)
    feedback = SessionFeedback.objects.get(session=practice_session)
    assert reflection.went_well == "I let the silence sit."
    assert reflection.do_differently == "Ask about sleep sooner."
    assert (feedback.ease_of_use, feedback.learning_value) == (4, 5)
    assert feedback.suggestions == "A pause button."
    again = client.get(_url(practice_session)).content.decode()
    assert "saved. Thank you" in again
    assert "I let the silence sit." in again, "the saved answers stay editable"


def test_an_invalid_form_keeps_every_word_and_saves_nothing(client, student, practice_session):
    from sessions_app.models import SessionFeedback, SessionReflection

    _ended_with_turns(practice_session)
    client.force_login(student)
    data = VALID | {"feedback-ease_of_use": "", "feedback-learning_value": "9"}
    response = client.post(_url(practice_session), data)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved yet" in text
    assert "Choose a number from 1 to 5." in text
    for words in ("I let the silence sit.", "Not rushing to fix things.", "A pause button."):
        assert words in text
    assert not SessionReflection.objects.exists()
    assert not SessionFeedback.objects.exists()


def test_saving_twice_replaces_the_answers(client, student, practice_session):
    from sessions_app.models import SessionReflection

    _ended_with_turns(practice_session)
    client.force_login(student)
    client.post(_url(practice_session), VALID)
    client.post(_url(practice_session), VALID | {"reflection-went_well": "Better now."})
    assert SessionReflection.objects.get().went_well == "Better now."


def test_the_teachers_review_sees_the_reflection_under_its_questions(practice_session):
    from reviews.selectors import reflection_items, reflection_of
    from sessions_app.services import session_reflect

    _ended_with_turns(practice_session)
    session_reflect(
        session=practice_session,
        reflection={"went_well": "Listening.", "was_hard": "", "do_differently": ""},
        feedback={"ease_of_use": 3, "learning_value": 4},
    )
    practice_session.refresh_from_db()
    items = reflection_items(reflection_of(practice_session))
    assert items == [("What went well", "Listening.")]


def test_another_student_cannot_post_a_reflection(client, other_student, practice_session):
    _ended_with_turns(practice_session)
    client.force_login(other_student)
    assert client.post(_url(practice_session), VALID).status_code == 404


def test_the_complete_page_never_shows_costs_or_hidden_fields(client, student, practice_session):
    _ended_with_turns(practice_session)
    client.force_login(student)
    text = client.get(_url(practice_session)).content.decode()
    assert "TEACHER-ONLY-NOTE" not in text and "panic attack" not in text
    assert " tokens" not in text and "$" not in text


def test_a_reflection_of_megabytes_is_refused_with_its_limit(client, student, practice_session):
    from sessions_app.models import SessionReflection

    _ended_with_turns(practice_session)
    client.force_login(student)
    huge = "x" * 2_400_000
    response = client.post(_url(practice_session), VALID | {"reflection-went_well": huge})
    text = response.content.decode()
    assert response.status_code == 200
    assert "at most 5000 characters" in text
    assert 'maxlength="5000"' in text
    assert not SessionReflection.objects.exists()


def test_the_models_refuse_text_over_their_limits(practice_session, teacher):
    import pytest
    from django.core.exceptions import ValidationError

    from monitoring.models import TeacherFeedback
    from reviews.models import SessionReview
    from sessions_app.models import SessionFeedback, SessionReflection

    too_long = "x" * 10_001
    rows = [
        SessionReflection(session=practice_session, went_well=too_long),
        SessionFeedback(session=practice_session, ease_of_use=3, learning_value=3, helped=too_long),
        TeacherFeedback(
            teacher=teacher, overall_impression=3, client_quality=3, what_worked=too_long
        ),
        SessionReview(session=practice_session, reviewer=teacher, overall_note=too_long),
    ]
    for row in rows:
        with pytest.raises(ValidationError, match="at most"):
            row.full_clean()
