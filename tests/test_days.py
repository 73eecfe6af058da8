"""config/days.py: where a day starts, for every page that filters or counts by day."""

import datetime

from django.test import override_settings
from django.utils import timezone

from config.days import day_bounds, start_of_day


@override_settings(TIME_ZONE="Europe/Berlin")
def test_a_day_runs_from_midnight_to_midnight_in_the_sites_time_zone():
    start, end = day_bounds(datetime.date(2026, 3, 29))  # the clocks go forward that night
    assert start.isoformat() == "2026-03-29T00:00:00+01:00"
    assert end.isoformat() == "2026-03-30T00:00:00+02:00"


@override_settings(TIME_ZONE="Europe/Berlin")
def test_today_starts_at_local_midnight_even_late_in_the_evening_utc():
    late = datetime.datetime(2026, 12, 1, 23, 30, tzinfo=datetime.UTC)  # 00:30 on the 2nd
    assert timezone.localtime(start_of_day(late)).isoformat() == "2026-12-02T00:00:00+01:00"
