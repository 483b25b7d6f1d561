from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.alliances.models import Alliance, Kind
from alliance.lib.clock import now
from alliance.starting.content import (
    GROUNDWORK_LIMIT,
    NAME_LIMIT,
    PURPOSE_LIMIT,
    RULE_LIMIT,
    Role,
    TemplateContent,
    TemplatePrompt,
    TemplateTerm,
)


class StartingEvent(models.TextChoices):
    STARTED_FROM_TEMPLATE = "started_from_template", _("started the alliance from the template")


class Template(models.Model):
    """A person's own template. Its lists are kept as the file format keeps them
    (`content.content_fields`): a template is read and written whole, never queried by
    its parts."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alliance_templates"
    )
    name = models.CharField(max_length=NAME_LIMIT)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    purpose = models.CharField(max_length=PURPOSE_LIMIT, blank=True)
    roles = models.JSONField(default=list, blank=True)
    terms = models.JSONField(default=list, blank=True)
    prompts = models.JSONField(default=list, blank=True)
    hidden_prompts = models.JSONField(default=list, blank=True)
    groundwork = models.TextField(max_length=GROUNDWORK_LIMIT, blank=True)
    rhythm = models.CharField(max_length=RULE_LIMIT, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner", "name"], name="template_owner_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        return str(self.pk)

    def content(self) -> TemplateContent:
        return TemplateContent(
            key=self.key,
            name=self.name,
            kind=self.kind,
            purpose=self.purpose,
            roles=tuple(Role(r["label"], r["observer"]) for r in self.roles),
            terms=tuple(TemplateTerm(t["category"], t["text"]) for t in self.terms),
            prompts=tuple(
                TemplatePrompt(p["theme"], p["category"], p["text"]) for p in self.prompts
            ),
            hidden_prompts=tuple(self.hidden_prompts),
            groundwork=self.groundwork,
            rhythm=self.rhythm,
        )


class AllianceStart(models.Model):
    """What an alliance was started from: the template's name, and its groundwork, which
    opens the alliance's design conversations in place of the default for its kind."""

    alliance = models.OneToOneField(Alliance, on_delete=models.CASCADE, related_name="start")
    template_name = models.CharField(max_length=NAME_LIMIT)
    groundwork = models.TextField(max_length=GROUNDWORK_LIMIT, blank=True)

    def __str__(self) -> str:
        return f"{self.alliance} from {self.template_name}"
