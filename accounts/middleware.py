from django.http import HttpRequest, HttpResponse
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
