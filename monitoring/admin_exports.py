"""Admin actions that export the selected rows as CSV, JSON or XLSX, through the same writers
(and the same formula neutralising) as the staff pages. Attach with
`actions = export_actions()` on any ModelAdmin."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone

from monitoring import exports


def _table(queryset: QuerySet) -> exports.Table:
    model = queryset.model
    fields = [field for field in model._meta.concrete_fields if field.name != "password"]
    headers = [field.attname for field in fields]

    def rows():
        for instance in queryset.iterator(chunk_size=exports.CHUNK):
            yield [_cell(getattr(instance, name)) for name in headers]

    return exports.Table(model._meta.model_name, headers, rows())


def _cell(value: Any) -> Any:
    """Values the three writers all take: numbers, text, dates, Decimals; JSON as text."""
    if value is None or isinstance(value, int | float | str | Decimal | datetime.date):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _action(fmt: str) -> Callable:
    @admin.action(description=f"Export selected as {fmt.upper()}")
    def export(modeladmin, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        table = _table(queryset.order_by("pk"))
        if fmt == "xlsx":
            response = HttpResponse(exports.xlsx_bytes(table), content_type=exports.FORMATS[fmt])
        else:
            writer = exports.csv_chunks if fmt == "csv" else exports.json_chunks
            response = StreamingHttpResponse(writer(table), content_type=exports.FORMATS[fmt])
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="{table.name}-{stamp}.{fmt}"'
        return response

    export.__name__ = f"export_{fmt}"
    return export


def export_actions() -> list[Callable]:
    return [_action(fmt) for fmt in exports.FORMATS]
