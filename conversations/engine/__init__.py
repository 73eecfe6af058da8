"""The conversation engine: a student turn in, a streamed client reply out.

The engine knows nothing of HTML or sockets. It receives frames already parsed by the consumer,
stores what must be stored (`turn`: one transaction per turn), runs the reply (`stream`) and hands
protocol events (the JSON shapes of docs/protocol.md) to a `publish` callback that fans them out
to every socket of the session. This module is the engine's whole public API.
"""

import contextlib
import time
from collections.abc import Awaitable, Callable
from uuid import UUID

from channels.db import database_sync_to_async

from conversations.engine.stream import Publish, running_reply, start_reply
from conversations.engine.turn import TimeUp, TurnRefused, accept_retry, accept_turn
from conversations.models import Message
from conversations.services import replies_reap_orphans
from sessions_app.models import PracticeSession
from sessions_app.services import SessionNotActive, session_end

__all__ = [
    "Publish",
    "TurnRefused",
    "end_session",
    "history_events",
    "history_for_page",
    "message_event",
    "retry_reply",
    "student_message",
]


def history_for_page(session: PracticeSession) -> list[Message]:
    return list(session.messages.order_by("sequence_number"))


def message_event(message: Message) -> dict:
    return {
        "type": "message",
        "message": {
            "id": str(message.id),
            "role": message.role,
            "content": message.content,
            "status": message.status,
            "sequence_number": message.sequence_number,
            "timestamp": message.timestamp.isoformat(),
            "client_msg_id": str(message.client_msg_id) if message.client_msg_id else None,
        },
    }


def _ending_when_time_is_up(accept: Callable[..., Awaitable]) -> Callable[..., Awaitable]:
    """Past the client's time limit no turn is taken: the session ends, every socket hears."""

    async def wrapped(*, session_id: UUID, publish: Publish, **kwargs):
        try:
            return await accept(session_id=session_id, publish=publish, **kwargs)
        except TimeUp:
            with contextlib.suppress(TurnRefused):  # ended by another tab meanwhile
                await end_session(session_id=session_id, publish=publish)
            raise

    return wrapped


@_ending_when_time_is_up
async def student_message(
    *, session_id: UUID, user_id: int, content: str, client_msg_id: UUID, publish: Publish
) -> list[dict]:
    """Store the turn and start the reply. Returns events for the sender only (a repeat)."""
    started = time.monotonic()
    accepted = await accept_turn(session_id, user_id, content, client_msg_id)
    if accepted.plan is None:
        return [message_event(message) for message in accepted.stored]
    for message in accepted.stored:
        await publish(message_event(message))
    start_reply(accepted.plan, publish, started)
    return []


@_ending_when_time_is_up
async def retry_reply(*, session_id: UUID, user_id: int, publish: Publish) -> None:
    started = time.monotonic()
    plan = await accept_retry(session_id, user_id)
    start_reply(plan, publish, started)


async def end_session(*, session_id: UUID, publish: Publish) -> None:
    """Stop a reply streaming here (stored as interrupted), end the session, tell every socket."""
    task = running_reply(session_id)
    if task is not None:
        task.cancel()  # it stores its partial text as interrupted and tells every socket
    session = await PracticeSession.objects.aget(pk=session_id)
    try:
        await database_sync_to_async(session_end)(session=session)
    except SessionNotActive as error:
        raise TurnRefused("session_ended", str(error)) from None
    await publish({"type": "session.ended", "status": session.status})


@database_sync_to_async
def history_events(session_id: UUID) -> list[dict]:
    """Everything stored, in order, for a socket that (re)connects; a live reply as started."""
    replies_reap_orphans(session_id=session_id)
    events = []
    for message in Message.objects.filter(session_id=session_id).order_by("sequence_number"):
        if message.status == Message.Status.STREAMING:
            events.append({"type": "reply.started", "message_id": str(message.id)})
        else:
            events.append(message_event(message))
    return events
