from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path, register_converter

from alliance.accounts import views as accounts_views
from alliance.accounts.views import account_erased, profile, profile_erase, time_zone_answer_view
from alliance.alliances.views import invitation_accept, invitation_continue
from alliance.api.api import api, not_found
from alliance.core.views import home
from alliance.lib.converters import IdConverter
from alliance.starting.views import template_save
from alliance.tending.views import calendar_feed, calendar_settings

# Staff sign in to the admin like everyone else, through allauth: the same rate limits and
# lockout (5 failed attempts per account in 5 minutes), the same confirmed address.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

register_converter(IdConverter, "id")

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("profile/", profile, name="profile"),
    path("profile/time-zone/", time_zone_answer_view, name="time_zone_answer"),
    path("", include("alliance.record.urls")),
    path("profile/erase/", profile_erase, name="profile_erase"),
    path("profile/erased/", account_erased, name="account_erased"),
    path("profile/tokens/", accounts_views.access_tokens, name="access_tokens"),
    path("", include("alliance.outbox.urls")),
    path("alliances/", include("alliance.alliances.urls")),
    path("alliances/<id:alliance_id>/", include("alliance.terms.urls")),
    path("alliances/<id:alliance_id>/", include("alliance.conversations.urls")),
    path("feedback/", include("alliance.feedback.urls")),
    path("profile/calendar/", calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
    path("alliances/<id:alliance_id>/", include("alliance.tending.urls")),
    path("alliances/<id:alliance_id>/save-as-template/", template_save, name="template_save"),
    path("templates/", include("alliance.starting.urls")),
    path("alliances/<id:alliance_id>/", include("alliance.closing.urls")),
    path("invitations/continue/", invitation_continue, name="invitation_continue"),
    path("invitations/<str:token>/", invitation_accept, name="invitation_accept"),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", not_found, name="api_not_found"),
    path("admin/", admin.site.urls),
]
