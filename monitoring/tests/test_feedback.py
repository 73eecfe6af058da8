import csv
import io

from monitoring.models import TeacherFeedback
from monitoring.services import feedback_submit
from reviews.models import SessionReview
from sessions_app.models import SessionFeedback
from sessions_app.services import session_end, session_start

FORM = "/feedback/"
SUMMARY = "/monitor/feedback/"
QUALITY = "/monitor/quality/"

ANSWERS = {
    "overall_impression": "4",
    "client_quality": "5",
    "what_worked": "Students liked the reserved client.",
    "needs_improvement": "",
    "feature_requests": "=cmd more clients",
}


def test_a_teacher_sends_feedback(client, teacher):
    client.force_login(teacher)
    page = client.get(FORM)
    assert page.status_code == 200
    assert b"Overall impression" in page.content
    response = client.post(FORM, ANSWERS, follow=True)
    assert response.redirect_chain == [(FORM, 302)]
    assert b"Thank you" in response.content
    feedback = TeacherFeedback.objects.get()
    assert (feedback.teacher, feedback.overall_impression, feedback.client_quality) == (
        teacher,
        4,
        5,
    )


def test_scores_out_of_range_are_refused(client, teacher):
    client.force_login(teacher)
    response = client.post(FORM, ANSWERS | {"overall_impression": "9"})
    assert response.status_code == 200
    assert b"error" in response.content
    assert not TeacherFeedback.objects.exists()


def test_every_teacher_page_links_to_the_form(client, teacher, student):
    client.force_login(teacher)
    assert b'href="/feedback/"' in client.get("/teach/").content
    client.force_login(student)
    assert b'href="/feedback/"' not in client.get("/practice/").content


def test_students_may_not_send_teacher_feedback(client, student):
    client.force_login(student)
    assert client.get(FORM).status_code == 403
    assert client.post(FORM, ANSWERS).status_code == 403


def _student_feedback(session, **fields):
    defaults = {"ease_of_use": 4, "learning_value": 2, "helped": "The timer.", "suggestions": ""}
    return SessionFeedback.objects.create(session=session, **(defaults | fields))


def test_the_summary_joins_teacher_and_student_feedback(
    client, staff, teacher, other_teacher, practice_session, other_student, client_profile
):
    feedback_submit(teacher=teacher, overall_impression=4, client_quality=3, what_worked="Good")
    feedback_submit(teacher=teacher, overall_impression=2, client_quality=5)
    feedback_submit(teacher=other_teacher, overall_impression=3, client_quality=4)
    _student_feedback(practice_session, helped="<b>The hints</b>")
    other = session_start(student=other_student, client=client_profile)
    _student_feedback(other, ease_of_use=2, learning_value=4, helped="", confusing="The end.")
    client.force_login(staff)
    response = client.get(SUMMARY)
    assert response.status_code == 200
    teacher_numbers, student_numbers = response.context["teacher"], response.context["student"]
    assert (teacher_numbers["n"], teacher_numbers["teachers"]) == (3, 2)
    assert teacher_numbers["overall"] == 3
    assert (student_numbers["n"], student_numbers["students"]) == (2, 2)
    assert student_numbers["ease"] == 3
    body = response.content.decode()
    assert "&lt;b&gt;The hints&lt;/b&gt;" in body
    assert "The end." in body


def test_feedback_exports(client, staff, teacher, practice_session):
    feedback_submit(
        teacher=teacher,
        overall_impression=4,
        client_quality=3,
        feature_requests="=cmd more clients",
    )
    _student_feedback(practice_session)
    client.force_login(staff)
    response = client.get("/monitor/export/teacher-feedback.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][1] == "tea"
    assert rows[1][6] == "'=cmd more clients"
    student_rows = client.get("/monitor/export/student-feedback.json", {"pseudonymise": "1"})
    assert b"The timer." in b"".join(student_rows.streaming_content)


def _review(session, reviewer, example="", **ratings):
    values = dict.fromkeys(
        ["in_character_consistency", "educational_appropriateness", "response_relevance",
         "conversation_flow", "boundary_maintenance"], 6,
    )  # fmt: skip
    return SessionReview.objects.create(
        session=session, reviewer=reviewer, example=example, **(values | ratings)
    )


def test_quality_averages_ratings_per_client_with_best_and_worst(
    client, staff, teacher, practice_session, other_student, client_profile
):
    session_end(session=practice_session)
    other = session_start(student=other_student, client=client_profile)
    session_end(session=other)
    _review(practice_session, teacher, example="best", in_character_consistency=10)
    _review(other, teacher, example="worst", in_character_consistency=4)
    client.force_login(staff)
    response = client.get(QUALITY)
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert row["reviews"] == 2
    assert row["ratings"][0] == 7
    assert row["best"] == [practice_session.pk]
    assert row["worst"] == [other.pk]
    assert f"/monitor/sessions/{practice_session.pk}/" in response.content.decode()


def test_staff_pages_are_staff_only(client, teacher, student):
    for user in (teacher, student):
        client.force_login(user)
        assert client.get(SUMMARY).status_code == 403
        assert client.get(QUALITY).status_code == 403
