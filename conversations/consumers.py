"""The conversation socket: authenticate, parse frames, hand them to the engine, render events.

Browsers get HTML fragments for htmx's ws extension; clients that offer the `rapport.v1.json`
subprotocol get the JSON events themselves. Same engine, two renderers.
"""

import asyncio
import contextlib
import json
import logging
import uuid
from functools import partial

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import OperationalError

from accounts.sockets import ClosedOnSignOut
from config.middleware import BUSY, BUSY_KIND, is_pool_timeout
from conversations import engine, limits
from conversations.frames import frame_parse
from conversations.renderers import render_event, render_history, viewer_sees_costs
from monitoring.models import ErrorEvent
from monitoring.services import error_repeat_note, error_repeat_store
from sessions_app.models import PracticeSession

JSON_SUBPROTOCOL = "rapport.v1.json"
CLOSE_NOT_LOGGED_IN = 4401
CLOSE_NOT_YOURS = 4403
CLOSE_NO_SUCH_SESSION = 4404
CLOSE_TOO_MANY_SOCKETS = 4429
TOO_MANY_SOCKETS = (
    "Rapport is open in too many tabs or windows. Close one of them, then reload this page."
)
TOO_FAST = "Too many messages at once. Wait a moment."

logger = logging.getLogger(__name__)


def session_group(session_id: uuid.UUID) -> str:
    return f"session.{session_id}"


def session_publisher(session_id: uuid.UUID) -> engine.Publish:
    """Send an engine event to every socket of the session, in this process or another."""

    async def publish(event: dict) -> None:
        layer = get_channel_layer()
        await layer.group_send(session_group(session_id), {"type": "session.event", "event": event})

    return publish


# What error_repeat_note asks to write for staff: (count, event id), or None for nothing now.
RepeatNote = tuple[int, int | None] | None


def _frame_check(user_id: int) -> tuple[bool, RepeatNote]:
    """Whether the frame may go on; for a refused one, what to write for staff (if anything)."""
    if limits.frame_allowed(user_id=user_id):
        return True, None
    return False, error_repeat_note(kind="socket.too_fast", user_id=user_id)


# The cache is shared (Redis in production): its calls go to a worker thread, never the event
# loop, and not to the one thread that serves the database either.
_in_worker = partial(sync_to_async, thread_sensitive=False)


class SessionEventsFirst:
    """For a consumer in a session's group: its events skip Channels' close_old_connections hop
    to the database thread, which every reply.delta to every socket would otherwise wait for (a
    handler that needs the database goes through database_sync_to_async, which does its own)."""

    async def dispatch(self, message: dict) -> None:
        if message["type"] == "session.event":
            await self.session_event(message)
            return
        await super().dispatch(message)


