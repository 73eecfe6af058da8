from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.history, name="history"),
    path("<uuid:session_id>/", views.review, name="review"),
    path("<uuid:session_id>/comments/", views.comment_new, name="comment_new"),
    path(
        "<uuid:session_id>/comments/<int:comment_id>/delete/",
        views.comment_remove,
        name="comment_delete",
    ),
    path("<uuid:session_id>/release/", views.release, name="release"),
    path("<uuid:session_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<uuid:session_id>/print/", views.printable, name="print"),
    path("<uuid:session_id>/export/<str:fmt>/", views.export, name="export"),
]
