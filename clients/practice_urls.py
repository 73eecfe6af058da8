from django.urls import path

from clients import practice_views
from sessions_app import views as session_views

app_name = "practice"

urlpatterns = [
    path("", practice_views.gallery, name="gallery"),
    path("clients/<uuid:client_id>/", practice_views.client_detail, name="client"),
    path("clients/<uuid:client_id>/start/", session_views.start, name="start"),
    path("sessions/", session_views.my_sessions, name="sessions"),
]
