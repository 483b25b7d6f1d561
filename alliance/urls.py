from django.contrib import admin
from django.urls import include, path

from alliance.accounts.views import profile
from alliance.alliances.views import invitation_accept
from alliance.core.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("profile/", profile, name="profile"),
    path("", include("alliance.outbox.urls")),
    path("alliances/", include("alliance.alliances.urls")),
    path("alliances/<int:alliance_id>/", include("alliance.terms.urls")),
    path("alliances/<int:alliance_id>/", include("alliance.conversations.urls")),
    path("feedback/", include("alliance.feedback.urls")),
    path("invitations/<str:token>/", invitation_accept, name="invitation_accept"),
    path("admin/", admin.site.urls),
]
