"""Calendar days in the site's time zone (TIME_ZONE): the one home for where a day starts.

Every page that filters by date or counts per day (monitoring's logs and metrics, the teacher's
history) asks here, so "today" and "the 3rd" mean the same instants everywhere.
"""

import datetime

from django.utils import timezone


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The start of `day` and of the next day in TIME_ZONE, as aware datetimes."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def start_of_day(moment: datetime.datetime | None = None) -> datetime.datetime:
    """Midnight of `moment`'s day (now by default) in TIME_ZONE."""
    return day_bounds(timezone.localdate(moment or timezone.now()))[0]
