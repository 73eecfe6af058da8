"""Transcript exports: JSON round-trips, CSV cannot inject formulas, names carry client and date."""

import csv
import io
import json
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from monitoring import exports as monitoring_exports
from reviews import exports as review_exports
from reviews.exports import (
    CSV_COLUMNS,
    to_json,
    transcript_data,
)
from reviews.services import comment_add, review_release, review_save
from sessions_app import spreadsheet
from sessions_app.models import SessionReflection
from sessions_app.spreadsheet import neutralise

OPENING = "Hi. I'm not really sure where to start."  # the test client's opening statement


def export(client, session, fmt):
    return client.get(f"/teach/sessions/{session.id}/export/{fmt}/")


def transcript_load(text: str) -> dict[str, Any]:
    """Read a JSON transcript back as its reader would: money as Decimal, times as datetimes."""
    data = json.loads(text)
    if data.get("format") != review_exports.TRANSCRIPT_FORMAT:
        raise ValueError(f"Not a {review_exports.TRANSCRIPT_FORMAT} file.")
    session = data["session"]
    session["cost_usd"] = Decimal(session["cost_usd"])
    session["started_at"] = datetime.fromisoformat(session["started_at"])
    if session["ended_at"]:
        session["ended_at"] = datetime.fromisoformat(session["ended_at"])
    for message in data["messages"]:
        message["cost_usd"] = Decimal(message["cost_usd"])
        message["timestamp"] = datetime.fromisoformat(message["timestamp"])
    return data


def test_json_round_trips_every_message_with_tokens_cost_and_latency(client, teacher, held_session):
    client.force_login(teacher)
    response = export(client, held_session, "json")
    assert response["Content-Type"].startswith("application/json")
    loaded = transcript_load(response.content.decode())
    stored = list(held_session.messages.order_by("sequence_number"))
    assert [m["content"] for m in loaded["messages"]] == [m.content for m in stored]
    for row, message in zip(loaded["messages"], stored, strict=True):
        assert row["sequence_number"] == message.sequence_number
        assert row["role"] == message.role
        assert row["timestamp"] == message.timestamp
        assert row["cost_usd"] == message.cost
        assert row["token_count"] == message.token_count
        assert row["cache_read_tokens"] == message.cache_read_tokens
        assert row["first_token_ms"] == message.first_token_ms
        assert row["total_ms"] == message.total_ms
    assert loaded["session"]["cost_usd"] == held_session.estimated_cost == Decimal("0.0002469134")
    assert loaded["session"]["total_tokens"] == held_session.total_tokens
    # Loading and writing again gives the same file: nothing is lost or rounded on the way.
    again = json.loads(response.content)
    assert to_json(again) == response.content.decode()


def test_json_carries_the_review_and_comments(client, teacher, held_session):
    review_save(
        session=held_session,
        reviewer=teacher,
        fields={"overall_note": "Solid.", "conversation_flow": 7},
    )
    data = transcript_data(held_session)
    assert data["review"]["overall_note"] == "Solid."
    assert data["review"]["ratings"]["conversation_flow"] == 7


@pytest.mark.parametrize(
    "cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\n=1+1", '=HYPERLINK("http://x")']
)
def test_neutralise_prefixes_formula_starts(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["hello", "1+1", "", 42, None, "'quoted"])
def test_neutralise_leaves_everything_else(cell):
    assert neutralise(cell) == cell


