import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from monitoring.models import ErrorEvent
from monitoring.services import error_record


def _event_aged(days: int) -> ErrorEvent:
    event = error_record(kind=f"age.{days}", severity="info", message="m")
    ErrorEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )
    return event


@pytest.mark.django_db
def test_it_deletes_events_older_than_the_setting(settings):
    settings.ERROR_RETENTION_DAYS = 30
    for days in (0, 29, 31, 400):
        _event_aged(days)
    out = StringIO()
    call_command("prune_errors", stdout=out)
    assert sorted(ErrorEvent.objects.values_list("kind", flat=True)) == ["age.0", "age.29"]
    assert "Deleted 2 error event(s) older than 30 day(s)." in out.getvalue()


@pytest.mark.django_db
def test_days_overrides_the_setting(settings):
    settings.ERROR_RETENTION_DAYS = 30
    _event_aged(10)
    call_command("prune_errors", "--days", "5", stdout=StringIO())
    assert not ErrorEvent.objects.exists()


@pytest.mark.django_db
def test_it_refuses_zero_days():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("prune_errors", "--days", "0")
