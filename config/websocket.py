"""The websocket stack's own guards: which origins may open a socket, and unknown paths.

Channels' AllowedHostsOriginValidator compares the Origin's host only, so in production it let
`http://rapport.example.edu:8080` through. Here, once DJANGO_CSRF_TRUSTED_ORIGINS is set (as
production must: a deploy check says so), the Origin's scheme, host and port must match one of
those origins. Without it (debug, tests) any scheme and port of an allowed host is accepted.
"""

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import URLRouter
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.core.checks import Tags, Warning, register

CLOSE_NO_SUCH_PATH = 4404


def site_origins() -> list[str]:
    """Origin patterns in Channels' form (a leading dot matches subdomains), read per socket so
    the settings in force decide."""
    if not settings.CSRF_TRUSTED_ORIGINS:
        return list(settings.ALLOWED_HOSTS)
    # Django writes a wildcard subdomain as https://*.example.edu; Channels as https://.example.edu.
    return [origin.replace("://*.", "://.") for origin in settings.CSRF_TRUSTED_ORIGINS]


@register(Tags.security, deploy=True)
def check_socket_origins(app_configs=None, **kwargs) -> list[Warning]:
    if settings.DEBUG or settings.CSRF_TRUSTED_ORIGINS:
        return []
    return [
        Warning(
            "DJANGO_CSRF_TRUSTED_ORIGINS is empty: sockets then accept any scheme and port of "
            "an allowed host.",
            hint="Set it to the site's origin, e.g. https://rapport.example.edu.",
            id="rapport.W001",
        )
    ]


class SiteOriginValidator(OriginValidator):
    """Channels' OriginValidator whose allowed origins are site_origins(), read per socket."""

    def __init__(self, application) -> None:
        self.application = application  # not super(): allowed_origins is read, never stored

    @property
    def allowed_origins(self) -> list[str]:
        return site_origins()


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Accept, then close 4404: a close before the accept reaches a browser only as 1006."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NO_SUCH_PATH)


class SocketRouter(URLRouter):
    """A URLRouter that closes a socket on a path no route serves (`/ws/sessions/abc/`), where
    Channels' raises an error and the server logs a traceback."""

    def __init__(self, routes: list) -> None:
        super().__init__(routes)
        self._unknown = UnknownPathConsumer.as_asgi()

    def _serves(self, path: str) -> bool:
        return any(route.pattern.match(path.lstrip("/")) for route in self.routes)

    async def __call__(self, scope, receive, send):
        if not self._serves(scope.get("path", "")):
            return await self._unknown(scope, receive, send)
        return await super().__call__(scope, receive, send)
