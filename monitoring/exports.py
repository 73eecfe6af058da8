"""Staff exports: sessions, messages, errors, daily metrics and cost analysis as CSV, JSON or
XLSX. Rows are streamed from the database in chunks; text a spreadsheet would run as a formula
is neutralised (sessions_app/spreadsheet.py); student names can be replaced by stable pseudonyms.

Tables hold typed values (Decimal money, dates, datetimes); each writer turns them into what its
format means: CSV and JSON get money as plain decimal strings ("0", "0.0001234567") and ISO dates;
XLSX gets numbers with a number format and real dates, so a spreadsheet can SUM and sort them."""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, Sum

from config.days import day_bounds
from conversations.models import Message
from monitoring import selectors
from monitoring.models import ErrorEvent
from sessions_app.money import money, money_text
from sessions_app.spreadsheet import csv_cell, neutralise

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 2000
XLSX_MAX_ROWS = 1_048_575  # the sheet's limit, less the header


def pseudonym(user_id: int) -> str:
    """The same student gets the same name in every export; the name reveals nothing."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"student:{user_id}".encode(), hashlib.sha256
    ).hexdigest()
    return f"student-{digest[:10]}"


@dataclass
class Table:
    name: str
    headers: list[str]
    rows: Iterable[list[Any]]


@dataclass
class Options:
    query: Mapping[str, str]  # the session filters (monitoring.selectors.SessionFilter)
    pseudonymise: bool = False
    since: datetime.date | None = None
    until: datetime.date | None = None
    practice_only: bool = False

    def student(self, user) -> str:
        return pseudonym(user.pk) if self.pseudonymise else user.username


def sessions_table(options: Options) -> Table:
    headers = [
        "session_id", "started_at", "ended_at", "status", "kind", "demo_mode", "student",
        "client", "model", "prompt_version", "input_tokens", "cache_write_tokens",
        "cache_read_tokens", "output_tokens", "total_tokens", "cost_usd",
    ]  # fmt: skip

    def rows() -> Iterator[list[Any]]:
        for s in selectors.sessions_filtered(options.query).iterator(chunk_size=CHUNK):
            yield [
                str(s.pk), s.started_at, s.ended_at, s.status, s.kind, s.demo_mode,
                options.student(s.student), s.client_profile.name, s.model, s.prompt_version,
                s.input_tokens, s.cache_write_tokens, s.cache_read_tokens, s.output_tokens,
                s.total_tokens, s.estimated_cost,
            ]  # fmt: skip

    return Table("sessions", headers, rows())


def messages_table(options: Options) -> Table:
    headers = [
        "session_id", "sequence_number", "timestamp", "role", "status", "student", "content",
        "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens",
        "token_count", "cost_usd", "first_token_ms", "total_ms",
    ]  # fmt: skip
    sessions = selectors.sessions_filtered(options.query).values("pk")
    messages = (
        Message.objects.filter(session__in=sessions)
        .select_related("session__student")
        .order_by("session__started_at", "session_id", "sequence_number")
    )

    def rows() -> Iterator[list[Any]]:
        for m in messages.iterator(chunk_size=CHUNK):
            yield [
                str(m.session_id), m.sequence_number, m.timestamp, m.role, m.status,
                options.student(m.session.student), m.content, m.input_tokens,
                m.cache_write_tokens, m.cache_read_tokens, m.output_tokens, m.token_count,
                m.cost, m.first_token_ms, m.total_ms,
            ]  # fmt: skip

    return Table("messages", headers, rows())


def errors_table(options: Options) -> Table:
    headers = [
        "created_at",
        "kind",
        "severity",
        "message",
        "status_code",
        "session_id",
        "user",
    ]
    events = ErrorEvent.objects.select_related("user").order_by("-created_at")
    if options.since:
        events = events.filter(created_at__gte=day_bounds(options.since)[0])
    if options.until:
        events = events.filter(created_at__lt=day_bounds(options.until)[1])

    def rows() -> Iterator[list[Any]]:
        for e in events.iterator(chunk_size=CHUNK):
            user = "" if e.user is None else options.student(e.user)
            session = "" if e.session_id is None else str(e.session_id)
            yield [e.created_at, e.kind, e.severity, e.message, e.status_code, session, user]

    return Table("errors", headers, rows())


def daily_table(options: Options) -> Table:
    from django.utils import timezone

    until = options.until or timezone.localdate()
    since = options.since or until - datetime.timedelta(days=13)
    days = selectors.daily_metrics(since=since, until=until, practice_only=options.practice_only)
    headers = list(days[0].as_record()) if days else ["date"]
    return Table("daily", headers, ([*day.as_record().values()] for day in days))


TOKEN_FIELDS = ["input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens"]


def cost_sessions_table(options: Options) -> Table:
    """Per session: tokens by kind and cost, then one line of totals."""
    headers = ["session_id", "started_at", "client", "student", *TOKEN_FIELDS, "cost_usd"]
    sessions = selectors.sessions_filtered(options.query)

    def rows() -> Iterator[list[Any]]:
        for s in sessions.iterator(chunk_size=CHUNK):
            yield [
                str(s.pk), s.started_at, s.client_profile.name, options.student(s.student),
                *[getattr(s, f) for f in TOKEN_FIELDS], s.estimated_cost,
            ]  # fmt: skip
        totals = sessions.aggregate(**{f: Sum(f) for f in TOKEN_FIELDS}, cost=Sum("estimated_cost"))
        yield [
            "TOTAL", "", "", "", *[totals[f] or 0 for f in TOKEN_FIELDS], money(totals["cost"]),
        ]  # fmt: skip

    return Table("cost_per_session", headers, rows())


def cost_clients_table(options: Options) -> Table:
    """Per client: sessions, tokens by kind, cost and cost per session, then totals."""
    headers = ["client_id", "client", "sessions", *TOKEN_FIELDS, "cost_usd", "cost_per_session"]
    sessions = selectors.sessions_filtered(options.query).order_by()
    grouped = (
        sessions.values("client_profile_id", "client_profile__name")
        .annotate(n=Count("id"), **{f: Sum(f) for f in TOKEN_FIELDS}, cost=Sum("estimated_cost"))
        .order_by("client_profile__name")
    )

    def rows() -> Iterator[list[Any]]:
        total = {"n": 0, "cost": Decimal(0)} | dict.fromkeys(TOKEN_FIELDS, 0)
        for row in grouped:
            cost = money(row["cost"])
            yield [
                str(row["client_profile_id"]), row["client_profile__name"], row["n"],
                *[row[f] or 0 for f in TOKEN_FIELDS], cost, money(cost / row["n"]),
            ]  # fmt: skip
            total["n"] += row["n"]
            total["cost"] += cost
            for f in TOKEN_FIELDS:
                total[f] += row[f] or 0
        per_session = money(total["cost"] / total["n"]) if total["n"] else Decimal(0)
        yield [
            "TOTAL", "", total["n"], *[total[f] for f in TOKEN_FIELDS], total["cost"], per_session,
        ]  # fmt: skip

    return Table("cost_per_client", headers, rows())


DATASETS: dict[str, Callable[[Options], Table]] = {
    "sessions": sessions_table,
    "messages": messages_table,
    "errors": errors_table,
    "daily": daily_table,
    "cost-sessions": cost_sessions_table,
    "cost-clients": cost_clients_table,
}


# --- Writers ----------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(table: Table) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so spreadsheet programs read UTF-8
    yield writer.writerow(table.headers)
    for row in table.rows:
        yield writer.writerow([csv_cell(_json_value(value)) for value in row])


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return money_text(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def json_chunks(table: Table) -> Iterator[str]:
    yield '{"export": %s, "rows": [' % json.dumps(table.name)  # noqa: UP031
    first = True
    for row in table.rows:
        record = {h: _json_value(v) for h, v in zip(table.headers, row, strict=True)}
        yield ("" if first else ",") + "\n" + json.dumps(record, ensure_ascii=False)
        first = False
    yield "\n]}\n"


# Money shows as the app shows it (sessions_app/money.py): six decimals under a cent, four under
# a dollar, two from a dollar up; the cell keeps the whole number either way.
XLSX_MONEY_FORMAT = '[<0.01]"$"0.000000;[<1]"$"0.0000;"$"#,##0.00'
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
XLSX_DATE_FORMAT = "yyyy-mm-dd"


def xlsx_bytes(table: Table) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.name[:31])
    sheet.append(table.headers)
    for number, row in enumerate(table.rows, 1):
        if number > XLSX_MAX_ROWS:
            sheet.append(["Truncated: the sheet is full. Use CSV or JSON for the rest."])
            break
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """Money as a number and dates as dates, each with a number format; text neutralised."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime.datetime):
        naive = value if value.tzinfo is None else _naive_local(value)
        return _formatted(WriteOnlyCell(sheet, naive), XLSX_DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return _formatted(WriteOnlyCell(sheet, value), XLSX_DATE_FORMAT)
    if isinstance(value, Decimal):
        # A spreadsheet's number is a double: 15 significant digits are plenty for a cost.
        return _formatted(WriteOnlyCell(sheet, float(value)), XLSX_MONEY_FORMAT)
    if value is None:
        return ""
    return neutralise(value)


def _formatted(cell: WriteOnlyCell, number_format: str) -> WriteOnlyCell:
    cell.number_format = number_format
    return cell


def _naive_local(value: datetime.datetime) -> datetime.datetime:
    from django.utils import timezone

    return timezone.localtime(value).replace(tzinfo=None)


def teacher_feedback_table(options: Options) -> Table:
    from monitoring.models import TeacherFeedback

    headers = [
        "created_at", "teacher", "overall_impression", "client_quality", "what_worked",
        "needs_improvement", "feature_requests",
    ]  # fmt: skip
    feedback = TeacherFeedback.objects.select_related("teacher").order_by("created_at")

    def rows() -> Iterator[list[Any]]:
        for f in feedback.iterator(chunk_size=CHUNK):
            yield [
                f.created_at, f.teacher.username, f.overall_impression, f.client_quality,
                f.what_worked, f.needs_improvement, f.feature_requests,
            ]  # fmt: skip

    return Table("teacher_feedback", headers, rows())


def student_feedback_table(options: Options) -> Table:
    from sessions_app.models import SessionFeedback

    headers = [
        "created_at", "session_id", "student", "client", "ease_of_use", "learning_value",
        "helped", "confusing", "suggestions",
    ]  # fmt: skip
    feedback = SessionFeedback.objects.select_related(
        "session__student", "session__client_profile"
    ).order_by("created_at")

    def rows() -> Iterator[list[Any]]:
        for f in feedback.iterator(chunk_size=CHUNK):
            yield [
                f.created_at, str(f.session_id), options.student(f.session.student),
                f.session.client_profile.name, f.ease_of_use, f.learning_value, f.helped,
                f.confusing, f.suggestions,
            ]  # fmt: skip

    return Table("student_feedback", headers, rows())


DATASETS["teacher-feedback"] = teacher_feedback_table
DATASETS["student-feedback"] = student_feedback_table
