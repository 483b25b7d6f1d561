from django.urls import path

from alliance.starting import views

urlpatterns = [
    path("", views.template_list, name="template_list"),
    path("start/", views.template_start, name="template_start"),
    path("import/", views.template_import, name="template_import"),
    path("builtin/<slug:key>.json", views.template_builtin_export, name="template_builtin_export"),
    path("<id:template_id>/rename/", views.template_rename, name="template_rename"),
    path("<id:template_id>/delete/", views.template_delete, name="template_delete"),
    path("<id:template_id>/export.json", views.template_export, name="template_export"),
]
