from django.urls import path

from conversations.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/sessions/<uuid:session_id>/", ChatConsumer.as_asgi(), name="session_socket"),
]
