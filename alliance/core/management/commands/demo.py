from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from alliance.accounts.models import User
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Kind, Party
from alliance.terms import services as term_services
from alliance.terms.models import Category, Decision
from alliance.terms.selectors import draft_for

COACH_EMAIL = "coach@demo.alliance.test"
CLIENT_EMAIL = "client@demo.alliance.test"

TERMS = [
    (Category.RHYTHM, "We meet every second Tuesday, 9:00 to 10:00, by video.", ""),
    (
        Category.COMMUNICATION,
        "Between sessions I write by email; I can expect an answer within two working days.",
        "Urgent things go by phone.",
    ),
    (
        Category.TIME,
        "We both keep the session free of other work: no phones, no notifications.",
        "",
    ),
    (
        Category.CONFLICT,
        "When something in a session does not sit right, I say so in the moment or at the "
        "start of the next one.",
        "",
    ),
    (
        Category.BOUNDARIES,
        "What I share in sessions stays between us, unless someone's safety is at risk.",
        "",
    ),
    (Category.VALUES, "Candour with care: we tell each other the truth, kindly.", ""),
]


class Command(BaseCommand):
    help = (
        "Create a demo alliance: a coach and a client with a ratified version 1 and a "
        "pending change in the draft. Prints how to log in as each of them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default="alliance-demo",
            help="Password for both demo accounts (default: alliance-demo).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if User.objects.filter(email__in=[COACH_EMAIL, CLIENT_EMAIL]).exists():
            raise CommandError(
                f"The demo exists already: log in as {COACH_EMAIL} or {CLIENT_EMAIL}."
            )
        with transaction.atomic():
            coach = self._person(COACH_EMAIL, "Maya Okafor", "Europe/London", password)
            client = self._person(CLIENT_EMAIL, "Jonas Berg", "Europe/Berlin", password)
            alliance = alliance_services.alliance_create(
                user=coach,
                title="Coaching: Maya and Jonas",
                kind=Kind.COACHING,
                purpose="Jonas grows into leading his first team, with less firefighting.",
                role_label="coach",
            )
            coach_party = Party.objects.select_related("alliance", "user").get(user=coach)
            _, token = alliance_services.invitation_create(party=coach_party, role_label="client")
            client_party = alliance_services.invitation_accept(
                raw_token=token, user=client, role_label="client"
            )
            terms = [
                term_services.term_propose(party=coach_party, category=c, text=t, note=n)
                for c, t, n in TERMS
            ]
            for term in terms:
                term_services.consent_give(
                    party=client_party, term_id=term.pk, revision=1, decision=Decision.AGREE
                )
            term_services.version_ratify(party=client_party)
            rhythm = terms[0]
            term_services.term_edit(
                party=client_party,
                term_id=rhythm.pk,
                revision=rhythm.revision,
                category=rhythm.category,
                text="We meet every second Tuesday, 8:00 to 9:00, by video.",
                note="My team's stand-up moved to 9:15.",
            )
        draft = draft_for(alliance)
        self.stdout.write(self.style.SUCCESS(f"Demo alliance “{alliance.title}” is ready."))
        self.stdout.write(
            f"Version 1 is ratified; {len(draft.awaiting_consent_from(coach_party))} change "
            "waits for the coach's consent."
        )
        self.stdout.write(f"  Coach:  {COACH_EMAIL}  password: {password}")
        self.stdout.write(f"  Client: {CLIENT_EMAIL}  password: {password}")

    def _person(self, email: str, name: str, zone: str, password: str) -> User:
        user = User.objects.create_user(email, password, display_name=name, time_zone=zone)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user
