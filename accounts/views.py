from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its own home page."""
    user = request.user
    if user.is_staff:
        return redirect("monitoring:dashboard")
    if user.is_teacher:
        return redirect("clients:teacher_home")
    return redirect("practice:gallery")


@method_decorator(ratelimit(key="ip", rate="20/m", method="POST"), name="post")
@method_decorator(ratelimit(key="post:username", rate="10/m", method="POST"), name="post")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class SetPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """django-ratelimit sends over-limit requests here (RATELIMIT_VIEW): 429, not 403."""
    return render(request, "429.html", status=429)
