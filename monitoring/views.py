import asyncio
import logging
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.decorators import staff_required
from monitoring import selectors

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.warning("healthz: the database did not answer", exc_info=True)
        return False


async def _channel_layer_ok() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        channel = await layer.new_channel()
        token = uuid.uuid4().hex
        await layer.send(channel, {"type": "healthz.ping", "token": token})
        message = await asyncio.wait_for(layer.receive(channel), timeout=2)
        return message.get("token") == token
    except Exception:
        logger.warning("healthz: the channel layer did not answer", exc_info=True)
        return False


@never_cache
async def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the proxy and the operator: 200 when the database and channel layer answer."""
    checks = {
        "database": await sync_to_async(_database_ok)(),
        "channel_layer": await _channel_layer_ok(),
    }
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"} | {
        name: "ok" if ok else "unavailable" for name, ok in checks.items()
    }
    return JsonResponse(body, status=200 if healthy else 503)


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/dashboard.html", {"snap": selectors.dashboard_snapshot()})


@staff_required
@never_cache
def live(request: HttpRequest) -> HttpResponse:
    """The live block alone: the polling fallback when the socket is down."""
    return render(
        request, "monitoring/dashboard.html#live", {"snap": selectors.dashboard_snapshot()}
    )
