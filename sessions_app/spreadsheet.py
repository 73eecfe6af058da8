"""The one spreadsheet formula neutraliser, for every export that a spreadsheet may open.

OWASP "CSV injection": a cell that starts with = + - @ (or a tab, carriage return or newline,
after which a spreadsheet may still read a formula) gets a leading apostrophe, so text such as a
student's "=HYPERLINK(...)" shows as text in Excel or LibreOffice instead of running. Numbers stay
numbers. It lives in the lowest app whose records are exported (sessions and transcripts), so the
transcript files (reviews) and the staff exports (monitoring) share it, and `csv_cell` with it:
what every CSV writer puts in a cell."""

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet will show as text, never evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_cell(value: Any) -> Any:
    """A CSV cell: an empty cell for nothing, text neutralised, numbers as they are."""
    return "" if value is None else neutralise(value)
