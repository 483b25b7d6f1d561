from django.urls import path

from alliance.terms import views

urlpatterns = [
    path("terms/new/", views.term_new, name="term_new"),
    path("terms/<id:term_id>/edit/", views.term_edit, name="term_edit"),
    path("terms/<id:term_id>/withdraw/", views.term_withdraw, name="term_withdraw"),
    path("terms/<id:term_id>/consent/", views.consent, name="term_consent"),
    path("ratify/", views.ratify, name="ratify"),
    path("versions/", views.version_list, name="version_list"),
    path("versions/compare/", views.version_compare, name="version_compare"),
    path("versions/<id:number>/", views.version_detail, name="version_detail"),
    path(
        "versions/<id:number>/export.md",
        views.version_export_markdown,
        name="version_export_markdown",
    ),
    path("versions/<id:number>/export.pdf", views.version_export_pdf, name="version_export_pdf"),
    path("versions/<id:number>/print/", views.version_print, name="version_print"),
]
