from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from monitoring import views as monitoring_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", monitoring_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("practice/", include("clients.practice_urls")),
    path("teach/sessions/", include("reviews.urls")),
    path("teach/", include("clients.urls")),
    path("teach/", include("conversations.urls")),
    path("sessions/", include("sessions_app.urls")),
    path("monitor/", include("monitoring.urls")),
    path("feedback/", include("monitoring.feedback_urls")),
    path("help/", include("monitoring.help_urls")),
    path("admin/", admin.site.urls),
]
