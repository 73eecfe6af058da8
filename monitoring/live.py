"""The live dashboard's feed, and the live staff session log's fragments.

Every open dashboard socket joins the channel-layer group "monitoring" and ticks once a second.
Each second exactly one tick, in whichever process wins `cache.add` on that second's key (the
cache is Redis when there are several processes), recomputes the snapshot from the database and
sends the rendered fragment to the group; every socket in every process relays it. So the
database answers one snapshot a second however many staff are watching, and the numbers are the
database's, never one process's memory. The engine needs no hook: whatever it stores shows up
within a second.
"""

from __future__ import annotations

import time

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.template.loader import render_to_string

from monitoring import selectors
from sessions_app.models import PracticeSession

GROUP = "monitoring"
TICK_SECONDS = 1.0
EVENT_TYPE = "monitoring.update"


def live_html(*, oob: bool) -> str:
    snapshot = selectors.dashboard_snapshot()
    return render_to_string("monitoring/dashboard.html#live", {"snap": snapshot, "oob": oob})


async def tick(now: float | None = None) -> bool:
    """Publish this second's snapshot unless another socket (anywhere) already has."""
    second = int(now if now is not None else time.time())
    if not await cache.aadd(f"monitoring:live:{second}", 1, timeout=10):
        return False
    await publish()
    return True


async def publish() -> None:
    """Recompute now and send to every dashboard (callable after an event, to skip the wait)."""
    html = await database_sync_to_async(live_html)(oob=True)
    await get_channel_layer().group_send(GROUP, {"type": EVENT_TYPE, "html": html})


# --- The session log -------------------------------------------------------------------------
# Not ticked: it follows the session's own channel-layer group (conversations.consumers), which
# carries every event of the session from whichever process runs the reply.

SESSION_LOG = "monitoring/session_detail.html"


def session_log_html(session_id, *, oob: bool) -> str:
    context = selectors.session_log(session_id) | {"oob": oob}
    return render_to_string(f"{SESSION_LOG}#log", context)


def session_log_delta_html(event: dict) -> str:
    """Streamed text, appended to its row of the log (escaped by the template)."""
    return render_to_string(f"{SESSION_LOG}#delta", {"event": event})


async def session_exists(session_id) -> bool:
    return await PracticeSession.objects.filter(pk=session_id).aexists()