def test_csv_neutralises_student_and_client_text(client, teacher, held_session):
    client.force_login(teacher)
    response = export(client, held_session, "csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == CSV_COLUMNS
    contents = [row["content"] for row in rows]
    assert contents[3] == '\'=HYPERLINK("http://x")'
    assert contents[4] == "'-that's odd\nsecond line"
    assert rows[2]["cost_usd"] == "0.0001234567"
    assert rows[2]["first_token_ms"] == "420"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_markdown_and_text(client, teacher, held_session):
    client.force_login(teacher)
    markdown = export(client, held_session, "markdown").content.decode()
    assert markdown.startswith("# Session with Test Client")
    assert "> I don't know. My roommate." in markdown
    assert "> \\-that's odd\n> second line" in markdown
    text = export(client, held_session, "text").content.decode()
    assert "    I don't know. My roommate." in text
    assert "Cost: $0.000247" in text


@pytest.mark.parametrize(
    ("fmt", "extension"), [("json", "json"), ("csv", "csv"), ("markdown", "md"), ("text", "txt")]
)
def test_file_names_carry_client_and_date(client, teacher, held_session, fmt, extension):
    client.force_login(teacher)
    disposition = export(client, held_session, fmt)["Content-Disposition"]
    day = f"{held_session.started_at:%Y-%m-%d}"
    short = str(held_session.id)[:8]
    assert disposition == f'attachment; filename="test-client-{day}-{short}.{extension}"'


def test_the_printable_page_has_a_print_stylesheet(client, teacher, held_session):
    client.force_login(teacher)
    page = client.get(f"/teach/sessions/{held_session.id}/print/").content.decode()
    assert "css/print.css" in page
    assert "I don&#x27;t know. My roommate." in page


def test_exports_are_rate_limited_per_user(client, teacher, held_session, monkeypatch):
    # One fixed window: 31 requests must not straddle the minute's end on a slow machine.
    monkeypatch.setattr("django_ratelimit.core.time", SimpleNamespace(time=lambda: 1_800_000_000))
    client.force_login(teacher)
    statuses = [export(client, held_session, "text").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_an_unknown_format_is_404(client, teacher, held_session):
    client.force_login(teacher)
    assert export(client, held_session, "xlsx").status_code == 404


def test_another_teacher_cannot_export(client, other_teacher, held_session):
    client.force_login(other_teacher)
    assert export(client, held_session, "json").status_code == 404


def test_exports_carry_the_students_reflection(client, teacher, held_session):
    SessionReflection.objects.create(session=held_session, went_well="Open questions.")
    client.force_login(teacher)
    data = json.loads(export(client, held_session, "json").content)
    assert data["reflection"] == [{"question": "What went well", "answer": "Open questions."}]
    assert (
        "**What went well**\n\nOpen questions."
        in export(client, held_session, "markdown").content.decode()
    )
    assert "    Open questions." in export(client, held_session, "text").content.decode()


def _review(held_session, teacher) -> None:
    SessionReflection.objects.create(
        session=held_session, went_well="I stayed curious.", do_differently="Slow down."
    )
    review_save(
        session=held_session,
        reviewer=teacher,
        fields={
            "overall_note": "Reflect before you ask.",
            "in_character_consistency": 8,
            "educational_appropriateness": 9,
            "response_relevance": 7,
            "conversation_flow": 6,
            "boundary_maintenance": None,
        },
    )
    first = held_session.messages.get(sequence_number=1)
    comment_add(session=held_session, reviewer=teacher, message=first, text="Open question: good.")
    review_release(session=held_session, reviewer=teacher)


@pytest.mark.parametrize("fmt", ["markdown", "text", "json", "csv"])
def test_every_transcript_export_starts_with_the_clients_opening_statement(
    client, teacher, held_session, fmt
):
    client.force_login(teacher)
    body = export(client, held_session, fmt).content.decode()
    assert "not really sure where to start" in body
    assert body.index("not really sure where to start") < body.index("what brings you here")


def test_the_json_and_csv_mark_the_opening_statement_as_coming_before_message_1(
    client, teacher, held_session
):
    client.force_login(teacher)
    data = json.loads(export(client, held_session, "json").content)
    assert data["opening"] == {"speaker": "Test Client", "content": OPENING}
    rows = list(csv.DictReader(io.StringIO(export(client, held_session, "csv").content.decode())))
    assert (rows[0]["sequence_number"], rows[0]["status"]) == ("0", "opening")
    assert (rows[0]["speaker"], rows[0]["content"]) == ("Test Client", OPENING)
    assert rows[1]["sequence_number"] == "1"


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_markdown_and_text_carry_the_reflection_the_feedback_and_the_five_ratings(
    client, teacher, held_session, fmt
):
    _review(held_session, teacher)
    client.force_login(teacher)
    body = export(client, held_session, fmt).content.decode()
    for text in (
        "I stayed curious.",
        "Reflect before you ask.",
        "Open question: good.",
        "Ratings of the simulated client (not of the student)",
        "In-character consistency: 8 of 10",
        "Educational appropriateness: 9 of 10",
        "Response relevance: 7 of 10",
        "Conversation flow: 6 of 10",
        "Boundary maintenance: not rated",
        "Released to the student",
    ):
        assert text in body, text


def test_the_csv_carries_the_comments_reflection_feedback_and_ratings(
    client, teacher, held_session
):
    _review(held_session, teacher)
    client.force_login(teacher)
    rows = list(csv.DictReader(io.StringIO(export(client, held_session, "csv").content.decode())))
    assert rows[1]["comments"] == "Open question: good."
    by_role = {}
    for row in rows:
        by_role.setdefault(row["role"], []).append((row["speaker"], row["content"]))
    assert ("What went well", "I stayed curious.") in by_role["reflection"]
    assert by_role["feedback"] == [("", "Reflect before you ask.")]
    assert by_role["rating"] == [
        ("In-character consistency", "8 of 10"),
        ("Educational appropriateness", "9 of 10"),
        ("Response relevance", "7 of 10"),
        ("Conversation flow", "6 of 10"),
        ("Boundary maintenance", "not rated"),
    ]


def test_the_printable_page_carries_the_reflection_and_the_five_ratings(
    client, teacher, held_session
):
    _review(held_session, teacher)
    client.force_login(teacher)
    page = client.get(f"/teach/sessions/{held_session.id}/print/").content.decode()
    for text in (
        "Hi. I&#x27;m not really sure where to start.",
        "The student's reflection",
        "I stayed curious.",
        "Slow down.",
        "Reflect before you ask.",
        "Ratings of the simulated client (not of the student)",
        "<dt>In-character consistency</dt><dd>8 of 10</dd>",
        "<dt>Conversation flow</dt><dd>6 of 10</dd>",
        "<dt>Boundary maintenance</dt><dd>not rated</dd>",
    ):
        assert text in page, text


def test_a_turn_that_cost_nothing_exports_as_0_not_0E_10(client, teacher, held_session):
    client.force_login(teacher)
    data = json.loads(export(client, held_session, "json").content)
    student_turn = data["messages"][0]
    assert student_turn["role"] == "student"
    assert student_turn["cost_usd"] == "0"
    rows = list(csv.DictReader(io.StringIO(export(client, held_session, "csv").content.decode())))
    assert rows[1]["cost_usd"] == "0"
    for fmt in ("json", "csv", "markdown", "text"):
        assert "E-10" not in export(client, held_session, fmt).content.decode()


def test_a_message_starting_with_a_newline_cannot_run_as_a_formula_in_the_transcript_csv(
    client, teacher, held_session
):
    held_session.messages.filter(sequence_number=1).update(content="\n=cmd|' /C calc'!A0")
    client.force_login(teacher)
    rows = list(csv.DictReader(io.StringIO(export(client, held_session, "csv").content.decode())))
    assert rows[1]["content"] == "'\n=cmd|' /C calc'!A0"


def test_every_export_uses_the_one_formula_neutraliser():
    assert review_exports.csv_cell is spreadsheet.csv_cell
    assert monitoring_exports.csv_cell is spreadsheet.csv_cell
    assert monitoring_exports.neutralise is spreadsheet.neutralise


@pytest.mark.parametrize("cell", [None, "=1+1", "hello", 42])
def test_a_csv_cell_is_empty_for_nothing_and_neutralised_for_a_formula(cell):
    assert spreadsheet.csv_cell(cell) == ("" if cell is None else spreadsheet.neutralise(cell))
