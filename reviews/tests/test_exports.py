"""Transcript exports: JSON round-trips, CSV cannot inject formulas, names carry client and date."""

import csv
import io
import json
from decimal import Decimal

import pytest

from reviews.exports import (
    CSV_COLUMNS,
    neutralise,
    to_json,
    transcript_data,
    transcript_load,
)
from reviews.services import review_save
from sessions_app.models import SessionReflection


def export(client, session, fmt):
    return client.get(f"/teach/sessions/{session.id}/export/{fmt}/")


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
    "cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")']
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
    assert contents[2] == '\'=HYPERLINK("http://x")'
    assert contents[3] == "'-that's odd\nsecond line"
    assert rows[1]["cost_usd"] == "0.0001234567"
    assert rows[1]["first_token_ms"] == "420"
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
    assert "Cost (USD): 0.0002469134" in text


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


def test_exports_are_rate_limited_per_user(client, teacher, held_session):
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
