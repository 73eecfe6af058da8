"""What a query string or a form may ask for: dates in a sane range, ids that fit a column.

One home for these bounds, used by every page that reads dates or ids from its query string
(monitoring's filters, the teacher's history): `?since=0001-01-01` asked the daily page for
two thousand years of rows, `?until=9999-12-31` overflowed into a 500, and a 29-digit
`?student=` did not fit the id column.
"""

import datetime

from django import forms
from django.core.validators import MaxLengthValidator

EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)
DATE_OUT_OF_BOUNDS = f"Choose a date between {EARLIEST_DATE:%Y} and {LATEST_DATE:%Y} (YYYY-MM-DD)."
# Pages that compute a row per day answer for at most this many days at once.
MAX_RANGE_DAYS = 366
RANGE_TOO_LONG = "Choose at most a year."
BACKWARDS_RANGE = "The start date comes after the end date."
# The largest id a BigAutoField holds (PostgreSQL bigint, SQLite integer).
MAX_ID = 2**63 - 1


def date_in_bounds(day: datetime.date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def query_id(value: str) -> int | None:
    """A positive id from a query string, or None when it is not one or cannot fit."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > len(str(MAX_ID)):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def range_too_long(since: datetime.date, until: datetime.date) -> bool:
    return (until - since).days + 1 > MAX_RANGE_DAYS


class BoundedDateField(forms.DateField):
    """A date field that refuses years outside EARLIEST_DATE..LATEST_DATE in a plain sentence."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)

    def validate(self, value: datetime.date | None) -> None:
        super().validate(value)
        if value is not None and not date_in_bounds(value):
            raise forms.ValidationError(DATE_OUT_OF_BOUNDS, code="out_of_bounds")


def refuse_backwards(since: datetime.date | None, until: datetime.date | None) -> None:
    """A range's form refuses a start after its end, in one plain sentence."""
    if since and until and since > until:
        raise forms.ValidationError(BACKWARDS_RANGE, code="backwards")


class QueryIdField(forms.CharField):
    """An id from a query string (query_id): a value that is not one cleans to None, so a
    filter built on it is left out rather than refused."""

    def to_python(self, value: str | None) -> int | None:
        return query_id(super().to_python(value))


# Free-text answers (reflections, feedback, comments) and a teacher's note. A model field spreads
# LONG_ANSWER or REVIEW_NOTE: the form's textarea gets maxlength and the form refuses more, and
# the model's own validation refuses it too (docs/privacy.md lists the limits).
LONG_ANSWER_MAX_CHARS = 5_000
REVIEW_NOTE_MAX_CHARS = 10_000


def _text_limit(max_chars: int) -> dict:
    return {"max_length": max_chars, "validators": [MaxLengthValidator(max_chars)]}


LONG_ANSWER = _text_limit(LONG_ANSWER_MAX_CHARS)
REVIEW_NOTE = _text_limit(REVIEW_NOTE_MAX_CHARS)
