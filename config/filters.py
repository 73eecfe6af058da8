"""Filters for the list pages' FilterSets (django-filter in selectors), bounded as config/bounds.py
says: the date filters of the staff session logs and the teacher's history, and query-string ids.
"""

import datetime
from typing import Literal

import django_filters
from django.db.models import QuerySet
from django_filters.constants import EMPTY_VALUES

from config.bounds import BoundedDateField, QueryIdField
from config.days import day_bounds


class DayFilter(django_filters.DateFilter):
    """A day (years 2000 to 2999) that keeps the rows whose `field_name` falls from the start of
    that day on (edge="start") or up to its end (edge="end"), days in TIME_ZONE."""

    field_class = BoundedDateField

    def __init__(self, *, edge: Literal["start", "end"], **kwargs) -> None:
        super().__init__(**kwargs)
        self.edge = edge

    def filter(self, qs: QuerySet, value: datetime.date | None) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        start, end = day_bounds(value)
        if self.edge == "start":
            return qs.filter(**{f"{self.field_name}__gte": start})
        return qs.filter(**{f"{self.field_name}__lt": end})


class IdFilter(django_filters.Filter):
    """An id column; a value that is not an id (or cannot fit) leaves the filter out."""

    field_class = QueryIdField
