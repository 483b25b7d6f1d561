"""The whole spine as two people live it, through Django's test client."""

from django.core import mail
from django.test import Client

from alliance.terms.models import Term, Version
from tests.helpers import links_in_last_mail, page_text, path_of, sign_up


def test_two_people_design_and_ratify_their_first_version(db):
    ana, ben = Client(), Client()

    # Ana signs up, confirms her email and lands on an empty dashboard.
    sign_up(ana, "ana@example.org", "Ana")
    dashboard = ana.get("/")
    assert "Start your first alliance" in page_text(dashboard)

    # She creates an alliance and invites Ben by email.
    response = ana.post(
        "/alliances/new/",
        {
            "title": "Coaching: Ana and Ben",
            "kind": "coaching",
            "purpose": "Ben grows into his new role.",
            "role_label": "coach",
        },
    )
    alliance_url = response["Location"]
    response = ana.post(
        alliance_url + "invitations/", {"email": "ben@example.org", "role_label": "client"}
    )
    assert "Waiting for ben@example.org to join" in page_text(ana.get("/"))
    invite_link = next(
        link for link in links_in_last_mail("ben@example.org") if "/invitations/" in link
    )

    # Ben opens the link and signs up with the address it was mailed to: no confirmation
    # is asked, he is brought straight back to join.
    welcome = ben.get(path_of(invite_link))
    assert "Ana invites you" in page_text(welcome)
    mails_before = len(mail.outbox)
    sign_up(ben, "ben@example.org", "Ben", next_url=path_of(invite_link))
    assert len(mail.outbox) == mails_before
    join_page = ben.get(path_of(invite_link))
    assert "Join “Coaching: Ana and Ben”" in page_text(join_page)
    response = ben.post(path_of(invite_link), {"role_label": "client"})
    assert response["Location"] == alliance_url
    assert any("Ben joined" in m.subject for m in mail.outbox if "ana@example.org" in m.to)

    # The link is spent.
    assert ben.get(path_of(invite_link)).status_code == 302  # already a party: sent home
    assert Client().get(path_of(invite_link)).status_code == 410

    # Ana proposes two terms; Ben is asked for consent.
    ana.post(
        alliance_url + "terms/new/",
        {"category": "rhythm", "text": "We meet every other Tuesday at 9."},
    )
    ana.post(
        alliance_url + "terms/new/",
        {
            "category": "communication",
            "text": "Between sessions, email; I reply within two working days.",
        },
    )
    assert "2 terms need your consent" in page_text(ben.get("/"))

    # Ben asks for a change on the first, agrees to the second.
    first, second = Term.objects.order_by("pk")
    ben.post(
        alliance_url + f"terms/{first.pk}/consent/",
        {"decision": "change", "comment": "Could we make it 10?", "revision": 1},
    )
    ben.post(alliance_url + f"terms/{second.pk}/consent/", {"decision": "agree", "revision": 1})
    assert "Ben asked for a change" in page_text(ana.get("/"))
    assert "Could we make it 10?" in page_text(ana.get(alliance_url))

    # Ana edits the term; Ben agrees to the new wording.
    ana.post(
        alliance_url + f"terms/{first.pk}/edit/",
        {"category": "rhythm", "text": "We meet every other Tuesday at 10.", "revision": 1},
    )
    ben.post(alliance_url + f"terms/{first.pk}/consent/", {"decision": "agree", "revision": 2})
    assert "Ready to ratify version 1" in page_text(ben.get("/"))

    # Ben ratifies; both get an email; the page shows version 1.
    mail.outbox.clear()
    response = ben.post(alliance_url + "ratify/")
    version = Version.objects.get()
    assert response["Location"] == alliance_url + "versions/1/"
    assert sorted(m.to[0] for m in mail.outbox) == ["ana@example.org", "ben@example.org"]
    page = page_text(ana.get(alliance_url))
    assert "Version 1 in force" in page
    assert "We meet every other Tuesday at 10." in page
    record = page_text(ana.get(alliance_url + "versions/1/"))
    assert version.content_hash in record
    assert "Signed by Ana (coach) Ben (client)" in record

    # The history tells the story.
    history = page_text(ana.get(alliance_url + "history/"))
    for line in [
        "Ana created the alliance",
        "Ana invited ben@example.org",
        "Ben joined as client",
        "Ben asked for a change to a term",
        "Ana edited a term",
        "Ben ratified version 1",
    ]:
        assert line in history
