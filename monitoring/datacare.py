"""Data care: retention, and one person's data (export, pseudonymise, remove). docs/privacy.md.

Transcripts are protected from accidental cascades (PROTECT everywhere); these functions are
the deliberate way to delete them. They find what protects a session by walking the models'
relations, so a new model that points at a session is deleted with it, not left blocking.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from clients.practice_views import STUDENT_FIELDS
from conversations.models import Message, SafetyFlag, TurnState
from monitoring.exports import pseudonym
from sessions_app.models import PracticeSession
from sessions_app.money import money_text


class DataCareError(Exception):
    pass


def _delete_with_protected(model: type[models.Model], queryset: models.QuerySet) -> int:
    """Delete `queryset` after the rows that PROTECT it, depth first. Returns rows deleted."""
    deleted = 0
    for relation in model._meta.related_objects:
        if relation.on_delete is models.PROTECT:
            children = relation.related_model._base_manager.filter(
                **{f"{relation.field.name}__in": queryset.values("pk")}
            )
            deleted += _delete_with_protected(relation.related_model, children)
    count, _ = queryset.delete()
    return deleted + count


def sessions_delete(*, sessions: models.QuerySet) -> int:
    with transaction.atomic():
        return _delete_with_protected(PracticeSession, sessions)


def expired_sessions(*, days: int, now: datetime.datetime | None = None) -> models.QuerySet:
    """Sessions that ended (or, never ended, last moved) more than `days` days ago."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    return PracticeSession.objects.filter(
        Q(ended_at__lt=cutoff) | Q(ended_at__isnull=True, last_activity_at__lt=cutoff)
    )


def purge_expired(*, days: int, dry_run: bool = False) -> tuple[int, int]:
    """(sessions, rows) deleted: the sessions past retention and everything hanging on them."""
    sessions = expired_sessions(days=days)
    count = sessions.count()
    if dry_run or not count:
        return count, 0
    return count, sessions_delete(sessions=sessions)


def _row(instance: models.Model, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = field.value_from_object(instance)
        if isinstance(value, Decimal):
            data[field.name] = money_text(value)  # "0", never "0E-10"
        elif isinstance(value, int | float | bool | type(None) | list | dict):
            data[field.name] = value
        else:
            data[field.name] = str(value)
    return data


def user_export_full(*, user: User) -> dict[str, Any]:
    """Everything Rapport holds about one person, for staff only: it includes each session's
    whole client card (its disclosures, risk and teacher notes), the client's state, its
    state log (trust and codes per turn) and unreleased reviews. Never hand it to the person:
    user_export is theirs."""
    from monitoring.models import ErrorEvent, TeacherFeedback

    sessions = []
    for session in PracticeSession.objects.filter(student=user).order_by("started_at"):
        record = _row(session, exclude=("student",))
        record["messages"] = [
            _row(m, exclude=("session", "lease_expires_at"))
            for m in Message.objects.filter(session=session).order_by("sequence_number")
        ]
        record["safety_flags"] = [
            _row(flag, exclude=("session",))
            for flag in SafetyFlag.objects.filter(session=session).order_by("created_at")
        ]
        record["turn_states"] = [
            _row(state, exclude=("session",))
            for state in TurnState.objects.filter(session=session).order_by("turn", "created_at")
        ]
        for relation in PracticeSession._meta.related_objects:
            if relation.one_to_one:
                related = relation.related_model._base_manager.filter(
                    **{relation.field.name: session}
                ).first()
                if related is not None:
                    record[relation.get_accessor_name()] = _row(related, exclude=("session",))
        sessions.append(record)
    return {
        "format": "rapport-staff-full-export/v1",
        "warning": "For staff only. Not for the person: it holds teachers' private material.",
        "exported_at": timezone.now().isoformat(),
        "user": _row(user, exclude=("password",)),
        "sessions": sessions,
        "teacher_feedback": [
            _row(f, exclude=("teacher",)) for f in TeacherFeedback.objects.filter(teacher=user)
        ],
        "error_events": [_row(e, exclude=("user",)) for e in ErrorEvent.objects.filter(user=user)],
    }


# What a person's own export holds (docs/privacy.md lists the same): what they wrote, what they
# were shown, and feedback released to them. Never the card's disclosures (what the client holds
# back), its risk, core beliefs or teacher notes, the client's state or its state log, nor a
# review not yet released.
PERSON_USER_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "is_active",
    "date_joined",
    "last_login",
    "notice_version",
    "notice_acknowledged_at",
)
PERSON_SESSION_FIELDS = ("id", "kind", "status", "started_at", "ended_at")
PERSON_CARD_FIELDS = (
    *(name for name in STUDENT_FIELDS if name != "id"),
    "opening_statement",
)
PERSON_MESSAGE_FIELDS = ("sequence_number", "role", "content", "status", "timestamp")
PERSON_REFLECTION_FIELDS = ("went_well", "was_hard", "do_differently", "updated_at")
PERSON_FEEDBACK_FIELDS = (
    "ease_of_use",
    "learning_value",
    "helped",
    "confusing",
    "suggestions",
    "updated_at",
)
PERSON_TEACHER_FEEDBACK_FIELDS = (
    "created_at",
    "overall_impression",
    "client_quality",
    "what_worked",
    "needs_improvement",
    "feature_requests",
)
# Records that name the person and say so in a sentence meant for people: usage limits met,
# and the support text shown (its safety flags; "safety." for a flag recorded as an error event
# before SafetyFlag, whose session was purged). Server errors (tracebacks) are not theirs to read.
PERSON_EVENT_KINDS = ("limit.", "safety.", "socket.")


