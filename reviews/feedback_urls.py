from django.urls import path

from reviews import views

app_name = "feedback"

urlpatterns = [
    path("<uuid:session_id>/", views.feedback, name="detail"),
]
