from django.urls import path

from monitoring import views

app_name = "feedback"

urlpatterns = [
    path("", views.teacher_feedback, name="teacher"),
]
