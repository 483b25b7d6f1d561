from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliance.alliances.models import Alliance, Party
from alliance.lib.clock import now
from alliance.lib.dates import BoundedDateField, BoundedDateTimeField
from alliance.terms.models import Version


class TendingEvent(models.TextChoices):
    """History kinds of this app; their labels are the verbs of a history line."""

    RHYTHM_SET = "rhythm_set", _("set the check-in rhythm")
    CHECKIN_STARTED = "checkin_started", _("started a check-in")
    CHECKIN_COMPLETED = "checkin_completed", _("completed the check-in")
    CHECKIN_KEPT = "checkin_kept", _("kept the alliance as it is after the check-in")
    CHECKIN_LAPSED = "checkin_lapsed", _("left last of those who rated a check-in, so it closed")
    REDESIGN_STARTED = "redesign_started", _("started a redesign after the check-in")
    SIGNAL_RAISED = "signal_raised", _("raised a tending signal")
    SIGNAL_ACKNOWLEDGED = "signal_acknowledged", _("acknowledged a tending signal")
    SIGNAL_RESOLVED = "signal_resolved", _("resolved a tending signal")
    SIGNAL_POLICY = "signal_policy", _("changed who may signal without a name")


class Rhythm(models.Model):
    """When an alliance checks in: a local time of day in the setter's time zone, a first
    date and an RFC 5545 RRULE (empty: no repetition). `next_at` is the next check-in as
    a UTC instant, kept in step by the services so lists and reminders can query it."""

    alliance = models.OneToOneField(Alliance, on_delete=models.CASCADE, related_name="rhythm")
    starts_on = BoundedDateField(help_text=_("Local date of the first check-in of the series."))
    at_time = models.TimeField(help_text=_("Local time of day of every check-in."))
    time_zone = models.CharField(max_length=64)
    rule = models.CharField(max_length=200, blank=True, help_text=_("RRULE, without 'RRULE:'."))
    next_at = BoundedDateTimeField(null=True, blank=True, db_index=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"Rhythm of {self.alliance}"


class Score(models.TextChoices):
    WELL = "well", _("Working well")
    OKAY = "okay", _("Okay")
    TENDING = "tending", _("Needs tending")


class Outcome(models.TextChoices):
    KEPT = "kept", _("Kept as it is")
    REDESIGN = "redesign", _("Redesign")


class CheckIn(models.Model):
    """A review of one ratified version. Open until a party records the outcome.

    It is fixed to the parties who were there: complete once every party then in the
    alliance rated (two at least), it waits on nobody who joins later; its reflections,
    revealed once every one of those raters still there shared, stay revealed to exactly
    them (`revealed_to`), whoever joins or leaves since.
    """

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="checkins")
    version = models.ForeignKey(Version, on_delete=models.PROTECT, related_name="+")
    due_at = BoundedDateTimeField(
        null=True, blank=True, help_text=_("The scheduled check-in this one answers, if any.")
    )
    opened_at = models.DateTimeField(default=now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the last party finished rating every term.")
    )
    reflections_revealed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the last party shared their reflection.")
    )
    revealed_to = models.ManyToManyField(
        Party,
        blank=True,
        related_name="+",
        help_text=_("The parties whose shared reflections were revealed to each other."),
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        # Nudges look for check-ins opened lately.
        indexes = [models.Index(fields=["opened_at"], name="checkin_opened_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance"], condition=Q(closed_at__isnull=True), name="one_open_checkin"
            )
        ]

    def __str__(self) -> str:
        return f"Check-in of {self.alliance} on {self.opened_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Rating(models.Model):
    """One party's rating of one term (by its id in the version's snapshot)."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="ratings")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    term_id = models.PositiveBigIntegerField()
    score = models.CharField(max_length=10, choices=Score.choices)
    comment = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkin", "party", "term_id"], name="one_rating_per_term"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_score_display()} for term {self.term_id}"


class CheckInReflection(models.Model):
    """A party's overall reflection at a check-in: private to its author until shared,
    and shown to the others only once every party has shared."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="reflections")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=5000, blank=True)
    shared_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkin", "party"], name="one_reflection_per_party")
        ]

    def __str__(self) -> str:
        # Never the text: it may be private to its author.
        return f"Reflection {self.pk} at {self.checkin}"


class SignalState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Signal(models.Model):
    """A party's flag that the alliance, or one term, needs attention.

    An anonymous signal keeps no trace of who raised it: `raised_by` stays empty.
    """

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="signals")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    anonymous = models.BooleanField(default=False)
    term_id = models.PositiveBigIntegerField(null=True, blank=True)
    term_text = models.TextField(blank=True, help_text=_("The term as it read when signalled."))
    note = models.TextField(max_length=2000)
    state = models.CharField(max_length=12, choices=SignalState.choices, default="open")
    raised_at = models.DateTimeField(default=now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.TextField(max_length=2000, blank=True)
    resolved_version = models.ForeignKey(
        Version, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["alliance", "state"])]

    def __str__(self) -> str:
        return f"Tending signal in {self.alliance}"

    @property
    def raiser_name(self) -> str:
        if self.anonymous or self.raised_by is None:
            return gettext("Someone")
        return self.raised_by.name


class SignalPolicy(models.Model):
    """Per-alliance signal settings; only team alliances may allow signals without a name."""

    alliance = models.OneToOneField(
        Alliance, on_delete=models.CASCADE, related_name="signal_policy"
    )
    allow_anonymous = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Signal policy of {self.alliance}"


class ReminderKind(models.TextChoices):
    BEFORE = "before", _("Some days before")
    DAY_OF = "day_of", _("On the day")


class ReminderSent(models.Model):
    """A check-in reminder that went out; the constraint makes each one go out once."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_at = BoundedDateTimeField()
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "user", "due_at", "kind"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for {self.due_at:%Y-%m-%d %H:%M} UTC"


class CalendarFeed(models.Model):
    """A person's private calendar feed. Only the hash of its secret URL token is kept."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
