from django.urls import path

from sessions_app import views

app_name = "sessions"

urlpatterns = [
    path("<uuid:session_id>/", views.detail, name="detail"),
    path("<uuid:session_id>/end/", views.end, name="end"),
    path("<uuid:session_id>/complete/", views.complete, name="complete"),
    path(
        "<uuid:session_id>/download/<str:fmt>/",
        views.transcript_download,
        name="transcript",
    ),
]
