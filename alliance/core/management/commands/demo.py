from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from alliance.accounts.models import User
from alliance.alliances import services as alliance_services
from alliance.alliances.models import Kind, Party
from alliance.conversations import services as conversation_services
from alliance.conversations.models import AlliancePrompt, Reflection, Stake, StakeKind
from alliance.lib.clock import now
from alliance.tending import services as tending_services
from alliance.tending.rhythms import rule_build
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


# Built-in prompt key -> (the coach's reflection, the client's), written for the demo.
REFLECTIONS = {
    "feel-1": (
        "I feel at my best with you when the sessions are calm and focused, and when I see "
        "you leave with one thing you want to try.",
        "I enjoy the sessions most when I can think out loud without being judged, and leave "
        "with a clear next step for my team.",
    ),
    "rhythm-2": (
        "I like a steady rhythm: an hour every two weeks, by video, at the same time so it "
        "becomes a habit.",
        "Every two weeks works for me. Mornings are best, before my team's day starts.",
    ),
    "values-2": (
        "What matters most to me is that we are honest: I would rather hear that something "
        "is not helping than find out months later.",
        "I value honest feedback, even when it stings, and I need to know you assume I mean well.",
    ),
}


class Command(BaseCommand):
    help = gettext_noop(
        "Create a demo alliance of a coach and a client, and print how to sign in. It has a "
        "ratified version 1, a change waiting in the draft, a scheduled design conversation "
        "and a planned check-in. Applies migrations first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default="alliance-demo",
            help="Password for both demo accounts (default: alliance-demo).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        call_command("migrate", interactive=False, verbosity=0)
        sign_in = settings.BASE_URL + reverse("account_login")
        if User.objects.filter(email__in=[COACH_EMAIL, CLIENT_EMAIL]).exists():
            raise CommandError(
                _("The demo exists already: sign in at %(url)s as %(coach)s or %(client)s.")
                % {"url": sign_in, "coach": COACH_EMAIL, "client": CLIENT_EMAIL}
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
            _invitation, token = alliance_services.invitation_create(
                party=coach_party, role_label="client"
            )
            client_party = alliance_services.invitation_accept(
                raw_token=token, user=client, role_label="client"
            )
            stake = self._design_conversation(coach_party, client_party)
            terms = [
                term_services.term_propose(party=coach_party, category=c, text=t, note=n)
                for c, t, n in TERMS
            ]
            feedback = Reflection.objects.get(
                stake=stake, party=client_party, prompt__builtin_key="values-2"
            )
            terms.append(
                conversation_services.term_from_reflection(
                    party=coach_party,
                    reflection_id=feedback.pk,
                    category=Category.VALUES,
                    text="We tell each other plainly when something is not working, "
                    "and we assume good intent.",
                )
            )
            for term in terms:
                term_services.consent_give(
                    party=client_party, term_id=term.pk, revision=1, decision=Decision.AGREE
                )
            term_services.version_ratify(party=client_party)
            local_now = now().astimezone(ZoneInfo(coach.time_zone))
            tending_services.rhythm_set(
                party=coach_party,
                starts_on=(local_now + timedelta(weeks=3)).date(),
                at_time=time(9),
                rule=rule_build(repeat="weeks", interval=6),
            )
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
        waiting = len(draft.awaiting_consent_from(coach_party))
        page = settings.BASE_URL + reverse("alliance_detail", kwargs={"alliance_id": alliance.pk})
        self.stdout.write(
            self.style.SUCCESS(_("Demo alliance “%(title)s” is ready.") % {"title": alliance.title})
        )
        self.stdout.write(
            ngettext(
                "Version 1 is ratified; %(count)d change waits for the coach's consent.",
                "Version 1 is ratified; %(count)d changes wait for the coach's consent.",
                waiting,
            )
            % {"count": waiting}
        )
        self.stdout.write(
            _(
                "A design conversation is scheduled with three prompts revealed, and the next "
                "check-in is planned."
            )
        )
        self.stdout.write(_("Sign in at %(url)s as either of them:") % {"url": sign_in})
        for role, email in ((_("Coach:"), COACH_EMAIL), (_("Client:"), CLIENT_EMAIL)):
            self.stdout.write(
                _("  %(role)-7s %(email)s  password: %(password)s")
                % {"role": role, "email": email, "password": password}
            )
        self.stdout.write(_("Their alliance: %(url)s") % {"url": page})
        self.stdout.write(
            _("Start Alliance first if it is not running: alliance serve (or make run).")
        )

    def _design_conversation(self, coach: Party, client: Party) -> Stake:
        """A scheduled design conversation in which both have shared three reflections."""
        tomorrow = (now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        stake = conversation_services.stake_plant(
            party=coach,
            kind=StakeKind.DESIGN,
            times=[tomorrow, tomorrow + timedelta(days=1)],
            duration_minutes=60,
            location="https://video.example.org/maya-jonas",
            note="Please keep this hour free of notifications.",
        )
        conversation_services.stake_answer(
            party=client,
            stake_id=stake.pk,
            works=[stake.candidates.first().pk],  # type: ignore[union-attr]
        )
        for key, words in REFLECTIONS.items():
            prompt = AlliancePrompt.objects.get(alliance_id=coach.alliance_id, builtin_key=key)
            for party, text in zip((coach, client), words, strict=True):
                conversation_services.reflection_share(
                    party=party, stake_id=stake.pk, prompt_id=prompt.pk, text=text, revision=None
                )
        return stake

    def _person(self, email: str, name: str, zone: str, password: str) -> User:
        user = User.objects.create_user(email, password, display_name=name, time_zone=zone)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user
