import asyncio

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from config.asgi import application
from conversations.tests.conftest import session_cookie
from monitoring import live
from monitoring.consumers import CLOSE_NOT_LOGGED_IN, CLOSE_NOT_STAFF
from monitoring.tests.helpers import reply

pytestmark = pytest.mark.django_db(transaction=True)


async def _socket(user=None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver")]
    if user is not None:
        cookie = await asyncio.to_thread(session_cookie, user)
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/monitor/", headers=headers)


async def test_staff_get_the_numbers_at_once_and_then_every_second(staff, practice_session):
    socket = await _socket(staff)
    try:
        connected, _ = await socket.connect()
        assert connected
        first = await socket.receive_from(timeout=5)
        assert 'id="live-metrics"' in first
        assert 'hx-swap-oob="true"' in first
        assert 'data-metric="active_sessions">1<' in first
        await asyncio.to_thread(reply, practice_session, cost="0.0042")
        update = await socket.receive_from(timeout=5)
        while "$0.004200" not in update:
            update = await socket.receive_from(timeout=5)
    finally:
        await socket.disconnect()


async def test_one_tick_a_second_whoever_is_watching(staff):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(live.GROUP, channel)
    assert await live.tick(now=1000.2) is True
    assert await live.tick(now=1000.7) is False  # another socket, same second
    assert await live.tick(now=1001.1) is True
    message = await layer.receive(channel)
    assert message["type"] == live.EVENT_TYPE
    assert 'id="live-metrics"' in message["html"]
    await layer.group_discard(live.GROUP, channel)


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("anonymous", CLOSE_NOT_LOGGED_IN),
        ("student", CLOSE_NOT_STAFF),
        ("teacher", CLOSE_NOT_STAFF),
    ],
)
async def test_only_staff_may_watch(role, code, student, teacher):
    user = {"anonymous": None, "student": student, "teacher": teacher}[role]
    socket = await _socket(user)
    try:
        connected, _ = await socket.connect()
        assert connected  # accepted first, so the browser sees the code
        output = await socket.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": code}
    finally:
        await socket.disconnect()


async def test_a_tick_in_one_process_reaches_dashboards_in_another_over_redis(redis_url):
    """Two Redis channel layers stand for two daphne processes sharing Redis."""
    from channels.layers import channel_layers
    from channels_redis.pubsub import RedisPubSubChannelLayer
    from django.test import override_settings

    from conftest import RUN_PREFIX

    config = {"hosts": [redis_url], "prefix": f"{RUN_PREFIX}:live"}
    here, there = RedisPubSubChannelLayer(**config), RedisPubSubChannelLayer(**config)
    channel = await there.new_channel()
    await there.group_add(live.GROUP, channel)
    layers = {
        "default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": config}
    }
    try:
        with override_settings(CHANNEL_LAYERS=layers):
            channel_layers.backends.clear()
            assert await live.tick(now=2000.0) is True
            assert await live.tick(now=2000.5) is False  # the cache is shared too
        message = await asyncio.wait_for(there.receive(channel), timeout=5)
        assert 'id="live-metrics"' in message["html"]
    finally:
        await there.group_discard(live.GROUP, channel)
        await here.flush()
        channel_layers.backends.clear()
