"""Sessions kept in the database as Django keeps them, read with a prepared query.

Every signed-in request reads its session, and building and compiling Django's query for
it cost the request more than running it (`alliance.lib.prepared`). Writing, expiring and
clearing sessions (`clearsessions`) are Django's own, unchanged.

A session signed in before the sign-in backends moved (`alliance.accounts.backends`)
names the old one; it is read as naming the new one, so nobody is signed out.
"""

from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import models, router
from django.db.models import QuerySet

from alliance.accounts.backends import FORMER_PATHS
from alliance.lib import prepared
from alliance.lib.prepared import Moment, Slot


def _unexpired_session() -> QuerySet[Any]:
    return Session.objects.filter(
        session_key=Slot("key", models.CharField()), expire_date__gt=Moment()
    ).values_list("session_data", "expire_date")


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        data: dict[str, Any] = super().load()
        backend = data.get(BACKEND_SESSION_KEY)
        if backend in FORMER_PATHS:
            data[BACKEND_SESSION_KEY] = FORMER_PATHS[backend]
        return data

    def _get_session_from_db(self) -> Session | None:
        key = self.session_key
        if key is not None:
            using = router.db_for_read(Session)
            rows = prepared.run(("session",), _unexpired_session, {"key": key}, using=using)
            if rows:
                [(data, expire_date)] = rows
                return Session(session_key=key, session_data=data, expire_date=expire_date)
        # As Django's: an unknown or expired key is forgotten, and a new one is made when
        # the session is saved.
        self._session_key = None
        return None
