import datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from monitoring.models import ErrorEvent, TeacherFeedback


def error_record(
    *,
    kind: str,
    severity: str,
    message: str,
    session_id=None,
    user_id: int | None = None,
    status_code: int | None = None,
    details: dict[str, Any] | None = None,
) -> ErrorEvent:
    return ErrorEvent.objects.create(
        kind=kind,
        severity=severity,
        message=message,
        session_id=session_id,
        user_id=user_id,
        status_code=status_code,
        details=details or {},
    )


# Repeated refusals (a flood of frames, a student hammering a limit) are one event per kind and
# user per window, with a count, not one row per frame.
REPEAT_WINDOW_SECONDS = 60


def _repeat_key(kind: str, user_id: int) -> str:
    return f"error-repeat:{kind}:{user_id}"


def error_repeat_note(*, kind: str, user_id: int) -> tuple[int, int | None] | None:
    """Count one more `kind` for the user in this window (the cache only, no database).

    Returns (count, event id) when the window's event should be written now: created at the
    first (id None), then brought up to date at most once a second. None otherwise."""
    key = _repeat_key(kind, user_id)
    if cache.add(f"{key}:n", 1, REPEAT_WINDOW_SECONDS):
        return 1, None
    try:
        count = cache.incr(f"{key}:n")
    except ValueError:  # the window closed between add and incr
        return None
    event_id = cache.get(f"{key}:id")
    if event_id is None or not cache.add(f"{key}:written", 1, 1):
        return None
    return count, event_id


def error_repeat_store(
    *,
    kind: str,
    severity: str,
    message: str,
    user_id: int,
    session_id=None,
    count: int,
    event_id: int | None,
) -> None:
    """Write what error_repeat_note asked for: the window's event, or its new count."""
    details = {"count": count, "window_seconds": REPEAT_WINDOW_SECONDS}
    if event_id is not None:
        ErrorEvent.objects.filter(pk=event_id).update(details=details)
        return
    event = error_record(
        kind=kind,
        severity=severity,
        message=message,
        session_id=session_id,
        user_id=user_id,
        details=details,
    )
    cache.set(f"{_repeat_key(kind, user_id)}:id", event.pk, REPEAT_WINDOW_SECONDS)


def error_record_repeated(
    *, kind: str, severity: str, message: str, user_id: int, session_id=None
) -> None:
    """A refusal that may repeat many times a second: one counted event per window."""
    noted = error_repeat_note(kind=kind, user_id=user_id)
    if noted is not None:
        count, event_id = noted
        error_repeat_store(
            kind=kind,
            severity=severity,
            message=message,
            user_id=user_id,
            session_id=session_id,
            count=count,
            event_id=event_id,
        )


def errors_prune(*, older_than_days: int, now: datetime.datetime | None = None) -> int:
    """Delete ErrorEvents recorded more than `older_than_days` ago; returns how many."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=older_than_days)
    deleted, _ = ErrorEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def feedback_submit(
    *,
    teacher,
    overall_impression: int,
    client_quality: int,
    what_worked: str = "",
    needs_improvement: str = "",
    feature_requests: str = "",
) -> TeacherFeedback:
    return TeacherFeedback.objects.create(
        teacher=teacher,
        overall_impression=overall_impression,
        client_quality=client_quality,
        what_worked=what_worked.strip(),
        needs_improvement=needs_improvement.strip(),
        feature_requests=feature_requests.strip(),
    )
