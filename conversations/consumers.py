"""The conversation socket: authenticate, parse frames, hand them to the engine, render events.

Browsers get HTML fragments for htmx's ws extension; clients that offer the `rapport.v1.json`
subprotocol get the JSON events themselves. Same engine, two renderers.
"""

import json
import time
import uuid

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from conversations import engine
from conversations.frames import frame_parse
from conversations.renderers import render_event, render_history, viewer_sees_costs
from sessions_app.models import PracticeSession

JSON_SUBPROTOCOL = "rapport.v1.json"
CLOSE_NOT_LOGGED_IN = 4401
CLOSE_NOT_YOURS = 4403
CLOSE_NO_SUCH_SESSION = 4404


def session_group(session_id: uuid.UUID) -> str:
    return f"session.{session_id}"


def session_publisher(session_id: uuid.UUID) -> engine.Publish:
    """Send an engine event to every socket of the session, in this process or another."""

    async def publish(event: dict) -> None:
        layer = get_channel_layer()
        await layer.group_send(session_group(session_id), {"type": "session.event", "event": event})

    return publish


class ChatConsumer(AsyncWebsocketConsumer):
    group = ""

    async def connect(self) -> None:
        self.json_mode = JSON_SUBPROTOCOL in self.scope.get("subprotocols", [])
        # Accept first: a close before accept reaches the browser only as a bare 1006.
        await self.accept(JSON_SUBPROTOCOL if self.json_mode else None)
        session, close_code = await self._owned_session()
        if close_code:
            await self.close(code=close_code)
            return
        self.session_id = session.pk
        self.user_id = session.student_id
        self.can_see_costs = viewer_sees_costs(self.scope["user"])
        self.client_name = session.client_snapshot.get("name", "The client")
        self.frame_times: list[float] = []
        self.group = session_group(session.pk)
        self._publish = session_publisher(session.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
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

    async def disconnect(self, code: int) -> None:
        # A reply in progress is not cancelled: it runs to its end and is stored.
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.group:  # closed for auth in connect; frames sent before the close are dropped
            return
        try:
            self._limit_frame_rate()
            frame = frame_parse(text_data, bytes_data)
            await self._dispatch(frame)
        except engine.TurnRefused as refused:
            await self._send_event(
                {"type": "error", "code": refused.code, "message": refused.message}
            )

    def _limit_frame_rate(self) -> None:
        now = time.monotonic()
        self.frame_times = [t for t in self.frame_times if now - t < 1.0] + [now]
        if len(self.frame_times) > settings.SOCKET_FRAMES_PER_SECOND:
            raise engine.TurnRefused("too_fast", "Too many messages at once. Wait a moment.")

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

    async def dispatch(self, message: dict) -> None:
        # Group events touch no database: skip Channels' close_old_connections hop to the
        # database thread, which every reply.delta to every socket would otherwise wait for.
        if message["type"] == "session.event":
            await self.session_event(message)
            return
        await super().dispatch(message)

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
            session = await PracticeSession.objects.aget(pk=self.session_id)
            html = await render_history(session, events, can_see_costs=self.can_see_costs)
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
