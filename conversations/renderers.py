"""Protocol events → HTML fragments for htmx's ws extension (each swapped out of band).

Every piece of text goes through the template engine's escaping, streamed tokens included.
"""

from asgiref.sync import sync_to_async
from django.template.loader import render_to_string

from sessions_app.models import PracticeSession
from sessions_app.money import usd

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


def _row(event: dict) -> dict | None:
    """The transcript row an event adds or replaces, if any."""
    if event["type"] == "message":
        return event["message"]
    if event["type"] == "reply.started":
        return {"id": event["message_id"], "role": "client", "status": "streaming"}
    if event["type"] == "reply.completed":
        return {"id": event["message_id"], "role": "client", "content": event["content"]}
    return None


def cost_line(event: dict) -> str:
    return (
        f"{event['token_count']} tokens · {usd(event['cost_usd'])} · "
        f"first token {event['first_token_ms']} ms · full reply {event['total_ms']} ms"
    )


def render_event(event: dict, *, can_see_costs: bool, client_name: str) -> str:
    partial = PARTIAL_FOR_EVENT.get(event["type"])
    if partial is None:
        return ""
    context = {"event": event, "row": _row(event), "client_name": client_name}
    if can_see_costs and event["type"] == "reply.completed":
        context["cost_line"] = cost_line(event)
    return render_to_string(f"{FRAGMENTS}#{partial}", context)


def history_items(events: list[dict]) -> list[dict]:
    """History events as rows for the transcript partial (a live reply shows as streaming)."""
    items = []
    for event in events:
        if event["type"] == "reply.started":
            items.append({"id": event["message_id"], "role": "client", "status": "streaming"})
        else:
            items.append(event["message"])
    return items


@sync_to_async
def render_history(session: PracticeSession, events: list[dict]) -> str:
    context = {
        "session": session,
        "items": history_items(events),
        "client_name": session.client_snapshot.get("name", "The client"),
        "oob": True,
    }
    return render_to_string(f"{FRAGMENTS}#transcript", context)
