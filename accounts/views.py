from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.login_limits import login_check
from accounts.models import NOTICE_VERSION
from accounts.services import notice_acknowledge


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own home page."""
    user = request.user
    if user.is_staff:
        return redirect("monitoring:dashboard")
    if user.is_teacher:
        return redirect("clients:teacher_home")
    return redirect("practice:gallery")


def _safe_next(request: HttpRequest, value: str) -> str:
    allowed = url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return value if value and allowed else reverse("home")


@login_required
def notice(request: HttpRequest) -> HttpResponse:
    """The first-login notice: what Rapport records and who reads it. Acknowledged once."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    if request.method == "POST":
        notice_acknowledge(user=request.user)
        return redirect(next_url)
    context = {
        "next": next_url,
        "version": NOTICE_VERSION,
        "acknowledged": not request.user.needs_notice,
        "retention": settings.NOTICE_RETENTION,
        "contact": settings.NOTICE_CONTACT,
        "gateway_host": _gateway_host(),
    }
    return render(request, "accounts/notice.html", context)


def _gateway_host() -> str:
    """The gateway ANTHROPIC_BASE_URL names, as the notice must tell it truly; "" when replies go
    to Anthropic itself. (Demo mode, with no key, is every page's `demo_mode`:
    conversations.context_processors.provider_mode.)"""
    if not settings.ANTHROPIC_BASE_URL:
        return ""
    return urlsplit(settings.ANTHROPIC_BASE_URL).hostname or settings.ANTHROPIC_BASE_URL


class LoginView(auth_views.LoginView):
    """Failed attempts are limited (accounts.login_limits); a whole class may log in at once."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        login_check(request, request.POST.get("username", ""))
        return super().post(request, *args, **kwargs)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """django-ratelimit sends over-limit requests here (RATELIMIT_VIEW): 429, not 403."""
    return render(request, "429.html", status=429)
