from django.urls import path

from alliance.webhooks import views

urlpatterns = [
    path("profile/webhooks/", views.webhook_list, name="webhook_list"),
    path("profile/webhooks/<id:endpoint_id>/", views.webhook_detail, name="webhook_detail"),
    path("profile/webhooks/<id:endpoint_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path(
        "alliances/<id:alliance_id>/webhooks/",
        views.alliance_webhooks,
        name="alliance_webhooks",
    ),
]
