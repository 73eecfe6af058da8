"""The admin site as Rapport runs it: its own name, and the site login's brute-force limits."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse

from accounts.login_limits import login_check


class RapportAdminSite(admin.AdminSite):
    site_header = "Rapport administration"
    site_title = "Rapport administration"
    index_title = "Data and accounts"

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The same counters as /accounts/login/: a guesser cannot switch forms to go on."""
        if request.method == "POST":
            login_check(request, request.POST.get("username", ""))
        return super().login(request, extra_context)


class RapportAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.RapportAdminSite"
