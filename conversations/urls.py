from django.urls import path

from conversations import views

app_name = "conversations"

# Under /teach/, beside the teacher's client pages the previews start from.
urlpatterns = [
    path("clients/<uuid:client_id>/preview/", views.client_preview, name="preview"),
    path("previews/<uuid:session_id>/", views.preview_run, name="preview_run"),
    path("previews/<uuid:session_id>/end/", views.preview_end, name="preview_end"),
]