def _fields(instance: models.Model | None, names: tuple[str, ...]) -> dict[str, Any] | None:
    if instance is None:
        return None
    row = _row(instance)
    return {name: row[name] for name in names}


def _one_to_one(model: type[models.Model], session: PracticeSession) -> models.Model | None:
    return model._base_manager.filter(session=session).first()


def _released_feedback(session: PracticeSession) -> dict[str, Any] | None:
    from reviews.models import SessionReview

    review = SessionReview.objects.filter(session=session, released_at__isnull=False).first()
    if review is None:
        return None
    return {
        "released_at": review.released_at.isoformat(),
        "note": review.overall_note,
        "comments": _comment_rows(review.comments.select_related("message")),
    }


def _comment_rows(comments) -> list[dict[str, Any]]:
    """A review's comments, each by the number of the message it is on."""
    return [
        {"message_sequence_number": comment.message.sequence_number, "text": comment.text}
        for comment in comments
    ]


def _person_session(session: PracticeSession) -> dict[str, Any]:
    from sessions_app.models import SessionFeedback, SessionReflection

    record = _fields(session, PERSON_SESSION_FIELDS)
    card = session.client_snapshot
    record["client_card_shown"] = {name: card.get(name) for name in PERSON_CARD_FIELDS}
    record["messages"] = [
        _fields(message, PERSON_MESSAGE_FIELDS)
        for message in Message.objects.filter(session=session).order_by("sequence_number")
    ]
    record["reflection"] = _fields(
        _one_to_one(SessionReflection, session), PERSON_REFLECTION_FIELDS
    )
    record["feedback_on_rapport"] = _fields(
        _one_to_one(SessionFeedback, session), PERSON_FEEDBACK_FIELDS
    )
    record["teacher_feedback_released"] = _released_feedback(session)
    return record


def _reviews_written(user: User) -> list[dict[str, Any]]:
    from reviews.models import SessionReview

    reviews = SessionReview.objects.filter(reviewer=user).prefetch_related("comments__message")
    return [
        {
            "session_id": str(review.session_id),
            "note": review.overall_note,
            "released_at": review.released_at.isoformat() if review.released_at else None,
            "comments": _comment_rows(review.comments.all()),
        }
        for review in reviews
    ]


