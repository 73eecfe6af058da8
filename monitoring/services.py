from typing import Any

from monitoring.models import ErrorEvent


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
