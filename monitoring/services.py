import datetime
from typing import Any

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
