from django.urls import path

from monitoring.consumers import DashboardConsumer

websocket_urlpatterns = [
    path("ws/monitor/", DashboardConsumer.as_asgi(), name="monitor_socket"),
]
