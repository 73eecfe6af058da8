from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.teacher_home, name="teacher_home"),
    path("clients/", views.teacher_home, name="client_list"),
    path("clients/new/", views.client_new, name="new"),
    path("clients/import/", views.clients_import_page, name="import"),
    path("clients/export/", views.clients_export, name="export_all"),
    path("clients/<uuid:client_id>/edit/", views.client_edit, name="edit"),
    path("clients/<uuid:client_id>/publish/", views.client_publish, name="publish"),
    path("clients/<uuid:client_id>/unpublish/", views.client_unpublish, name="unpublish"),
    path("clients/<uuid:client_id>/archive/", views.client_archive, name="archive"),
    path("clients/<uuid:client_id>/unarchive/", views.client_unarchive, name="unarchive"),
    path("clients/<uuid:client_id>/duplicate/", views.client_copy, name="duplicate"),
    path("clients/<uuid:client_id>/export/", views.client_export, name="export"),
]