class ChatConsumer(SessionEventsFirst, ClosedOnSignOut, AsyncWebsocketConsumer):
    group = ""
    socket_bucket: int | None = None  # the last bucket this socket counted itself in
    heartbeat: asyncio.Task | None = None

    async def connect(self) -> None:
        self.json_mode = JSON_SUBPROTOCOL in self.scope.get("subprotocols", [])
        # Accept first: a close before accept reaches the browser only as a bare 1006.
        await self.accept(JSON_SUBPROTOCOL if self.json_mode else None)
        session, close_code = await self._owned_session()
        if close_code:
            await self.close(code=close_code)
            return
        self.session = session  # what the transcript shows of it never changes: read it once
        self.session_id = session.pk
        self.user_id = session.student_id
        self.can_see_costs = viewer_sees_costs(self.scope["user"])
        self.client_name = session.client_name
        self.socket_bucket = await _in_worker(limits.socket_open)(user_id=self.user_id)
        if self.socket_bucket is None:
            await self._refuse_socket()
            return
        self.heartbeat = asyncio.create_task(self._count_while_open())
        self.group = session_group(session.pk)
        self._publish = session_publisher(session.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.join_sign_out_groups()
        await self._send_history()

    async def _owned_session(self) -> tuple[PracticeSession | None, int]:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None, CLOSE_NOT_LOGGED_IN
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        session = await PracticeSession.objects.filter(pk=session_id).afirst()
        if session is None:
            return None, CLOSE_NO_SUCH_SESSION
        if session.student_id != user.pk:
            return None, CLOSE_NOT_YOURS
        return session, 0

    async def _refuse_socket(self) -> None:
        """One socket too many for this user: say so, record it for staff (counted), close."""
        await self._send_event(
            {"type": "error", "code": "too_many_sockets", "message": TOO_MANY_SOCKETS}
        )
        await self._record_repeat(
            await _in_worker(error_repeat_note)(kind="socket.too_many", user_id=self.user_id),
            kind="socket.too_many",
            message=f"A user tried to open more than {settings.SOCKETS_PER_USER} sockets.",
        )
        await self.close(code=CLOSE_TOO_MANY_SOCKETS)

    async def _record_repeat(self, noted: RepeatNote, *, kind: str, message: str) -> None:
        if noted is None:
            return
        count, event_id = noted
        await database_sync_to_async(error_repeat_store)(
            kind=kind,
            severity=ErrorEvent.Severity.WARNING,
            message=message,
            user_id=self.user_id,
            session_id=self.session_id,
            count=count,
            event_id=event_id,
        )

    async def _count_while_open(self) -> None:
        """Count this socket in each new bucket while it is open. When the cache cannot be
        reached the socket stops counting (the limit lets it be), recorded for staff: the close
        must still run, and take the socket out of the count, or its user is refused a new one."""
        try:
            while True:
                await asyncio.sleep(limits.seconds_to_next_bucket() + 0.05)
                self.socket_bucket = await _in_worker(limits.socket_heartbeat)(user_id=self.user_id)
        except Exception:
            logger.exception(
                "An open socket could not count itself in the cache; it no longer counts.",
                extra={"event_kind": "socket.heartbeat_failed"},
            )

    async def disconnect(self, code: int) -> None:
        # A reply in progress is not cancelled: it runs to its end and is stored.
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.heartbeat
        if self.socket_bucket is not None:
            bucket, self.socket_bucket = self.socket_bucket, None
            await _in_worker(limits.socket_closed)(user_id=self.user_id, bucket=bucket)
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.leave_sign_out_groups()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.group:  # closed for auth in connect; frames sent before the close are dropped
            return
        try:
            await self._limit_frame_rate()
            frame = frame_parse(text_data, bytes_data)
            await self._dispatch(frame)
        except engine.TurnRefused as refused:
            await self._send_event(
                {"type": "error", "code": refused.code, "message": refused.message}
            )
        except OperationalError as error:
            if not is_pool_timeout(error):
                raise
            # No connection came free in time, before anything was stored: send it again.
            logger.error(
                "No database connection was free in time; a socket frame was answered busy.",
                extra={"event_kind": BUSY_KIND},
            )
            await self._send_event({"type": "error", "code": "busy", "message": BUSY})

    async def _limit_frame_rate(self) -> None:
        allowed, noted = await _in_worker(_frame_check)(self.user_id)
        if allowed:
            return
        await self._record_repeat(
            noted,
            kind="socket.too_fast",
            message=f"A user sent more than {settings.SOCKET_FRAMES_PER_SECOND} frames a second.",
        )
        raise engine.TurnRefused("too_fast", TOO_FAST)

    async def _dispatch(self, frame) -> None:
        if frame.type == "student_message":
            direct = await engine.student_message(
                session_id=self.session_id,
                user_id=self.user_id,
                content=frame.content,
                client_msg_id=frame.client_msg_id,
                publish=self._publish,
            )
            if direct:  # a repeated frame: answer it without storing anything
                await (self._send_history() if not self.json_mode else self._send_events(direct))
        elif frame.type == "retry_reply":
            await engine.retry_reply(
                session_id=self.session_id, user_id=self.user_id, publish=self._publish
            )
        else:
            await engine.end_session(session_id=self.session_id, publish=self._publish)

    async def session_event(self, message: dict) -> None:
        """An event for every socket of this session, from the channel-layer group."""
        await self._send_event(message["event"])

    async def _send_events(self, events: list[dict]) -> None:
        for event in events:
            await self._send_event(event)

    async def _send_history(self) -> None:
        events = await engine.history_events(self.session_id)
        if self.json_mode:
            await self._send_events(events)
        else:
            html = await render_history(self.session, events, can_see_costs=self.can_see_costs)
            await self.send(text_data=html)

    async def _send_event(self, event: dict) -> None:
        if self.json_mode:
            if not self.can_see_costs:
                event = {key: value for key, value in event.items() if key != "cost_usd"}
            await self.send_json(event)
        else:
            html = render_event(
                event, can_see_costs=self.can_see_costs, client_name=self.client_name
            )
            if html:
                await self.send(text_data=html)

    async def send_json(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event, default=_json_default))


def _json_default(value: object) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"Cannot send {type(value).__name__} as JSON")
