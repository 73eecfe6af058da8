import csv
import datetime
import io
import json
from decimal import Decimal
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from conftest import add_message, make_client
from monitoring.exports import neutralise, pseudonym
from monitoring.services import error_record
from monitoring.tests.helpers import reply
from sessions_app.services import session_start

EXPORT = "/monitor/export/"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@SUM(A1)", "\t=x", "\r=x"])
def test_formula_starts_are_neutralised(value):
    assert neutralise(value) == "'" + value


def test_ordinary_values_pass_through():
    assert neutralise("Hello = world") == "Hello = world"
    assert neutralise(-2) == -2
    assert neutralise(Decimal("0.1")) == Decimal("0.1")


def test_sessions_as_csv_with_names_and_neutralised_text(staff_client, practice_session, teacher):
    evil = make_client(teacher, name='=HYPERLINK("http://x")')
    session_start(student=practice_session.student, client=evil)
    reply(practice_session, cost="0.0007")
    response = staff_client.get(f"{EXPORT}sessions.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="rapport-sessions-')
    rows = _csv(response)
    assert rows[0][:4] == ["session_id", "started_at", "ended_at", "status"]
    by_client = {row[7]: row for row in rows[1:]}
    assert '\'=HYPERLINK("http://x")' in by_client
    assert by_client["Test Client"][6] == "stu"
    assert Decimal(by_client["Test Client"][-1]) == Decimal("0.0007")


def test_pseudonymised_exports_never_show_the_username(staff_client, practice_session):
    add_message(session=practice_session, role="student", content="Hi")
    for dataset in ("sessions", "messages", "cost-sessions"):
        body = _body(staff_client.get(f"{EXPORT}{dataset}.csv", {"pseudonymise": "1"})).decode()
        assert "stu" not in body.replace("student", "")
        assert pseudonym(practice_session.student_id) in body


def test_pseudonyms_are_stable_and_distinct(student, other_student):
    assert pseudonym(student.pk) == pseudonym(student.pk)
    assert pseudonym(student.pk) != pseudonym(other_student.pk)


def test_messages_as_json_follow_the_session_filters(
    staff_client, practice_session, other_student, client_profile
):
    reply(practice_session, first_token_ms=321)
    other = session_start(student=other_student, client=client_profile)
    reply(other)
    response = staff_client.get(f"{EXPORT}messages.json", {"user": "stu"})
    data = json.loads(_body(response))
    assert data["export"] == "messages"
    assert [row["sequence_number"] for row in data["rows"]] == [1, 2]
    assert data["rows"][1]["first_token_ms"] == 321
    assert data["rows"][1]["cost_usd"] == "0.0001"
    assert {row["session_id"] for row in data["rows"]} == {str(practice_session.pk)}


def test_errors_as_xlsx_are_neutralised(staff_client, practice_session):
    error_record(
        kind="x", severity="warning", message="=cmd|' /C calc'!A0", session_id=practice_session.pk
    )
    response = staff_client.get(f"{EXPORT}errors.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("created_at", "kind", "severity")
    assert rows[1][3] == "'=cmd|' /C calc'!A0"
    assert rows[1][5] == str(practice_session.pk)


def test_daily_metrics_in_every_format(staff_client, practice_session):
    reply(practice_session)
    for fmt in ("csv", "json", "xlsx"):
        response = staff_client.get(
            f"{EXPORT}daily.{fmt}", {"since": "2026-01-01", "until": "2026-01-03"}
        )
        assert response.status_code == 200
    rows = _csv(
        staff_client.get(f"{EXPORT}daily.csv", {"since": "2026-01-01", "until": "2026-01-03"})
    )
    assert [row[0] for row in rows[1:]] == ["2026-01-01", "2026-01-02", "2026-01-03"]


def test_cost_analysis_per_session_and_per_client_with_totals(
    staff_client, practice_session, teacher, other_student
):
    second = make_client(teacher, name="Second")
    other = session_start(student=other_student, client=second)
    reply(practice_session, cost="0.0001")
    reply(practice_session, cost="0.0002")
    reply(other, cost="0.0004")
    per_session = _csv(staff_client.get(f"{EXPORT}cost-sessions.csv"))
    assert per_session[-1][0] == "TOTAL"
    assert Decimal(per_session[-1][-1]) == Decimal("0.0007")
    per_client = _csv(staff_client.get(f"{EXPORT}cost-clients.csv"))
    assert per_client[0] == [
        "client_id", "client", "sessions", "input_tokens", "cache_write_tokens",
        "cache_read_tokens", "output_tokens", "cost_usd", "cost_per_session",
    ]  # fmt: skip
    rows = {row[1]: row for row in per_client[1:-1]}
    assert Decimal(rows["Test Client"][7]) == Decimal("0.0003")
    assert Decimal(rows["Second"][7]) == Decimal("0.0004")
    assert per_client[-1][:3] == ["TOTAL", "", "2"]
    assert Decimal(per_client[-1][8]) == Decimal("0.00035")


def test_unknown_datasets_and_formats_are_404(staff_client, db):
    assert staff_client.get(f"{EXPORT}passwords.csv").status_code == 404
    assert staff_client.get(f"{EXPORT}sessions.pdf").status_code == 404


def test_exports_are_ratelimited_per_user(staff_client, db, monkeypatch):
    # One fixed window: the requests must not straddle the minute's end on a slow machine.
    monkeypatch.setattr("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000))
    codes = [staff_client.get(f"{EXPORT}errors.csv").status_code for _ in range(11)]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429


def test_the_pages_link_to_their_exports(staff_client, practice_session):
    body = staff_client.get("/monitor/sessions/", {"status": "active"}).content.decode()
    assert "/monitor/export/sessions.csv?status=active" in body
    assert "/monitor/export/cost-clients.xlsx?status=active&amp;pseudonymise=1" in body


def test_teachers_and_students_may_not_export(client, teacher, student):
    for user in (teacher, student):
        client.force_login(user)
        assert client.get(f"{EXPORT}sessions.csv").status_code == 403


def test_zero_money_exports_as_0_not_0E_10_in_sessions_messages_and_daily(
    staff_client, practice_session
):
    add_message(session=practice_session, role="student", content="Hi")  # costs nothing
    day = {"since": "2026-01-01", "until": "2026-01-02"}
    for dataset, query in (("sessions", {}), ("messages", {}), ("daily", day)):
        for fmt in ("csv", "json"):
            body = _body(staff_client.get(f"{EXPORT}{dataset}.{fmt}", query)).decode("utf-8-sig")
            assert "E-10" not in body, (dataset, fmt)
    sessions = json.loads(_body(staff_client.get(f"{EXPORT}sessions.json")))
    assert sessions["rows"][0]["cost_usd"] == "0"
    messages = _csv(staff_client.get(f"{EXPORT}messages.csv"))
    assert messages[1][messages[0].index("cost_usd")] == "0"
    daily = json.loads(_body(staff_client.get(f"{EXPORT}daily.json", day)))
    assert [row["cost_usd"] for row in daily["rows"]] == ["0", "0"]


def _sheet(response):
    return load_workbook(io.BytesIO(response.content)).active


def test_xlsx_money_is_a_number_and_dates_are_dates_so_sum_works(staff_client, practice_session):
    reply(practice_session, cost="0.0002957")
    sheet = _sheet(staff_client.get(f"{EXPORT}sessions.xlsx"))
    headers = [cell.value for cell in sheet[1]]
    cost = sheet.cell(row=2, column=headers.index("cost_usd") + 1)
    assert cost.data_type == "n"
    assert cost.value == pytest.approx(0.0002957)
    assert "0.000000" in cost.number_format
    started = sheet.cell(row=2, column=headers.index("started_at") + 1)
    assert started.is_date and isinstance(started.value, datetime.datetime)

    today = practice_session.started_at.date().isoformat()
    daily = _sheet(staff_client.get(f"{EXPORT}daily.xlsx", {"since": today, "until": today}))
    headers = [cell.value for cell in daily[1]]
    day = daily.cell(row=2, column=1)
    assert day.is_date and day.value.date().isoformat() == today
    day_cost = daily.cell(row=2, column=headers.index("cost_usd") + 1)
    assert day_cost.data_type == "n" and day_cost.value == pytest.approx(0.0002957)


def test_xlsx_cost_totals_are_numbers(staff_client, practice_session):
    reply(practice_session, cost="0.0001")
    sheet = _sheet(staff_client.get(f"{EXPORT}cost-clients.xlsx"))
    total = [cell for cell in sheet[sheet.max_row]]
    assert total[0].value == "TOTAL"
    assert total[-2].data_type == "n" and total[-2].value == pytest.approx(0.0001)
