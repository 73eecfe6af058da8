"""Protocol events → HTML fragments for htmx's ws extension (each swapped out of band).

Every piece of text goes through the template engine's escaping, streamed tokens included.
Costs reach a page only through `show_costs`, which `viewer_sees_costs` decides: teachers and
staff, never students.
"""

from datetime import datetime

from asgiref.sync import sync_to_async
from django.template.loader import render_to_string

from conversations.models import Message
from sessions_app.models import PracticeSession

FRAGMENTS = "conversations/fragments.html"
PARTIAL_FOR_EVENT = {
    "message": "message_added",
    "reply.started": "reply_started",
    "reply.delta": "reply_delta",
    "reply.completed": "reply_completed",
    "reply.failed": "reply_failed",
    "error": "error",
    "session.ended": "session_ended",
}
COST_FIELDS = ("token_count", "cost", "first_token_ms", "total_ms")


def viewer_sees_costs(user) -> bool:
    """Tokens, cost and latency per reply are for teachers and staff, never for students."""
    return bool(user.is_teacher or user.is_staff)


def _when(value: str | datetime | None) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _message_row(message: dict) -> dict:
    return message | {"timestamp": _when(message.get("timestamp"))}


def _row(event: dict) -> dict | None:
    """The transcript row an event adds or replaces, if any."""
    if event["type"] == "message":
        return _message_row(event["message"])
    if event["type"] == "reply.started":
        return {"id": event["message_id"], "role": "client", "status": "streaming"}
    if event["type"] == "reply.completed":
        return {
            "id": event["message_id"],
            "role": "client",
            "content": event["content"],
            "timestamp": _when(event.get("timestamp")),
            "token_count": event.get("token_count"),
            "cost": event.get("cost_usd"),
            "first_token_ms": event.get("first_token_ms"),
            "total_ms": event.get("total_ms"),
        }
    return None


def render_event(event: dict, *, can_see_costs: bool, client_name: str) -> str:
    partial = PARTIAL_FOR_EVENT.get(event["type"])
    if partial is None:
        return ""
    context = {
        "event": event,
        "row": _row(event),
        "client_name": client_name,
        "show_costs": can_see_costs,
    }
    return render_to_string(f"{FRAGMENTS}#{partial}", context)


def history_items(events: list[dict]) -> list[dict]:
    """History events as rows for the transcript partial (a live reply shows as streaming)."""
    return [_row(event) for event in events]


def _with_stored_costs(session: PracticeSession, items: list[dict]) -> list[dict]:
    """Each reply's tokens, cost and latency from its stored row (one query)."""
    stored = {
        str(row["id"]): row
        for row in Message.objects.filter(session=session, role=Message.Role.CLIENT).values(
            "id", *COST_FIELDS
        )
    }
    return [
        item | {k: stored[item["id"]][k] for k in COST_FIELDS} if item["id"] in stored else item
        for item in items
    ]


@sync_to_async
def render_history(session: PracticeSession, events: list[dict], *, can_see_costs: bool) -> str:
    items = history_items(events)
    if can_see_costs:
        items = _with_stored_costs(session, items)
    context = {
        "session": session,
        "items": items,
        "client_name": session.client_name,
        "oob": True,
        "show_costs": can_see_costs,
    }
    return render_to_string(f"{FRAGMENTS}#transcript", context)
