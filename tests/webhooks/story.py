"""A short life of one alliance that makes every webhook event happen at least once, with a
marker word in every text a payload must never carry."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from alliance.accounts.models import User
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Alliance
from alliance.closing import services as closing_services
from alliance.conversations import services as conversation_services
from alliance.lib.clock import now
from alliance.tending import services as tending_services
from alliance.terms import services as term_services
from alliance.webhooks.models import EventType
from tests.conversations.factories import first_prompt, plant, share
from tests.factories import (
    close_with,
    join,
    make_alliance,
    make_user,
    party_of,
    propose,
    ratify_with,
)

# Words found only in texts people wrote: none may appear in any payload.
PRIVATE = {
    "term": "saltmarrow",
    "edit": "quillfern",
    "reflection": "velvetgorse",
    "signal": "ironbloom",
    "resolution": "mistlecairn",
    "title": "Larkspurhollow",
    "name": "Ottoline",
    "email": "ottoline@example.org",
}


@dataclass
class Story:
    alliance: Alliance
    ana: User
    ben: User


def every_event(ana: User | None = None) -> Story:
    """Ana's alliance with Ben, through every event type. Returns at once if an endpoint
    of Ana's was added before: its deliveries are queued along the way."""
    ana = ana or make_user(PRIVATE["name"], PRIVATE["email"])
    ben = make_user("Ben")
    alliance = make_alliance(ana, title=f"Coaching {PRIVATE['title']}")
    coach = party_of(alliance, ana)
    join(alliance, ben)  # party.joined
    client = party_of(alliance, ben)
    cleo = make_user("Cleo")
    alliance_services.party_leave(party=join(alliance, cleo))  # party.joined, party.left

    term = propose(coach, f"We meet on Tuesdays, {PRIVATE['term']}.")  # term.proposed
    term_services.term_edit(  # term.changed
        party=coach,
        term_id=term.pk,
        revision=term.revision,
        category=term.category,
        text=f"We meet on Tuesdays at nine, {PRIVATE['edit']}.",
    )
    extra = propose(client, "We write every Friday.")
    term_services.term_withdraw(party=client, term_id=extra.pk, revision=extra.revision)
    ratify_with([coach, client])  # consent.given, version.ratified

    stake = plant(coach)  # a time that suits both schedules it: conversation.scheduled
    conversation_services.stake_answer(
        party=client, stake_id=stake.pk, works=[stake.candidates.first().pk]
    )
    gone = plant(client)
    conversation_services.stake_cancel(party=client, stake_id=gone.pk)  # conversation.cancelled
    prompt = first_prompt(stake)
    share(coach, stake, prompt, f"I hope it feels calm, {PRIVATE['reflection']}.")
    share(client, stake, prompt, "I hope it feels honest.")  # reveal.happened

    starts = (now() + timedelta(days=10)).date()
    tending_services.rhythm_set(
        party=coach, starts_on=starts, at_time=time(10), rule="FREQ=WEEKLY;INTERVAL=6"
    )
    due = datetime.combine(starts, time(10), tzinfo=UTC) - timedelta(days=2)
    tending_services.checkin_reminders_due(due)  # checkin.due (Ana's own reminder)
    checkin = tending_services.checkin_start(party=coach)
    ratings = {t["id"]: ("well", "") for t in checkin.version.snapshot["terms"]}
    for party in (coach, client):  # checkin.completed
        tending_services.checkin_answer(party=party, checkin_id=checkin.pk, ratings=ratings)

    signal = tending_services.signal_raise(party=client, note=f"We drift, {PRIVATE['signal']}.")
    tending_services.signal_acknowledge(party=coach, signal_id=signal.pk)
    tending_services.signal_resolve(
        party=coach, signal_id=signal.pk, resolution=f"Thursdays, {PRIVATE['resolution']}."
    )
    alliance.refresh_from_db()
    alliance_services.alliance_details_change(  # alliance.renamed
        party=coach,
        revision=alliance.revision,
        title=f"Coaching {PRIVATE['title']} again",
        purpose=alliance.purpose,
    )
    close_with(coach, client)  # alliance.closed
    proposal = closing_services.reopening_propose(party=coach)
    for party in (coach, client):  # alliance.reopened
        closing_services.proposal_agree(party=party, proposal_id=proposal.pk)
    return Story(alliance=alliance, ana=ana, ben=ben)


ALL_EVENTS = sorted(EventType.values)
