"""Tending signals: raised at any time, emailed at once, acknowledged, resolved;
anonymous in teams that allow it, with no trace of the raiser anywhere."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from alliance.accounts.models import User
from alliance.alliances.models import Event, Kind
from alliance.tending import services
from alliance.tending.models import Signal
from tests.conftest import login
from tests.factories import join, make_alliance, make_user, party_of
from tests.tending.conftest import term_ids


def test_a_signal_about_a_term_emails_the_others_at_once(ratified):
    mail.outbox.clear()
    signal = services.signal_raise(
        party=ratified.client_party, note="I need replies sooner.", term_id=term_ids(ratified)[1]
    )
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert "Ben" in mail.outbox[0].subject
    assert "I answer emails within two working days." in mail.outbox[0].body
    assert signal.state == "open"
    dashboard = login(ratified.coach).get("/").content.decode()
    assert "I need replies sooner." in dashboard
    assert "Needs tending" in dashboard


def test_a_signal_goes_from_open_to_acknowledged_to_resolved(ratified):
    signal = services.signal_raise(party=ratified.client_party, note="We keep running late.")
    base = f"/alliances/{ratified.alliance.pk}/signals/{signal.pk}"
    ana = login(ratified.coach)
    assert ana.post(f"{base}/acknowledge/").status_code == 302
    ana.post(f"{base}/resolve/", {"resolution": "We start at :05 now.", "version_number": "1"})
    signal.refresh_from_db()
    assert (signal.state, signal.resolution, signal.resolved_version.number) == (
        "resolved",
        "We start at :05 now.",
        1,
    )
    with pytest.raises(ValidationError):
        services.signal_resolve(party=ratified.coach_party, signal_id=signal.pk, resolution="x")
    kinds = list(Event.objects.filter(kind__startswith="signal_").values_list("kind", flat=True))
    assert sorted(kinds) == ["signal_acknowledged", "signal_raised", "signal_resolved"]


def test_only_teams_that_allow_it_take_anonymous_signals(ratified):
    with pytest.raises(ValidationError):
        services.signal_policy_set(party=ratified.coach_party, allow_anonymous=True)
    with pytest.raises(ValidationError):
        services.signal_raise(party=ratified.client_party, note="Hm.", anonymous=True)


def test_an_anonymous_signal_never_reveals_who_raised_it(db):
    lead = make_user("Tess", "tess@example.org")
    member = make_user("Umar", "umar@example.org")
    team = make_alliance(lead, title="Team Blue", kind=Kind.TEAM, role="team lead")
    join(team, member, role="team member")
    services.signal_policy_set(party=party_of(team, lead), allow_anonymous=True)
    mail.outbox.clear()
    response = login(member).post(
        f"/alliances/{team.pk}/signals/", {"note": "Meetings run over.", "anonymous": "on"}
    )
    assert response.status_code == 302
    signal = Signal.objects.get()
    assert signal.raised_by is None
    assert Event.objects.get(kind="signal_raised").actor is None
    # Everyone is told, the raiser too, so the list of recipients names nobody.
    assert sorted(m.to[0] for m in mail.outbox) == ["tess@example.org", "umar@example.org"]
    to_tess = next(m for m in mail.outbox if m.to == ["tess@example.org"])
    assert "Umar" not in to_tess.body + to_tess.subject
    tess = login(lead)
    for url in [
        "/",
        f"/alliances/{team.pk}/",
        f"/alliances/{team.pk}/signals/",
        f"/alliances/{team.pk}/history/",
    ]:
        page = tess.get(url).content.decode()
        assert "Meetings run over." in page, url
        # Umar is named as a party; never next to the signal.
        for around in re.findall(r"(?s).{0,120}Meetings run over\.", page):
            assert "Umar" not in around, url
        assert "Someone" in page, url
    admin = User.objects.create_superuser("root@example.org", "a-long-test-password-9")
    staff = Client()
    staff.force_login(admin)
    for url in ["/admin/tending/signal/", f"/admin/tending/signal/{signal.pk}/change/"]:
        page = staff.get(url)
        assert page.status_code == 200
        assert "Umar" not in page.content.decode()
