from django.urls import path

from alliance.alliances import views

urlpatterns = [
    path("new/", views.alliance_new, name="alliance_new"),
    path("<id:alliance_id>/", views.alliance_detail, name="alliance_detail"),
    path("<id:alliance_id>/edit/", views.alliance_edit, name="alliance_edit"),
    path("<id:alliance_id>/role/", views.party_role, name="party_role"),
    path("<id:alliance_id>/leads/", views.lead_change, name="lead_change"),
    path("<id:alliance_id>/history/", views.history, name="alliance_history"),
    path("<id:alliance_id>/leave/", views.leave, name="alliance_leave"),
    path("<id:alliance_id>/export.json", views.export, name="alliance_export"),
    path("<id:alliance_id>/export.md", views.export_markdown, name="alliance_export_markdown"),
    path("<id:alliance_id>/export.pdf", views.export_pdf, name="alliance_export_pdf"),
    path("<id:alliance_id>/print/", views.print_view, name="alliance_print"),
    path("<id:alliance_id>/invitations/", views.invitation_create, name="invitation_create"),
    path(
        "<id:alliance_id>/observers/allowance/",
        views.observer_allowance,
        name="observer_allowance",
    ),
    path(
        "<id:alliance_id>/invitations/<id:invitation_id>/renew/",
        views.invitation_renew,
        name="invitation_renew",
    ),
    path(
        "<id:alliance_id>/invitations/<id:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
]
