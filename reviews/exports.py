"""A session's transcript as files: JSON (complete, round-trips), CSV, Markdown and plain text.

CSV cells go through the shared formula neutraliser (sessions_app/spreadsheet.py), so a student's
message such as "=HYPERLINK(...)" shows as text in Excel or LibreOffice instead of running.
"""

import csv
import io
import json
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify

from conversations.models import Message
from reviews.models import RATING_LABELS, SessionReview
from reviews.selectors import reflection_items, reflection_of, review_of
from sessions_app.models import PracticeSession
from sessions_app.money import money_text, usd
from sessions_app.spreadsheet import csv_cell

TRANSCRIPT_FORMAT = "rapport-transcript/v1"
# Tokens and cost, of the session and of each message: what only teachers and staff read (with the
# model and timings); a student's own download leaves these out (student_transcript_data).
USAGE_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_write_tokens",
    "cache_read_tokens",
    "cost_usd",
)
STAFF_MESSAGE_KEYS = ("token_count", *USAGE_KEYS, "first_token_ms", "total_ms")
CSV_COLUMNS = [
    "sequence_number",
    "role",
    "speaker",
    "timestamp",
    "status",
    "content",
    *STAFF_MESSAGE_KEYS,
    "comments",
]
OPENING_STATUS = "opening"  # the opening statement's row: sequence 0, before message 1
EXTENSIONS = {"json": "json", "csv": "csv", "markdown": "md", "text": "txt"}
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}


def export_filename(session: PracticeSession, fmt: str) -> str:
    client = slugify(session.client_name) or "client"
    return f"{client}-{session.started_at:%Y-%m-%d}-{str(session.pk)[:8]}.{EXTENSIONS[fmt]}"


def transcript_download(session: PracticeSession, fmt: str, data: dict[str, Any]) -> HttpResponse:
    """The transcript data rendered in one format, as a file to save (the teacher's or the
    student's own data: the caller chooses which)."""
    response = HttpResponse(RENDERERS[fmt](data), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export_filename(session, fmt)}"'
    return response


def _speaker(session: PracticeSession, role: str) -> str:
    if role == Message.Role.CLIENT:
        return session.client_name
    if role == Message.Role.SYSTEM:
        return "Support notice"
    return session.student.display_name


def transcript_data(session: PracticeSession) -> dict[str, Any]:
    """Everything a transcript file says, as JSON-ready values (money as decimal strings)."""
    messages = list(session.messages.order_by("sequence_number").prefetch_related("comments"))
    review = review_of(session)
    return {
        "format": TRANSCRIPT_FORMAT,
        "session": {
            "id": str(session.pk),
            "client": session.client_name,
            "student": session.student.display_name,
            "student_username": session.student.username,
            "kind": session.kind,
            "status": session.status,
            "started_at": session.started_at.isoformat(),
            "ended_at": session.ended_at.isoformat() if session.ended_at else None,
            "duration_seconds": int(session.duration.total_seconds()),
            "model": session.model,
            "prompt_version": session.prompt_version,
            "demo_mode": session.demo_mode,
            "total_tokens": session.total_tokens,
            "input_tokens": session.input_tokens,
            "output_tokens": session.output_tokens,
            "cache_write_tokens": session.cache_write_tokens,
            "cache_read_tokens": session.cache_read_tokens,
            "cost_usd": money_text(session.estimated_cost),
        },
        "opening": _opening_data(session),
        "messages": [
            {
                "sequence_number": message.sequence_number,
                "role": message.role,
                "speaker": _speaker(session, message.role),
                "timestamp": message.timestamp.isoformat(),
                "status": message.status,
                "content": message.content,
                "token_count": message.token_count,
                "input_tokens": message.input_tokens,
                "output_tokens": message.output_tokens,
                "cache_write_tokens": message.cache_write_tokens,
                "cache_read_tokens": message.cache_read_tokens,
                "cost_usd": money_text(message.cost),
                "first_token_ms": message.first_token_ms,
                "total_ms": message.total_ms,
                "comments": [comment.text for comment in message.comments.all()],
            }
            for message in messages
        ],
        "reflection": [
            {"question": question, "answer": answer}
            for question, answer in reflection_items(reflection_of(session))
        ],
        "review": _review_data(review),
    }


