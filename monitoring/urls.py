from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("live/", views.live, name="live"),
    path("errors/", views.errors, name="errors"),
    path("daily/", views.daily, name="daily"),
    path("feedback/", views.feedback_summary, name="feedback"),
    path("quality/", views.quality, name="quality"),
    path("pilot/", views.pilot, name="pilot"),
    path("users/<int:user_id>/data.json", views.user_data, name="user_data"),
    path("users/<int:user_id>/staff-full.json", views.user_data_full, name="user_data_full"),
    path("export/<slug:dataset>.<slug:fmt>", views.export, name="export"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<uuid:session_id>/", views.session_detail, name="session"),
    path("sessions/<uuid:session_id>/log/", views.session_log, name="session_log"),
]
