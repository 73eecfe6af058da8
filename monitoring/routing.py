from django.urls import path

from monitoring.consumers import DashboardConsumer, SessionLogConsumer

websocket_urlpatterns = [
    path("ws/monitor/", DashboardConsumer.as_asgi(), name="monitor_socket"),
    path(
        "ws/monitor/sessions/<uuid:session_id>/",
        SessionLogConsumer.as_asgi(),
        name="session_log_socket",
    ),
]
