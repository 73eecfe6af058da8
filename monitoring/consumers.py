"""The dashboard socket: staff only; joins the "monitoring" group and relays its updates."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from accounts.sockets import ClosedOnSignOut
from monitoring import live

log = logging.getLogger(__name__)

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_NOT_STAFF = 4403


class DashboardConsumer(ClosedOnSignOut, AsyncWebsocketConsumer):
    joined = False
    ticker: asyncio.Task | None = None

    async def connect(self) -> None:
        # Accept first: a close before accept reaches the browser only as a bare 1006.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return
        if not user.is_staff:
            await self.close(code=CLOSE_NOT_STAFF)
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