def _notices(user: User) -> list[dict[str, str]]:
    """The events that name the person and the safety flags of their sessions, in time order."""
    from monitoring.models import ErrorEvent

    kinds = Q()
    for prefix in PERSON_EVENT_KINDS:
        kinds |= Q(kind__startswith=prefix)
    events = [
        (event.created_at, event.kind, event.message)
        for event in ErrorEvent.objects.filter(kinds, user=user)
    ]
    flags = [
        (flag.created_at, flag.event_kind, flag.get_kind_display())
        for flag in SafetyFlag.objects.filter(session__student=user)
    ]
    return [
        {"created_at": created_at.isoformat(), "kind": kind, "text": text}
        for created_at, kind, text in sorted(events + flags, key=lambda notice: notice[0])
    ]


def user_export(*, user: User) -> dict[str, Any]:
    """One person's own data, for an access request: see PERSON_* above and docs/privacy.md."""
    from monitoring.models import TeacherFeedback

    return {
        "format": "rapport-person-export/v1",
        "exported_at": timezone.now().isoformat(),
        "user": _fields(user, PERSON_USER_FIELDS),
        "sessions": [
            _person_session(session)
            for session in PracticeSession.objects.filter(student=user).order_by("started_at")
        ],
        "reviews_written": _reviews_written(user),
        "pilot_feedback": [
            _fields(feedback, PERSON_TEACHER_FEEDBACK_FIELDS)
            for feedback in TeacherFeedback.objects.filter(teacher=user)
        ],
        "notices": _notices(user),
    }


REMOVED_USER = "(removed user)"


def _admin_log_forget(username: str, replacement: str) -> int:
    """Rewrite the admin log's object names that hold `username` (the user's own rows, and
    their sessions' "Client with username (date)"). Returns rows changed."""
    from django.contrib.admin.models import LogEntry

    word = re.compile(rf"(?<![\w.@+-]){re.escape(username)}(?![\w.@+-])")
    entries = list(LogEntry.objects.filter(object_repr__contains=username))
    changed = [entry for entry in entries if word.search(entry.object_repr)]
    for entry in changed:
        entry.object_repr = word.sub(replacement, entry.object_repr)[:200]
    LogEntry.objects.bulk_update(changed, ["object_repr"])
    return len(changed)


def _login_sessions_delete(user: User) -> int:
    """Delete the person's login sessions (database-backed sessions: Rapport's setting), which
    otherwise keep their user id until they expire."""
    from django.contrib.sessions.models import Session

    theirs = [
        session.pk
        for session in Session.objects.iterator(chunk_size=500)
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(pk__in=theirs).delete()
    return len(theirs)


def _forget(user: User, username: str, replacement: str) -> None:
    _admin_log_forget(username, replacement)
    _login_sessions_delete(user)


def user_pseudonymise(*, user: User) -> User:
    """Keep the sessions, for the pilot's numbers, under a name that identifies no one."""
    with transaction.atomic():
        old_username = user.username
        user.username = pseudonym(user.pk)
        user.first_name = user.last_name = user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(
            update_fields=["username", "first_name", "last_name", "email", "is_active", "password"]
        )
        from monitoring.models import ErrorEvent

        ErrorEvent.objects.filter(user=user).update(user=None)
        _forget(user, old_username, user.username)
    return user


def user_remove(*, user: User) -> int:
    """Delete the person and their sessions. Refused for an author of clients or reviews:
    other people's work depends on those, so pseudonymise instead."""
    if user.client_profiles.exists() or user.reviews_written.exists():
        raise DataCareError(
            f"{user.username} wrote clients or reviews that others' sessions depend on; "
            "pseudonymise this user instead."
        )
    with transaction.atomic():
        _forget(user, user.username, REMOVED_USER)
        deleted = sessions_delete(sessions=PracticeSession.objects.filter(student=user))
        count, _ = User.objects.filter(pk=user.pk).delete()
    return deleted + count
