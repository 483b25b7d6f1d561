from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance.lib.clock import now
from alliance.lib.dates import BoundedDateTimeField

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

    from alliance.tending.models import CheckIn, Rhythm, Signal


class Kind(models.TextChoices):
    COACHING = "coaching", _("Coaching")
    MANAGER_REPORT = "manager_report", _("Manager and report")
    COFOUNDERS = "cofounders", _("Co-founders")
    CONSULTING = "consulting", _("Consulting")
    MENTORING = "mentoring", _("Mentoring")
    COUPLE = "couple", _("Couple")
    FAMILY = "family", _("Family")
    FRIENDSHIP = "friendship", _("Friendship")
    TEAM = "team", _("Team")
    OTHER = "other", _("Other")


# Role labels offered (never imposed) for each kind of alliance, creator's first.
ROLE_SUGGESTIONS: dict[str, list[str]] = {
    Kind.COACHING: ["coach", "client"],
    Kind.MANAGER_REPORT: ["manager", "report"],
    Kind.COFOUNDERS: ["co-founder"],
    Kind.CONSULTING: ["consultant", "client"],
    Kind.MENTORING: ["mentor", "mentee"],
    Kind.COUPLE: ["partner"],
    Kind.FAMILY: ["parent", "child", "sibling"],
    Kind.FRIENDSHIP: ["friend"],
    Kind.TEAM: ["team lead", "team member"],
    Kind.OTHER: ["party"],
}

# Role labels offered for an observer, whatever the kind of alliance.
OBSERVER_ROLE_SUGGESTIONS = ["sponsor", "HR partner", "parent"]


class Alliance(models.Model):
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    purpose = models.CharField(
        max_length=300, help_text=_("One sentence on what this relationship is for.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    current_version = models.OneToOneField(
        "terms.Version",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The latest ratified version, the one the parties live by."),
    )
    closed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When every party agreed to close it; a closed alliance is read-only."),
    )
    revision = models.PositiveIntegerField(
        default=1,
        help_text=_(
            "Goes up with every change of title or purpose, so that an edit made against an "
            "older one is noticed instead of overwriting it."
        ),
    )

    # Reverse relations from later stages, spelled out for the type checker, which does
    # not always see across apps.
    rhythm: "Rhythm"
    checkins: "RelatedManager[CheckIn]"
    signals: "RelatedManager[Signal]"

    def __str__(self) -> str:
        return self.title


class AllianceStamp(models.Model):
    """A random number drawn afresh by the database whenever a row of the alliance that
    its card on a dashboard shows is written (`alliance.lib.stamps`): the card is kept
    under it. Written by triggers only; an alliance nothing was written to since the
    triggers came has none."""

    alliance_id = models.BigIntegerField(primary_key=True)
    stamp = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.alliance_id}: {self.stamp}"


class DesigningPartyManager(models.Manager["Party"]):
    """Parties who design the alliance: present, and not observers. The default, so
    `alliance.parties` and everything that counts who must consent, share, rate or be
    nudged leaves out people who left and observers, without having to remember them;
    the past of people who left (terms they proposed, versions they signed) still points
    at their row."""

    def get_queryset(self) -> models.QuerySet["Party"]:
        return super().get_queryset().filter(left_at__isnull=True, is_observer=False)


class PresentPartyManager(models.Manager["Party"]):
    """Everyone in the alliance now, observers included: who may open it at all."""

    def get_queryset(self) -> models.QuerySet["Party"]:
        return super().get_queryset().filter(left_at__isnull=True)


class Party(models.Model):
    """A person in an alliance, with the role they hold in it."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="parties")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="parties"
    )
    role_label = models.CharField(max_length=40)
    joined_at = models.DateTimeField(default=now)
    left_at = models.DateTimeField(null=True, blank=True)
    is_observer = models.BooleanField(
        default=False,
        help_text=_(
            "An observer (a sponsor, an HR partner) never consents and is never waited for; "
            "they see only what the other parties allow."
        ),
    )
    is_lead = models.BooleanField(
        default=False, help_text=_("A lead may change settings that apply to the whole team.")
    )

    objects = DesigningPartyManager()
    present = PresentPartyManager()
    everyone = models.Manager()  # noqa: DJ012 (a manager, not a field)

    class Meta:
        verbose_name_plural = "parties"
        base_manager_name = "everyone"
        ordering = ["joined_at", "id"]
        # Nudges look for alliances someone joined lately.
        indexes = [models.Index(fields=["joined_at"], name="party_joined_at")]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "user"], name="one_party_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user.name} ({self.role_label})"


class Invitation(models.Model):
    """A single-use, expiring link that makes its holder a party. Only its hash is kept."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(blank=True, help_text=_("Empty when the link is shared by hand."))
    role_label = models.CharField(max_length=40, blank=True)
    as_observer = models.BooleanField(
        default=False, help_text=_("Whoever accepts joins as an observer.")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)
    expires_at = BoundedDateTimeField()
    sent_count = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Invitation to {self.alliance} for {self.email or 'a shared link'}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now()

    @property
    def addressee(self) -> str:
        return self.email or gettext("someone with the link")


