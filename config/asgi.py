import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Initialise Django (and the app registry) before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.websocket import SiteOriginValidator, SocketRouter  # noqa: E402
from conversations.routing import websocket_urlpatterns as conversation_sockets  # noqa: E402
from monitoring.routing import websocket_urlpatterns as monitoring_sockets  # noqa: E402

websocket_urlpatterns = conversation_sockets + monitoring_sockets

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SiteOriginValidator(AuthMiddlewareStack(SocketRouter(websocket_urlpatterns))),
    }
)
