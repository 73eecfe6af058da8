"""The websocket stack's guards: the Origin's scheme, host and port, and paths no route serves."""

import logging

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application

SITE = "https://rapport.example.edu"


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["rapport.example.edu", "127.0.0.1"]
    settings.CSRF_TRUSTED_ORIGINS = [SITE]


async def _opens(origin: str, path: str = "/ws/monitor/") -> bool:
    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", origin.encode())])
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


@pytest.mark.parametrize(
    "origin",
    [
        "http://rapport.example.edu:8080",
        "https://rapport.example.edu:4443",
        "http://127.0.0.1:9999",
        "http://rapport.example.edu",
        "https://evil.example",
    ],
)
@pytest.mark.django_db(transaction=True)
async def test_production_refuses_a_socket_from_another_scheme_or_port(production, origin):
    assert not await _opens(origin)


@pytest.mark.django_db(transaction=True)
async def test_production_accepts_a_socket_from_the_sites_own_origin(production):
    assert await _opens(SITE)
    assert await _opens("https://rapport.example.edu:443")


@pytest.mark.django_db(transaction=True)
async def test_without_trusted_origins_any_port_of_an_allowed_host_opens(settings):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    settings.CSRF_TRUSTED_ORIGINS = []
    assert await _opens("http://127.0.0.1:8000")
    assert not await _opens("http://evil.example")


def test_the_deploy_check_asks_for_trusted_origins(settings):
    from config.websocket import check_socket_origins

    settings.DEBUG = False
    settings.CSRF_TRUSTED_ORIGINS = []
    assert [w.id for w in check_socket_origins()] == ["rapport.W001"]
    settings.CSRF_TRUSTED_ORIGINS = [SITE]
    assert check_socket_origins() == []


@pytest.mark.parametrize("path", ["/ws/sessions/abc/", "/ws/unknown/", "/", "/ws/sessions/"])
@pytest.mark.django_db(transaction=True)
async def test_an_unknown_socket_path_is_closed_4404_without_a_traceback(path, caplog):
    communicator = WebsocketCommunicator(
        application, path, headers=[(b"origin", b"http://testserver")]
    )
    with caplog.at_level(logging.WARNING):
        connected, _ = await communicator.connect()
        assert connected
        output = await communicator.receive_output(timeout=3)
        await communicator.disconnect()
    assert output == {"type": "websocket.close", "code": 4404}
    assert not communicator.future.exception()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
