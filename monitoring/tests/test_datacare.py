import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from conftest import make_client, make_user
from conversations.models import Message
from monitoring.exports import pseudonym
from monitoring.models import ErrorEvent
from monitoring.services import error_record, feedback_submit
from monitoring.tests.helpers import reply
from reviews.models import MessageComment, SessionReview
from reviews.services import comment_add, review_release, review_save
from sessions_app.models import PracticeSession, SessionFeedback
from sessions_app.services import session_end, session_start


def _full_session(student, client_profile, teacher, *, ended_days_ago: int) -> PracticeSession:
    session = session_start(student=student, client=client_profile)
    message = reply(session)
    session_end(session=session)
    PracticeSession.objects.filter(pk=session.pk).update(
        ended_at=timezone.now() - datetime.timedelta(days=ended_days_ago)
    )
    review = SessionReview.objects.create(session=session, reviewer=teacher)
    MessageComment.objects.create(review=review, message=message, text="Nice.")
    SessionFeedback.objects.create(session=session, ease_of_use=4, learning_value=4)
    error_record(kind="x", severity="info", message="m", session_id=session.pk)
    return session


def test_purge_deletes_old_sessions_with_everything_on_them(
    settings, student, teacher, client_profile
):
    settings.DATA_RETENTION_DAYS = 30
    old = _full_session(student, client_profile, teacher, ended_days_ago=40)
    recent = _full_session(student, client_profile, teacher, ended_days_ago=5)
    out = StringIO()
    call_command("purge_expired", stdout=out)
    assert "Deleted 1 session(s) older than 30 day(s)" in out.getvalue()
    assert list(PracticeSession.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Message.objects.filter(session_id=old.pk).exists()
    assert SessionReview.objects.count() == 1
    assert MessageComment.objects.count() == 1
    assert SessionFeedback.objects.count() == 1
    assert ErrorEvent.objects.count() == 2  # kept, without the session
    assert ErrorEvent.objects.filter(session__isnull=True).count() == 1


def test_purge_dry_run_deletes_nothing(student, teacher, client_profile):
    _full_session(student, client_profile, teacher, ended_days_ago=400)
    out = StringIO()
    call_command("purge_expired", "--dry-run", stdout=out)
    assert "1 session(s) are older than 365 day(s); none deleted." in out.getvalue()
    assert PracticeSession.objects.count() == 1


def test_an_abandoned_never_ended_session_expires_by_its_last_activity(student, client_profile):
    session = session_start(student=student, client=client_profile)
    PracticeSession.objects.filter(pk=session.pk).update(
        last_activity_at=timezone.now() - datetime.timedelta(days=10)
    )
    call_command("purge_expired", "--days", "7", stdout=StringIO())
    assert not PracticeSession.objects.exists()


def test_export_holds_everything_about_one_user(student, teacher, client_profile):
    session = _full_session(student, client_profile, teacher, ended_days_ago=1)
    out = StringIO()
    call_command("user_data", "export", "stu", stdout=out)
    data = json.loads(out.getvalue())
    assert data["user"]["username"] == "stu"
    assert "password" not in data["user"]
    [exported] = data["sessions"]
    assert exported["id"] == str(session.pk)
    assert [m["content"] for m in exported["messages"]] == ["How are you?", "Tired."]
    assert exported["feedback_on_rapport"]["ease_of_use"] == 4


PRIVATE = {
    "disclosures": [
        {"text": "HIDDEN-LOST-HER-JOB", "level": 1, "keywords": ["HIDDEN-KEYWORD-JOB"]}
    ],
    "risk": {
        "stance": "deflects",
        "disclosure": {
            "text": "RISK-PASSIVE-IDEATION",
            "level": 3,
            "keywords": ["RISK-KEYWORD-IDEATION"],
        },
    },
    "teacher_notes": "TEACHER-ONLY-NOTE",
    "core_beliefs": ["CORE-I-AM-A-FAILURE"],
}


def _session_with_private_material(student, teacher) -> PracticeSession:
    client = make_client(teacher, name="Private Paula", **PRIVATE)
    session = session_start(student=student, client=client)
    message = reply(session)
    session_end(session=session)
    PracticeSession.objects.filter(pk=session.pk).update(client_state={"trust": 5, "turn": 7})
    review_save(session=session, reviewer=teacher, fields={"overall_note": "UNRELEASED-NOTE"})
    comment_add(session=session, reviewer=teacher, message=message, text="UNRELEASED-COMMENT")
    return session


def _export_text(*args: str) -> str:
    out = StringIO()
    call_command("user_data", *args, stdout=out)
    return out.getvalue()


def test_a_persons_export_holds_none_of_the_teachers_private_material(student, teacher):
    _session_with_private_material(student, teacher)
    text = _export_text("export", "stu")
    for secret in [
        "HIDDEN-LOST-HER-JOB",
        "HIDDEN-KEYWORD-JOB",
        "RISK-PASSIVE-IDEATION",
        "RISK-KEYWORD-IDEATION",
        "deflects",
        "TEACHER-ONLY-NOTE",
        "CORE-I-AM-A-FAILURE",
        "UNRELEASED-NOTE",
        "UNRELEASED-COMMENT",
        "trust",
        "client_snapshot",
    ]:
        assert secret not in text
    [session] = json.loads(text)["sessions"]
    assert session["client_card_shown"]["name"] == "Private Paula"
    assert session["client_card_shown"]["opening_statement"].startswith("Hi.")
    assert [m["content"] for m in session["messages"]] == ["How are you?", "Tired."]
    assert session["teacher_feedback_released"] is None


def test_a_persons_export_holds_feedback_once_released(student, teacher):
    session = _session_with_private_material(student, teacher)
    review_release(session=session, reviewer=teacher)
    [exported] = json.loads(_export_text("export", "stu"))["sessions"]
    feedback = exported["teacher_feedback_released"]
    assert feedback["note"] == "UNRELEASED-NOTE"
    assert feedback["comments"] == [{"message_sequence_number": 2, "text": "UNRELEASED-COMMENT"}]


def test_the_staff_full_export_is_named_as_such_and_holds_everything(student, teacher):
    _session_with_private_material(student, teacher)
    data = json.loads(_export_text("export-full", "stu"))
    assert data["format"] == "rapport-staff-full-export/v1"
    assert "staff only" in data["warning"]
    [session] = data["sessions"]
    assert session["client_snapshot"]["disclosures"][0]["text"] == "HIDDEN-LOST-HER-JOB"
    assert session["client_snapshot"]["risk"]["disclosure"]["text"] == "RISK-PASSIVE-IDEATION"
    assert session["client_state"]["trust"] == 5
    assert session["review"]["overall_note"] == "UNRELEASED-NOTE"


def test_the_staff_full_record_writes_zero_cost_as_0_not_0E_10(student, client_profile):
    # The person's own export carries no costs at all; the staff record does.
    session_start(student=student, client=client_profile)
    full = json.loads(_export_text("export-full", "stu"))
    [exported] = full["sessions"]
    assert exported["estimated_cost"] == "0"
    assert "E-10" not in _export_text("export-full", "stu")
    assert "E-10" not in _export_text("export", "stu")


def test_pseudonymise_keeps_sessions_under_a_name_that_identifies_no_one(
    student, teacher, client_profile
):
    _full_session(student, client_profile, teacher, ended_days_ago=1)
    error_record(kind="y", severity="info", message="m", user_id=student.pk)
    call_command("user_data", "delete", "stu", "--mode", "pseudonymise", "--yes", stdout=StringIO())
    user = User.objects.get(pk=student.pk)
    assert user.username == pseudonym(student.pk)
    assert not user.is_active
    assert not user.has_usable_password()
    assert PracticeSession.objects.filter(student=user).count() == 1
    assert not ErrorEvent.objects.filter(user=user).exists()


def test_remove_deletes_the_user_and_their_sessions(student, teacher, client_profile):
    _full_session(student, client_profile, teacher, ended_days_ago=1)
    call_command("user_data", "delete", "stu", "--mode", "remove", "--yes", stdout=StringIO())
    assert not User.objects.filter(username="stu").exists()
    assert not PracticeSession.objects.exists()
    assert not Message.objects.exists()


def test_remove_refuses_an_author_of_clients(teacher, client_profile):
    feedback_submit(teacher=teacher, overall_impression=3, client_quality=3)
    with pytest.raises(CommandError, match="pseudonymise this user instead"):
        call_command("user_data", "delete", "tea", "--mode", "remove", "--yes")


def test_delete_needs_a_mode_and_a_known_user(student):
    with pytest.raises(CommandError, match="--mode"):
        call_command("user_data", "delete", "stu", "--yes")
    with pytest.raises(CommandError, match="No user called"):
        call_command("user_data", "export", "nobody")


def test_staff_download_one_users_data_from_the_session_page(
    client, staff, student, teacher, client_profile
):
    session = _full_session(student, client_profile, teacher, ended_days_ago=1)
    client.force_login(staff)
    page = client.get(f"/monitor/sessions/{session.pk}/").content.decode()
    assert f"/monitor/users/{student.pk}/data.json" in page
    response = client.get(f"/monitor/users/{student.pk}/data.json")
    assert (
        response["Content-Disposition"] == f'attachment; filename="rapport-user-{student.pk}.json"'
    )
    assert response.json()["sessions"][0]["id"] == str(session.pk)
    assert "TEACHER-ONLY-NOTE" not in response.content.decode()


def test_staff_download_the_full_record_under_a_name_that_says_so(client, staff, student, teacher):
    session = _session_with_private_material(student, teacher)
    client.force_login(staff)
    page = client.get(f"/monitor/sessions/{session.pk}/").content.decode()
    assert f"/monitor/users/{student.pk}/staff-full.json" in page
    response = client.get(f"/monitor/users/{student.pk}/staff-full.json")
    assert response["Content-Disposition"] == (
        f'attachment; filename="rapport-user-{student.pk}-staff-full.json"'
    )
    assert "HIDDEN-LOST-HER-JOB" in response.content.decode()


def test_only_staff_download_user_data(client, teacher, student):
    client.force_login(teacher)
    assert client.get(f"/monitor/users/{student.pk}/data.json").status_code == 403


def _residue(username: str) -> tuple[list[str], int]:
    from django.contrib.admin.models import LogEntry
    from django.contrib.sessions.models import Session

    reprs = [r for r in LogEntry.objects.values_list("object_repr", flat=True) if username in r]
    logins = sum(1 for s in Session.objects.all() if "_auth_user_id" in s.get_decoded())
    return reprs, logins


def _leave_traces(client, staff, person, session) -> None:
    """What staff's admin work (a change to the account and to a session) and the person's own
    login leave behind."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    for obj in (person, session):
        LogEntry.objects.create(
            user=staff,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj),
            action_flag=CHANGE,
        )
    client.force_login(person)


@pytest.mark.parametrize("mode", ["pseudonymise", "remove"])
def test_after_deleting_a_person_no_trace_of_their_username_remains(
    client, staff, teacher, client_profile, mode
):
    person = make_user("alice-walker")
    session = _full_session(person, client_profile, teacher, ended_days_ago=1)
    _leave_traces(client, staff, person, session)
    reprs, logins = _residue("alice-walker")
    assert len(reprs) == 2 and logins == 1

    call_command("user_data", "delete", "alice-walker", "--mode", mode, "--yes", stdout=StringIO())

    assert _residue("alice-walker") == ([], 0)
