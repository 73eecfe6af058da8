"""Filters for settings.LOGGING. Imported while settings load: nothing from Django apps here."""

import logging


class RefusalsOnOneLine(logging.Filter):
    """Django logs a 403 (PermissionDenied) or 400 with the exception's traceback attached. A
    refusal is the app working, not a fault: keep the one line ("Forbidden (Permission denied):
    /monitor/") and drop the traceback. 5xx records keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
