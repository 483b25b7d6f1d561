"""The health page: ratings, signals and versions on one time line, as SVG."""

import re
import xml.etree.ElementTree as ElementTree
from datetime import timedelta

from alliance.tending import services
from tests.conftest import login
from tests.factories import propose, ratify_with
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
    # Without the picture, the same ratings read as a table, with each person's rating.
    assert (
        "<td>I answer emails within two working days.</td><td>needs tending</td>"
        "<td>Ana: needs tending, Ben: needs tending</td>"
    ) in html


def test_one_needs_tending_beside_one_working_well_shows_as_needs_tending(ratified, clock):
    """The worst rating colours the dot, never the average ("okay"), and the title and the
    table say whose rating is whose."""
    checkin = services.checkin_start(party=ratified.coach_party)
    ids = term_ids(ratified)
    for party, scores in (
        (ratified.coach_party, ["well", "okay"]),
        (ratified.client_party, ["tending", "okay"]),
    ):
        services.checkin_answer(
            party=party,
            checkin_id=checkin.pk,
            ratings={i: (s, "") for i, s in zip(ids, scores, strict=True)},
        )
    html = login(ratified.coach).get(f"/alliances/{ratified.alliance.pk}/health/").content.decode()
    assert html.count('class="rating tending"') == 1
    assert html.count('class="rating okay"') == 1
    assert 'class="rating well"' not in html
    assert "lowest needs tending (Ana: working well, Ben: needs tending)</title>" in html
    assert "<td>needs tending</td><td>Ana: working well, Ben: needs tending</td>" in html
    assert "<td>okay</td><td>Ana: okay, Ben: okay</td>" in html
    # The drawing is well-formed SVG for a parser we did not write, names and all.
    svg = ElementTree.fromstring(re.search(r"<svg class=\"health-chart\".*?</svg>", html, re.S)[0])
    names = svg.findall(".//{http://www.w3.org/1999/xhtml}div")
    assert [n.text for n in names] == [
        "The alliance as a whole",
        "We meet every other Tuesday.",
        "I answer emails within two working days.",
    ]


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
    assert "Ana: working well, Ben: needs tending</td>" in ana.get(url).content.decode()


def test_versions_ratified_close_together_share_one_label(ratified, clock):
    clock.shift(timedelta(hours=3))
    propose(ratified.coach_party, "We keep Fridays free of meetings.")
    ratify_with([ratified.coach_party, ratified.client_party])
    clock.shift(timedelta(days=90))
    propose(ratified.coach_party, "We review this alliance each quarter.")
    ratify_with([ratified.coach_party, ratified.client_party])
    html = login(ratified.client).get(f"/alliances/{ratified.alliance.pk}/health/").content.decode()
    assert html.count('class="version-line"') == 3  # each version keeps its own line
    labels = re.findall(r'<text class="version-label"[^>]*>([^<]*)</text>', html)
    assert labels == ["v1-v2", "v3"]
