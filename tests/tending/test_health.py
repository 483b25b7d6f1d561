"""The health page: ratings, signals and versions on one time line, as SVG."""

from datetime import timedelta

from alliance.tending import services
from tests.conftest import login
from tests.tending.conftest import term_ids


def test_health_shows_ratings_signals_and_versions_with_text_escaped(ratified, clock):
    services.signal_raise(party=ratified.client_party, note="<script>alert(1)</script>")
    clock.shift(timedelta(days=10))
    checkin = services.checkin_start(party=ratified.coach_party)
    ids = term_ids(ratified)
    for party, scores in (
        (ratified.coach_party, ["well", "tending"]),
        (ratified.client_party, ["well", "tending"]),
    ):
        services.checkin_answer(
            party=party,
            checkin_id=checkin.pk,
            ratings={i: (s, "") for i, s in zip(ids, scores, strict=True)},
        )
    page = login(ratified.client).get(f"/alliances/{ratified.alliance.pk}/health/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="rating well"') == 1
    assert html.count('class="rating tending"') == 1
    assert html.count('class="signal-mark"') == 1
    assert ">v1<" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    # Without the picture, the same ratings read as a table.
    assert "<td>I answer emails within two working days.</td><td>2 needs tending</td>" in html


def test_an_open_check_in_shows_on_the_chart_only_after_the_reader_rated(ratified, clock):
    checkin = services.checkin_start(party=ratified.coach_party)
    ids = term_ids(ratified)
    services.checkin_answer(
        party=ratified.client_party,
        checkin_id=checkin.pk,
        ratings={i: ("tending", "") for i in ids},
    )
    url = f"/alliances/{ratified.alliance.pk}/health/"
    ana = login(ratified.coach)
    assert "needs tending</td>" not in ana.get(url).content.decode()
    assert 'class="rating' not in ana.get(url).content.decode()
    assert "needs tending</td>" in login(ratified.client).get(url).content.decode()
    services.checkin_answer(
        party=ratified.coach_party,
        checkin_id=checkin.pk,
        ratings={i: ("well", "") for i in ids},
    )
    assert "1 needs tending</td>" in ana.get(url).content.decode()
