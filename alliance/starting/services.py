"""Writes for templates: save an alliance as one, start an alliance from one, import,
rename, delete.

Starting an alliance goes through the services of every stage it touches (alliances,
terms, conversations, tending), so the new alliance is one its parties could have built
by hand, history included.
"""

import json
import re
from datetime import date, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from alliance.accounts.models import User
from alliance.accounts.reactions import on_account_erased
from alliance.alliances.models import Alliance, Party
from alliance.alliances.services import alliance_create, event_record
from alliance.conversations import services as conversation_services
from alliance.conversations.library import PROMPTS_BY_KEY, groundwork_for
from alliance.conversations.models import AlliancePrompt, Stake, StakeKind
from alliance.lib.clock import now
from alliance.lib.dates import zone_or_utc
from alliance.starting.content import (
    FILE_SIZE_LIMIT,
    MAX_ROLES,
    NAME_LIMIT,
    Role,
    TemplateContent,
    TemplatePrompt,
    TemplateTerm,
    content_as_file,
    content_fields,
    content_from_data,
    rhythm_is_offered,
)
from alliance.starting.models import AllianceStart, StartingEvent, Template
from alliance.tending import services as tending_services
from alliance.tending.models import Rhythm
from alliance.tending.rhythms import rule_fields
from alliance.terms import services as term_services
from alliance.terms.models import Term, TermStatus

# When a template's rhythm begins: the first check-in one interval after the start, at a
# time of day most people can make; the parties change both on the rhythm page.
CHECKIN_TIME = time(10, 0)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if "\x00" in name:
        raise ValidationError(
            {"name": _("The name holds a NUL character; type it again without it.")}
        )
    if not name:
        raise ValidationError({"name": _("Give the template a name.")})
    if len(name) > NAME_LIMIT:
        raise ValidationError(
            {"name": _("Keep the name to %(limit)d characters.") % {"limit": NAME_LIMIT}}
        )
    return name


# Saving --------------------------------------------------------------------------------


def _terms_to_keep(alliance: Alliance) -> tuple[TemplateTerm, ...]:
    """The draft's terms; when the draft holds none, the terms of the version in force."""
    draft = Term.objects.filter(alliance=alliance, status=TermStatus.ACTIVE).order_by(
        "created_at", "id"
    )
    terms = tuple(TemplateTerm(t.category, t.text) for t in draft)
    if terms or alliance.current_version is None:
        return terms
    return tuple(
        TemplateTerm(t["category"], t["text"]) for t in alliance.current_version.snapshot["terms"]
    )


def _groundwork_to_keep(party: Party) -> str:
    """The opening of the alliance's latest design conversation, when it is more than the
    default for its kind (which any new alliance gets anyway)."""
    stake = (
        Stake.objects.filter(alliance_id=party.alliance_id, kind=StakeKind.DESIGN)
        .order_by("-created_at", "-id")
        .first()
    )
    if stake is None:
        start = AllianceStart.objects.filter(alliance_id=party.alliance_id).first()
        return start.groundwork if start else ""
    alliance = party.alliance
    defaults = {
        groundwork_for(alliance_kind=alliance.kind, stake_kind=StakeKind.DESIGN, role=p.role_label)
        for p in alliance.parties.all()
    }
    return "" if stake.groundwork in defaults else stake.groundwork


class _NameRemover:
    """Puts each person's role in place of their name, so that a template made from an
    alliance carries no names even where someone wrote one into a term ("Ben sends the
    agenda") or into the purpose. Everyone who was ever a party counts, and so does each
    part of a full name: "Ben Okafor" writes "Ben" in a term."""

    def __init__(self, alliance: Alliance) -> None:
        people = Party.everyone.filter(alliance=alliance).select_related("user")
        names = {p.user.name: p.role_label for p in people if p.user.name.strip()}
        for name, role in list(names.items()):
            for part in name.split():
                if len(part) > 1 and part[0].isalpha():
                    names.setdefault(part, role)
        # Longer names first, so "Ana Lucia" goes before "Ana".
        self.roles = dict(sorted(names.items(), key=lambda item: -len(item[0])))
        self.pattern = (
            re.compile(r"\b(" + "|".join(re.escape(n) for n in self.roles) + r")\b")
            if self.roles
            else None
        )

    def __call__(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda match: self.roles[match.group(1)], text)