def _opening_data(session: PracticeSession) -> dict[str, str] | None:
    """The client's opening statement, shown before the first turn (not a stored message)."""
    text = session.client_snapshot.get("opening_statement", "")
    if not text:
        return None
    return {"speaker": _speaker(session, Message.Role.CLIENT), "content": text}


# What only teachers and staff read; a student's own download leaves these out.
STAFF_SESSION_KEYS = (
    "student_username",
    "model",
    "prompt_version",
    "demo_mode",
    "total_tokens",
    *USAGE_KEYS,
)


def student_transcript_data(session: PracticeSession) -> dict[str, Any]:
    """The student's own transcript: the conversation, their reflection, and their teacher's
    words only once released; no costs, tokens or model. Nothing of the client card beyond its
    name is in transcript_data at all (no hidden information, risk or teacher notes)."""
    data = transcript_data(session)
    review = data["review"]
    released = review is not None and review["released_at"] is not None
    data["audience"] = "student"
    data["review"] = review if released else None
    for key in STAFF_SESSION_KEYS:
        data["session"].pop(key, None)
    for message in data["messages"]:
        for key in STAFF_MESSAGE_KEYS:
            message.pop(key, None)
        if not released:
            message["comments"] = []
    return data


def _review_data(review: SessionReview | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "overall_note": review.overall_note,
        "released_at": review.released_at.isoformat() if review.released_at else None,
        "ratings": {name: getattr(review, name) for name in RATING_LABELS},
        "example": review.example,
    }


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _csv_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per line of the transcript, then the reflection, the feedback and each rating.

    The opening statement is row 0 (status "opening"); rows after the messages name what they
    are in the role column ("reflection", "feedback", "rating"), so a spreadsheet can filter."""
    rows: list[dict[str, Any]] = []
    opening = data.get("opening")
    if opening:
        rows.append(
            {
                "sequence_number": 0,
                "role": Message.Role.CLIENT,
                "speaker": opening["speaker"],
                "timestamp": data["session"]["started_at"],
                "status": OPENING_STATUS,
                "content": opening["content"],
            }
        )
    for message in data["messages"]:
        rows.append(message | {"comments": "\n".join(message["comments"])})
    for item in data["reflection"]:
        rows.append({"role": "reflection", "speaker": item["question"], "content": item["answer"]})
    review = data["review"]
    if review:
        released = review["released_at"] or ""
        rows.append({"role": "feedback", "timestamp": released, "content": review["overall_note"]})
        for name, label in RATING_LABELS.items():
            value = review["ratings"].get(name)
            rows.append({"role": "rating", "speaker": label, "content": _rating_text(value)})
    return rows


def to_csv(data: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in _csv_rows(data):
        writer.writerow([csv_cell(row.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()


def _rating_text(value: int | None) -> str:
    return "not rated" if value is None else f"{value} of 10"


def _header_lines(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The session's facts; a student's own file leaves out the kind, tokens, cost and model."""
    session = data["session"]
    staff = data.get("audience") != "student"
    kind = "Teacher test" if session["kind"] == "teacher_test" else "Practice"
    return [
        ("Client", session["client"]),
        ("Student", session["student"]),
        *([("Kind", kind)] if staff else []),
        ("Status", session["status"]),
        ("Started", session["started_at"]),
        ("Ended", session["ended_at"] or "-"),
        *(
            [
                ("Tokens", str(session["total_tokens"])),
                ("Cost", usd(session["cost_usd"])),
                ("Model", session["model"]),
            ]
            if staff
            else []
        ),
    ]


