"""Tending URLs, all under /alliances/<alliance_id>/."""

from django.urls import path

from alliance.tending import views

urlpatterns = [
    path("rhythm/", views.rhythm_edit, name="rhythm_edit"),
    path("checkins/", views.checkin_list, name="checkin_list"),
    path("checkins/new/", views.checkin_start, name="checkin_start"),
    path("checkins/<id:checkin_id>/", views.checkin_detail, name="checkin_detail"),
    path("checkins/<id:checkin_id>/close/", views.checkin_close, name="checkin_close"),
    path("signals/", views.signal_list, name="signal_list"),
    path("signals/policy/", views.signal_policy, name="signal_policy"),
    path(
        "signals/<id:signal_id>/acknowledge/",
        views.signal_acknowledge,
        name="signal_acknowledge",
    ),
    path("signals/<id:signal_id>/resolve/", views.signal_resolve, name="signal_resolve"),
    path("health/", views.health, name="alliance_health"),
]