@transaction.atomic
def template_save(*, party: Party, name: str) -> Template:
    """Save `party`'s alliance as a template of their own: its terms, its own prompts and
    the built-in ones it left out, its groundwork and rhythm, the roles it uses.

    Nothing anyone wrote about themselves comes along: no reflections, ratings, comments
    or notes; and no names of people, the parties' names in texts turned into their roles."""
    name = _clean_name(name)
    alliance = party.alliance
    prompts = AlliancePrompt.objects.filter(alliance=alliance).order_by("position", "id")
    rhythm = Rhythm.objects.filter(alliance=alliance).first()
    roles = dict.fromkeys(
        (p.role_label, p.is_observer) for p in Party.present.filter(alliance=alliance)
    )
    unnamed = _NameRemover(alliance)
    content = TemplateContent(
        name=name,
        kind=alliance.kind,
        purpose=unnamed(alliance.purpose),
        # Roles are only suggestions: a large team's first few are enough.
        roles=tuple(Role(label, observer) for label, observer in roles)[:MAX_ROLES],
        terms=tuple(
            TemplateTerm(t.category, unnamed(str(t.text))) for t in _terms_to_keep(alliance)
        ),
        prompts=tuple(
            TemplatePrompt(p.theme, p.category, unnamed(p.text))
            for p in prompts
            if not p.builtin_key and not p.hidden
        ),
        hidden_prompts=tuple(
            p.builtin_key for p in prompts if p.builtin_key in PROMPTS_BY_KEY and p.hidden
        ),
        groundwork=unnamed(_groundwork_to_keep(party)),
        rhythm=rhythm.rule if rhythm and rhythm_is_offered(rhythm.rule) else "",
    )
    # Read back as an imported file would be: what is saved can always be exported and
    # imported again, and an alliance beyond a template's limits is refused, not cut.
    checked = content_from_data(content_as_file(content))
    return Template.objects.create(owner=party.user, **content_fields(checked))


# Starting ------------------------------------------------------------------------------


def _first_checkin_day(rule: str, user: User) -> date:
    today = now().astimezone(zone_or_utc(user.time_zone)).date()
    fields = rule_fields(rule)
    if fields.get("repeat") == "weeks":
        return today + timedelta(weeks=int(fields["interval"]))  # type: ignore[call-overload]
    # A monthly rule: rhythm_set moves it to the first matching day from tomorrow on.
    return today + timedelta(days=1)


@transaction.atomic
def alliance_start(
    *,
    user: User,
    template: TemplateContent,
    title: str,
    kind: str,
    purpose: str,
    role_label: str,
) -> Alliance:
    """Create an alliance from `template`, all or nothing: the template's terms are
    proposed by the creator (so everyone else still has to agree to each), its own prompts
    added and the built-ins it leaves out hidden, its groundwork opens the design
    conversation, and its rhythm is set."""
    alliance = alliance_create(
        user=user, title=title, kind=kind, purpose=purpose, role_label=role_label
    )
    party = Party.objects.select_related("alliance", "user").get(alliance=alliance, user=user)
    event_record(
        alliance=alliance,
        actor=user,
        kind=StartingEvent.STARTED_FROM_TEMPLATE,
        text=str(template.name),
    )
    AllianceStart.objects.create(
        alliance=alliance, template_name=str(template.name), groundwork=str(template.groundwork)
    )
    for term in template.terms:
        try:
            term_services.term_propose(party=party, category=term.category, text=str(term.text))
        except term_services.AlreadyProposed:
            continue  # the same term twice in one template is one proposal
    if template.prompts or template.hidden_prompts:
        conversation_services.prompts_ensure(alliance)
        AlliancePrompt.objects.filter(
            alliance=alliance, builtin_key__in=template.hidden_prompts
        ).update(hidden=True)
        for prompt in template.prompts:
            conversation_services.prompt_add(
                party=party, theme=prompt.theme, text=str(prompt.text), category=prompt.category
            )
    if template.rhythm:
        tending_services.rhythm_set(
            party=party,
            starts_on=_first_checkin_day(template.rhythm, user),
            at_time=CHECKIN_TIME,
            rule=template.rhythm,
        )
    return alliance


@conversation_services.groundwork_source
def groundwork_of_the_start(party: Party, stake_kind: str) -> str:
    """The template's groundwork, for the design conversations the creator proposes: it
    is written in the voice of whoever starts the alliance."""
    if stake_kind != StakeKind.DESIGN or party.user_id != party.alliance.created_by_id:
        return ""
    start = AllianceStart.objects.filter(alliance_id=party.alliance_id).first()
    return start.groundwork if start else ""


# Own templates -------------------------------------------------------------------------


def template_import(*, user: User, raw: bytes) -> Template:
    """A template of `user`'s own from an uploaded file (see `content` for its format).
    Refused whole, with what is wrong named, when the file is not exactly that."""
    if len(raw) > FILE_SIZE_LIMIT:
        raise ValidationError(
            _("The file is larger than %(limit)d KB; a template file is much smaller.")
            % {"limit": FILE_SIZE_LIMIT // 1024}
        )
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not text in UTF-8.")) from None
    except json.JSONDecodeError as error:
        raise ValidationError(
            _("The file is not valid JSON (line %(line)d, column %(column)d: %(problem)s).")
            % {"line": error.lineno, "column": error.colno, "problem": error.msg}
        ) from None
    except RecursionError:
        raise ValidationError(
            _("The file’s lists and objects are nested too deeply for a template.")
        ) from None
    content = content_from_data(data)
    return Template.objects.create(owner=user, **content_fields(content))


def template_rename(*, template: Template, name: str) -> Template:
    template.name = _clean_name(name)
    template.save(update_fields=["name"])
    return template


def template_delete(*, template: Template) -> None:
    template.delete()


@on_account_erased
def templates_of_erased_delete(user: User) -> None:
    """A person's own templates were never anyone else's: they go with the account."""
    Template.objects.filter(owner=user).delete()
