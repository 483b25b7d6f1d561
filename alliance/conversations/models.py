import uuid
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.alliances.models import Alliance, AppendOnlyError, Party
from alliance.lib.clock import now
from alliance.lib.dates import BoundedDateTimeField
from alliance.terms.models import Category, Term


class ConversationEvent(models.TextChoices):
    STAKE_PLANTED = "stake_planted", _("proposed a conversation")
    TIMES_ANSWERED = "times_answered", _("answered the proposed times")
    TIMES_COUNTERED = "times_countered", _("declined the proposed times and proposed others")
    STAKE_SCHEDULED = "stake_scheduled", _("scheduled a conversation")
    STAKE_RESCHEDULED = "stake_rescheduled", _("moved a conversation")
    STAKE_CANCELLED = "stake_cancelled", _("cancelled a conversation")
    REFLECTION_SHARED = "reflection_shared", _("shared a reflection on")
    REFLECTION_SKIPPED = "reflection_skipped", _("skipped the prompt")
    REFLECTION_REVISED = "reflection_revised", _("revised a shared reflection on")
    PROMPT_REVEALED = "prompt_revealed", _("revealed the reflections on")
    PROMPT_ADDED = "prompt_added", _("added a prompt")


def new_stake_uid() -> str:
    return f"stake-{uuid.uuid4()}@alliance"


class StakeKind(models.TextChoices):
    DESIGN = "design", _("Design conversation")
    CHECKIN = "checkin", _("Check-in")
    REDESIGN = "redesign", _("Redesign conversation")
    CLOSING = "closing", _("Closing conversation")


class StakeState(models.TextChoices):
    PROPOSED = "proposed", _("Finding a time")
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Stake(models.Model):
    """A conversation planted in the calendar: proposed with candidate times, then scheduled.

    `uid` and `sequence` are what calendar programs use to recognise the same event across
    updates: the uid never changes, the sequence rises with every change sent.
    """

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="stakes")
    kind = models.CharField(max_length=10, choices=StakeKind.choices, default=StakeKind.DESIGN)
    proposed_by = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    proposer_time_zone = models.CharField(max_length=64, default="UTC")
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    location = models.CharField(max_length=300, blank=True)
    note = models.TextField(max_length=2000, blank=True)
    groundwork = models.TextField(max_length=4000)
    groundwork_revision = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=10, choices=StakeState.choices, default="proposed")
    starts_at = BoundedDateTimeField(null=True, blank=True)
    uid = models.CharField(max_length=80, unique=True, default=new_stake_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now)
    includes_observers = models.BooleanField(
        default=False,
        help_text=_(
            "The alliance's observers are invited too: they get the calendar entry, "
            "never the prompts, groundwork or reflections, and nobody waits for them."
        ),
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.alliance}"


class CandidateTime(models.Model):
    """A time offered for a stake: by whoever planted it, or by a party who declined the
    times offered before and proposed others. The times one person proposed together
    share their `proposed_at`."""

    stake = models.ForeignKey(Stake, on_delete=models.CASCADE, related_name="candidates")
    starts_at = BoundedDateTimeField()
    proposed_by = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["starts_at", "id"]
        # Nudges look for times proposed lately.
        indexes = [models.Index(fields=["proposed_at"], name="candidate_proposed_at")]
        constraints = [
            models.UniqueConstraint(fields=["stake", "starts_at"], name="candidate_once")
        ]

    def __str__(self) -> str:
        return self.starts_at.isoformat()


class TimeAnswer(models.Model):
    """Whether one candidate time works for one party."""

    candidate = models.ForeignKey(CandidateTime, on_delete=models.CASCADE, related_name="answers")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    works = models.BooleanField()
    answered_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "party"], name="one_answer_per_time")
        ]

    def __str__(self) -> str:
        return f"{self.party}: {'yes' if self.works else 'no'}"


class AlliancePrompt(models.Model):
    """A prompt as one alliance uses it: a built-in one (by key) or the parties' own,
    with its place in the order and whether it is hidden."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="prompts")
    builtin_key = models.CharField(max_length=30, blank=True)
    theme = models.CharField(max_length=20)
    category = models.CharField(max_length=20, choices=Category.choices)
    text = models.CharField(max_length=500)
    position = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "builtin_key"],
                condition=~models.Q(builtin_key=""),
                name="builtin_prompt_once",
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_builtin(self) -> bool:
        return bool(self.builtin_key)


class ReflectionState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SHARED = "shared", _("Shared")
    SKIPPED = "skipped", _("Skipped")


class Reflection(models.Model):
    """One party's answer to one prompt in one conversation.

    A draft is visible to its author alone. Sharing commits it; the shared reflections on
    a prompt are revealed to everyone only once every party has shared or skipped.
    """

    stake = models.ForeignKey(Stake, on_delete=models.CASCADE, related_name="reflections")
    prompt = models.ForeignKey(AlliancePrompt, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="reflections")
    text = models.TextField(max_length=5000, blank=True)
    state = models.CharField(
        max_length=10, choices=ReflectionState.choices, default=ReflectionState.DRAFT
    )
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=now)
    shared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Nudges look for reflections shared lately.
        indexes = [models.Index(fields=["shared_at"], name="reflection_shared_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["stake", "prompt", "party"], name="one_reflection_per_prompt"
            )
        ]

    def __str__(self) -> str:
        # Never the text: this string may end up in logs or admin lists.
        return f"Reflection by {self.party_id} on prompt {self.prompt_id} ({self.state})"


class Reveal(models.Model):
    """The moment a prompt's reflections became visible in a conversation, and to whom.

    Made once, when the last of the parties then in the alliance answered, and never
    undone: it is fixed to those parties. Someone who joins later neither reads what was
    revealed before them nor is waited for on it; someone who leaves keeps, for the others,
    what they shared with them.
    """

    stake = models.ForeignKey(Stake, on_delete=models.CASCADE, related_name="reveals")
    prompt = models.ForeignKey(AlliancePrompt, on_delete=models.CASCADE, related_name="+")
    revealed_at = models.DateTimeField(default=now)
    parties = models.ManyToManyField(Party, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stake", "prompt"], name="one_reveal_per_prompt")
        ]

    def __str__(self) -> str:
        return f"Reveal of prompt {self.prompt_id} in conversation {self.stake_id}"


class ReflectionRevision(models.Model):
    """The text a shared reflection had before it was revised. Append-only."""

    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField()
    shared_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["replaced_at", "id"]

    def __str__(self) -> str:
        return f"Earlier text of reflection {self.reflection_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("An earlier text is never changed.")
        super().save(*args, **kwargs)


class TermOrigin(models.Model):
    """Links a term to a reflection it was proposed from. The same words proposed from a
    second reflection link that one to the term too."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="origins")
    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="terms")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["term", "reflection"], name="term_origin_once")
        ]

    def __str__(self) -> str:
        return f"Term {self.term_id} from reflection {self.reflection_id}"
