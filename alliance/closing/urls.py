"""Closing URLs, all under /alliances/<alliance_id>/."""

from django.urls import path

from alliance.closing import views

urlpatterns = [
    path("closing/", views.closing_detail, name="closing_detail"),
    path("closing/propose/", views.closing_propose, name="closing_propose"),
    path("closing/agree/", views.closing_agree, name="closing_agree"),
    path("closing/withdraw/", views.closing_withdraw, name="closing_withdraw"),
]
