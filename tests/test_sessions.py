"""Sessions and the signed-in person read with prepared queries (`alliance.accounts.
sessions`, `alliance.accounts.backends`) behave as Django's: a live session signs its
person in, an expired or unknown one or a deactivated person signs nobody in."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.sessions.models import Session

from alliance.accounts.backends import FORMER_PATHS
from alliance.accounts.models import User
from alliance.accounts.sessions import SessionStore
from alliance.lib.clock import now
from tests.conftest import login
from tests.factories import make_user


def signed_in_as(browser) -> str:  # type: ignore[no-untyped-def]
    page = browser.get("/").content.decode()
    return "dashboard" if 'class="landing"' not in page else "nobody"


def test_a_live_session_signs_its_person_in(db):
    browser = login(make_user("Ana"))
    assert signed_in_as(browser) == "dashboard"


def test_an_expired_session_signs_nobody_in(db):
    browser = login(make_user("Ana"))
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=now() - timedelta(seconds=1))
    assert signed_in_as(browser) == "nobody"


def test_an_unknown_session_key_is_forgotten_and_a_new_one_made(db):
    store = SessionStore("x" * 32)
    assert store.load() == {}
    assert store.session_key is None
    store["seen"] = True
    store.save()
    assert store.session_key is not None
    assert SessionStore(store.session_key).load() == {"seen": True}


def test_a_session_signed_in_through_a_former_backend_path_stays_signed_in(db):
    """Sessions signed in before the backends moved (`alliance.accounts.backends`) name
    Django's or allauth's own path: their people are not signed out."""
    browser = login(make_user("Ana"))
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    for former in FORMER_PATHS:
        session = Session.objects.get(session_key=key)
        data = session.get_decoded()
        data[BACKEND_SESSION_KEY] = former
        Session.objects.filter(session_key=key).update(session_data=SessionStore().encode(data))
        assert signed_in_as(browser) == "dashboard"


def test_a_deactivated_person_is_signed_out(db):
    ana = make_user("Ana")
    browser = login(ana)
    User.objects.filter(pk=ana.pk).update(is_active=False)
    assert signed_in_as(browser) == "nobody"
