"""Staff sockets, read-only: the dashboard (joins the "monitoring" group and relays its
updates) and one session's log (joins that session's group and redraws as the student talks)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.sockets import ClosedOnSignOut
from conversations.consumers import SessionEventsFirst, session_group
from monitoring import live

log = logging.getLogger(__name__)

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_NOT_STAFF = 4403
CLOSE_NO_SUCH_SESSION = 4404


async def _refuse(consumer: AsyncWebsocketConsumer) -> bool:
    """Close with the reason unless the socket's user is staff; True when refused."""
    user = consumer.scope.get("user")
    if user is None or not user.is_authenticated:
        await consumer.close(code=CLOSE_NOT_LOGGED_IN)
        return True
    if not user.is_staff:
        await consumer.close(code=CLOSE_NOT_STAFF)
        return True
    return False


class DashboardConsumer(ClosedOnSignOut, AsyncWebsocketConsumer):
    joined = False
    ticker: asyncio.Task | None = None

    async def connect(self) -> None:
        # Accept first: a close before accept reaches the browser only as a bare 1006.
        await self.accept()
        if await _refuse(self):
            return
        await self.channel_layer.group_add(live.GROUP, self.channel_name)
        await self.join_sign_out_groups()
        self.joined = True
        await self.send(text_data=await database_sync_to_async(live.live_html)(oob=True))
        self.ticker = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(live.TICK_SECONDS)
            try:
                await live.tick()
            except Exception:  # a failed second must not stop the next one
                log.exception("The dashboard tick failed")

    async def disconnect(self, code: int) -> None:
        if self.ticker is not None:
            self.ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.ticker
        if self.joined:
            await self.channel_layer.group_discard(live.GROUP, self.channel_name)
        await self.leave_sign_out_groups()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The dashboard only listens."""

    async def monitoring_update(self, event: dict) -> None:
        await self.send(text_data=event["html"])


class SessionLogConsumer(SessionEventsFirst, ClosedOnSignOut, AsyncWebsocketConsumer):
    """The staff session log of one session, live: the same events the student's sockets get.

    Streamed text is appended as it comes (no database); every other event (a stored turn, a
    reply started, finished or failed, the session ended) redraws the log from the database, so
    statuses, tokens, costs and latencies are the stored ones. Staff only watch: frames are
    ignored."""

    group = ""

    async def connect(self) -> None:
        await self.accept()
        if await _refuse(self):
            return
        self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
        if not await live.session_exists(self.session_id):
            await self.close(code=CLOSE_NO_SUCH_SESSION)
            return
        self.group = session_group(self.session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.join_sign_out_groups()
        await self._redraw()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.leave_sign_out_groups()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Read-only: staff never speak in a student's session."""

    async def session_event(self, message: dict) -> None:
        event = message["event"]
        if event["type"] == "reply.delta":
            await self.send(text_data=live.session_log_delta_html(event))
        elif event["type"] != "error":  # errors are the student's own (bad input, limits)
            await self._redraw()

    async def _redraw(self) -> None:
        html = await database_sync_to_async(live.session_log_html)(self.session_id, oob=True)
        await self.send(text_data=html)