def _review_lines(review: dict[str, Any]) -> tuple[str, list[str]]:
    """The review's release state and its five ratings, as plain lines."""
    released = review["released_at"]
    state = f"Released to the student {released}" if released else "Not released to the student"
    ratings = [
        f"{label}: {_rating_text(review['ratings'].get(name))}"
        for name, label in RATING_LABELS.items()
    ]
    return state, ratings


RATINGS_HEADING = "Ratings of the simulated client (not of the student)"


def to_markdown(data: dict[str, Any]) -> str:
    session = data["session"]
    lines = [f"# Session with {_md(session['client'])}", ""]
    lines += [f"- **{label}:** {_md(value)}" for label, value in _header_lines(data)]
    lines.append("")
    opening = data.get("opening")
    if opening:
        lines += [f"### {_md(opening['speaker'])} (opening)", ""]
        lines += _md_quote(opening["content"])
        lines.append("")
    for message in data["messages"]:
        meta = f"{message['timestamp']}"
        if message["role"] == Message.Role.CLIENT and "cost_usd" in message:
            meta += f" · {message['token_count']} tokens · {usd(message['cost_usd'])}"
        if message["status"] != Message.Status.COMPLETE:
            meta += f" · {message['status']}"
        lines.append(f"### {message['sequence_number']}. {_md(message['speaker'])}")
        lines.append(f"*{_md(meta)}*")
        lines.append("")
        lines += _md_quote(message["content"])
        for comment in message["comments"]:
            lines += ["", f"**Teacher's comment:** {_md(comment)}"]
        lines.append("")
    if data["reflection"]:
        lines += ["## The student's reflection", ""]
        for item in data["reflection"]:
            lines += [f"**{_md(item['question'])}**", "", _md(item["answer"]), ""]
    review = data["review"]
    if review:
        state, ratings = _review_lines(review)
        lines += ["## Feedback", "", f"*{_md(state)}*", ""]
        if review["overall_note"]:
            lines += [_md(review["overall_note"]), ""]
        lines += [f"## {RATINGS_HEADING}", ""]
        lines += [f"- {_md(rating)}" for rating in ratings]
        lines.append("")
    return "\n".join(lines)


def _md_quote(text: str) -> list[str]:
    return [f"> {_md(line)}" if line else ">" for line in text.splitlines()]


def _md(text: str) -> str:
    """Plain text that Markdown shows as written: inline markup and raw HTML escaped."""
    escaped = "".join("\\" + char if char in MD_SPECIAL else char for char in str(text))
    return "\\" + escaped if escaped.startswith(MD_LINE_START) else escaped


MD_SPECIAL = set("\\`*_[]<>|")
MD_LINE_START = ("#", "-", "+", ">", "=")


def to_text(data: dict[str, Any]) -> str:
    session = data["session"]
    lines = [f"Session with {session['client']}", "=" * 40]
    lines += [f"{label}: {value}" for label, value in _header_lines(data)]
    lines.append("")
    opening = data.get("opening")
    if opening:
        lines.append(f"[opening] {opening['speaker']}:")
        lines += [f"    {line}" for line in opening["content"].splitlines()]
        lines.append("")
    for message in data["messages"]:
        status = "" if message["status"] == Message.Status.COMPLETE else f" [{message['status']}]"
        lines.append(f"[{message['sequence_number']}] {message['speaker']}{status}:")
        lines += [f"    {line}" for line in message["content"].splitlines()]
        for comment in message["comments"]:
            lines.append(f"    (Teacher's comment: {comment})")
        lines.append("")
    if data["reflection"]:
        lines += ["The student's reflection", "-" * 24]
        for item in data["reflection"]:
            lines += [f"{item['question']}:", f"    {item['answer']}", ""]
    review = data["review"]
    if review:
        state, ratings = _review_lines(review)
        lines += ["Feedback", "-" * 8, state]
        if review["overall_note"]:
            lines.append(review["overall_note"])
        lines += ["", RATINGS_HEADING, "-" * len(RATINGS_HEADING), *ratings, ""]
    return "\n".join(lines)


RENDERERS = {"json": to_json, "csv": to_csv, "markdown": to_markdown, "text": to_text}