class ObserverGrant(models.TextChoices):
    """What observers may see beyond who is in the alliance and when they meet. A grant
    is in effect only while every designing party agrees to it."""

    VERSIONS = "versions", _("the ratified versions")
    HEALTH = "health", _("a health summary: per check-in, how many terms work well")


class ObserverAllowance(models.Model):
    """One designing party's agreement that observers see one grant. Withdrawing deletes
    the row; the history keeps both the agreement and its withdrawal."""

    alliance = models.ForeignKey(
        Alliance, on_delete=models.CASCADE, related_name="observer_allowances"
    )
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="observer_allowances")
    grant = models.CharField(max_length=16, choices=ObserverGrant.choices)
    agreed_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party", "grant"], name="one_allowance_per_grant")
        ]

    def __str__(self) -> str:
        return f"{self.party} allows observers {self.grant}"


class EventKind(models.TextChoices):
    CREATED = "created", _("created the alliance")
    INVITED = "invited", _("invited")
    INVITATION_RESENT = "invitation_resent", _("sent the invitation again to")
    INVITATION_REVOKED = "invitation_revoked", _("revoked the invitation for")
    JOINED = "joined", _("joined")
    JOINED_AS_OBSERVER = "joined_as_observer", _("joined to observe")
    LEFT = "left", _("left the alliance")
    TERM_PROPOSED = "term_proposed", _("proposed a term")
    TERM_EDITED = "term_edited", _("edited a term")
    TERM_WITHDRAWN = "term_withdrawn", _("withdrew a term")
    AGREED = "agreed", _("agreed to a term")
    CHANGE_REQUESTED = "change_requested", _("asked for a change to a term")
    RATIFIED = "ratified", _("ratified version")
    RENAMED = "renamed", _("renamed the alliance")
    PURPOSE_CHANGED = "purpose_changed", _("changed the purpose of the alliance")
    ROLE_CHANGED = "role_changed", _("changed their role")
    LEAD_ADDED = "lead_added", _("made someone a lead")
    LEAD_REMOVED = "lead_removed", _("removed someone as a lead")
    ERASED = "erased", _("erased their account")


# How each kind of event reads in a history line ("Ana <verb> ..."). Other apps add their
# own kinds here from their AppConfig.ready(), so new kinds need no migration of Event.
# The labels stay lazy: each line is read in the language of the page that shows it.
EVENT_VERBS: dict[str, str | Promise] = {str(kind.value): kind.label for kind in EventKind}


def allowance_event_kind(grant: str, *, agreed: bool) -> str:
    return f"observers_{'allowed' if agreed else 'withdrawn'}_{grant}"


for _grant in ObserverGrant:
    EVENT_VERBS[allowance_event_kind(_grant.value, agreed=True)] = format_lazy(
        "{} {}", _("agreed that observers may see"), _grant.label
    )
    EVENT_VERBS[allowance_event_kind(_grant.value, agreed=False)] = format_lazy(
        "{} {}", _("withdrew their agreement that observers see"), _grant.label
    )

# Kinds whose line says more than a verb and a detail or two (a rename names the old and
# the new title): their template writes the whole line after the actor's name.
EVENT_LINE_TEMPLATES: dict[str, str] = {
    str(kind.value): "alliances/_event_line.html"
    for kind in (
        EventKind.RENAMED,
        EventKind.PURPOSE_CHANGED,
        EventKind.ROLE_CHANGED,
        EventKind.LEAD_ADDED,
        EventKind.LEAD_REMOVED,
    )
}


class AppendOnlyError(Exception):
    pass


class Event(models.Model):
    """One line of an alliance's history. Written once, never changed or deleted."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=32)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now, db_index=True)
    # The line's place in its alliance's history, and its link in the hash chain
    # (`alliance.record.chain`): changing or removing any line breaks every later one.
    position = models.PositiveIntegerField()
    previous_hash = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=64)
    # Names the line shows (whom an invitation was for, who was made a lead), kept beside
    # the seal rather than in it, so that erasing a person can replace them.
    personal = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "position"], name="event_position_once")
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.verb}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("History events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("History events are never deleted.")

    @property
    def details(self) -> dict[str, Any]:
        """What the line shows: its sealed data and the names kept beside it. The names may
        be changed (erasure replaces them), so they never stand in for what was sealed."""
        return {**self.personal, **self.data}

    @property
    def verb(self) -> str:
        return str(EVENT_VERBS.get(self.kind, self.kind.replace("_", " ")))

    @property
    def line_template(self) -> str | None:
        return EVENT_LINE_TEMPLATES.get(self.kind)
