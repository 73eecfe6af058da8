import pytest
from django.db.utils import OperationalError
from django.test import override_settings

from monitoring import views

REDIS_LAYER = "channels_redis.pubsub.RedisPubSubChannelLayer"


class _BrokenConnection:
    def cursor(self):
        raise OperationalError("could not connect to server")


@pytest.mark.django_db
def test_it_reports_ok_when_everything_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


@pytest.mark.django_db
def test_it_is_never_cached(client):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]


@pytest.mark.django_db
def test_it_needs_no_login(client):
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_it_answers_503_when_the_database_fails(client, monkeypatch, caplog):
    monkeypatch.setattr(views, "connection", _BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "unavailable",
        "channel_layer": "ok",
    }
    assert "could not connect to server" in caplog.text


@pytest.mark.django_db
def test_it_answers_503_when_the_channel_layer_fails(client):
    nowhere = {"default": {"BACKEND": REDIS_LAYER, "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}}
    with override_settings(CHANNEL_LAYERS=nowhere):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "unavailable"
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_it_checks_a_real_redis_channel_layer(client, redis_url):
    layer = {"default": {"BACKEND": REDIS_LAYER, "CONFIG": {"hosts": [redis_url]}}}
    with override_settings(CHANNEL_LAYERS=layer):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["channel_layer"] == "ok"


@pytest.mark.django_db
def test_it_is_reached_over_http_in_production(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/healthz").status_code == 200
        assert client.get("/accounts/login/").status_code == 301
