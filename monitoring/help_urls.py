from django.urls import path

from monitoring import views

app_name = "help"

urlpatterns = [
    path("", views.pilot_help, name="pilot"),
]
