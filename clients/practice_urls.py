from django.urls import path

from clients import views
from sessions_app import views as session_views

app_name = "practice"

urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("clients/<uuid:client_id>/start/", session_views.start, name="start"),
]
