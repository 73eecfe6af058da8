"""Data care: retention, and one person's data (export, pseudonymise, remove). docs/privacy.md.

Transcripts are protected from accidental cascades (PROTECT everywhere); these functions are
the deliberate way to delete them. They find what protects a session by walking the models'
relations, so a new model that points at a session is deleted with it, not left blocking.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from conversations.models import Message
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


def user_export(*, user: User) -> dict[str, Any]:
    """Everything Rapport holds about one person, as JSON-ready data."""
    from monitoring.models import ErrorEvent, TeacherFeedback

    sessions = []
    for session in PracticeSession.objects.filter(student=user).order_by("started_at"):
        record = _row(session, exclude=("student",))
        record["messages"] = [
            _row(m, exclude=("session", "lease_expires_at"))
            for m in Message.objects.filter(session=session).order_by("sequence_number")
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
        "format": "rapport-user-export/v1",
        "exported_at": timezone.now().isoformat(),
        "user": _row(user, exclude=("password",)),
        "sessions": sessions,
        "teacher_feedback": [
            _row(f, exclude=("teacher",)) for f in TeacherFeedback.objects.filter(teacher=user)
        ],
        "error_events": [_row(e, exclude=("user",)) for e in ErrorEvent.objects.filter(user=user)],
    }


def user_pseudonymise(*, user: User) -> User:
    """Keep the sessions, for the pilot's numbers, under a name that identifies no one."""
    with transaction.atomic():
        user.username = pseudonym(user.pk)
        user.first_name = user.last_name = user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(
            update_fields=["username", "first_name", "last_name", "email", "is_active", "password"]
        )
        from monitoring.models import ErrorEvent

        ErrorEvent.objects.filter(user=user).update(user=None)
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
        deleted = sessions_delete(sessions=PracticeSession.objects.filter(student=user))
        count, _ = User.objects.filter(pk=user.pk).delete()
    return deleted + count
