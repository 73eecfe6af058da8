from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.deprecation import MiddlewareMixin
from django_ratelimit.exceptions import Ratelimited

from accounts.views import rate_limited


class RatelimitMiddleware(MiddlewareMixin):
    """Answer django-ratelimit's refusals with RATELIMIT_VIEW (429) instead of a 403.

    django-ratelimit ships a middleware for this, but it is sync-only: it would force every
    async view (the health check, ending a session) through a worker thread, and ending a
    session from that thread deadlocks with the reply it stops. MiddlewareMixin serves both.
    """

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Ratelimited):
            return rate_limited(request, exception)
        return None


# Reachable before the notice is acknowledged: the notice itself, logging in and out, the health
# check. Static files are served by WhiteNoise before this runs.
NOTICE_EXEMPT_NAMES = {"accounts:notice", "accounts:login", "accounts:logout", "healthz"}


class NoticeMiddleware(MiddlewareMixin):
    """Send a signed-in user who has not acknowledged the current notice to it, first.

    MiddlewareMixin runs process_request in a worker thread under ASGI, so the lazy user may be
    loaded from the database here, for async views as well as sync ones.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return None
        user = request.user
        if not user.is_authenticated or not user.needs_notice:
            return None
        try:
            name = resolve(request.path_info).view_name
        except Resolver404:
            name = ""
        if name in NOTICE_EXEMPT_NAMES:
            return None
        target = reverse("accounts:notice")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
