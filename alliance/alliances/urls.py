from django.urls import path

from alliance.alliances import views

urlpatterns = [
    path("new/", views.alliance_new, name="alliance_new"),
    path("<int:alliance_id>/", views.alliance_detail, name="alliance_detail"),
    path("<int:alliance_id>/history/", views.history, name="alliance_history"),
    path("<int:alliance_id>/leave/", views.leave, name="alliance_leave"),
    path("<int:alliance_id>/export.json", views.export, name="alliance_export"),
    path("<int:alliance_id>/invitations/", views.invitation_create, name="invitation_create"),
    path(
        "<int:alliance_id>/invitations/<int:invitation_id>/renew/",
        views.invitation_renew,
        name="invitation_renew",
    ),
    path(
        "<int:alliance_id>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
]
