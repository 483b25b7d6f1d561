"""Django's and allauth's sign-in backends, unchanged but for one thing: the signed-in
person is read, on every request, with a prepared query (`alliance.lib.prepared`).
Building and compiling Django's query for them cost a page more than running it.
"""

from typing import Any

from allauth.account import auth_backends as allauth
from django.contrib.auth import backends as django
from django.db import DEFAULT_DB_ALIAS, models, router
from django.db.models import QuerySet

from alliance.accounts.models import User
from alliance.lib import prepared
from alliance.lib.prepared import Slot

_COLUMNS = [field.attname for field in User._meta.concrete_fields]


def _user_row() -> QuerySet[Any]:
    return User.objects.filter(pk=Slot("user", models.BigIntegerField())).values_list(*_COLUMNS)


class _SignedInByPreparedQuery(django.ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        using = router.db_for_read(User) or DEFAULT_DB_ALIAS
        rows = prepared.run(("signed-in user",), _user_row, {"user": user_id}, using=using)
        if not rows:
            return None
        user = User.from_db(using, _COLUMNS, rows[0])
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_SignedInByPreparedQuery, django.ModelBackend):
    pass


class AuthenticationBackend(_SignedInByPreparedQuery, allauth.AuthenticationBackend):
    pass


# Where these backends were before: a session signed in then names the old path, and
# is read as naming the new one (alliance.accounts.sessions), so nobody is signed out.
FORMER_PATHS = {
    "django.contrib.auth.backends.ModelBackend": "alliance.accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": (
        "alliance.accounts.backends.AuthenticationBackend"
    ),
}
