"""What the server log shows when someone is refused a page (issue 11, point 23)."""

import logging
import sys

from config.logging_filters import RefusalsOnOneLine


def test_a_403_writes_one_line_to_the_server_log_not_a_traceback(client, student, caplog):
    client.force_login(student)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/monitor/")
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Forbidden (Permission denied): /monitor/"
    assert "Traceback" not in caplog.text
    assert len(caplog.text.strip().splitlines()) == 1


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("broken")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), exc_info)
    record.status_code = 500
    assert RefusalsOnOneLine().filter(record)
    assert record.exc_info is exc_info
