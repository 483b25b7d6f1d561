"""Sessions kept in the database as Django keeps them, read with a prepared query.

Every signed-in request reads its session, and building and compiling Django's query for
it cost the request more than running it (`alliance.lib.prepared`). Writing, expiring and
clearing sessions (`clearsessions`) are Django's own, unchanged.
"""

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import models, router
from django.db.models import QuerySet

from alliance.lib import prepared
from alliance.lib.prepared import Moment, Slot


def _unexpired_session() -> QuerySet[Any]:
    return Session.objects.filter(
        session_key=Slot("key", models.CharField()), expire_date__gt=Moment()
    ).values_list("session_data", "expire_date")


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        rows = prepared.run(
            ("session",),
            _unexpired_session,
            {"key": self.session_key},
            using=router.db_for_read(Session),
        )
        if not rows:
            # As Django's: an unknown or expired key is forgotten, and a new one made
            # when the session is saved.
            self._session_key = None
            return None
        [(data, expire_date)] = rows
        return Session(session_key=self.session_key, session_data=data, expire_date=expire_date)
