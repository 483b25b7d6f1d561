"""Writes for terms: propose, edit, withdraw, consent, ratify.

Every function takes the acting `party` and locks its alliance row first, so changes to
one alliance's draft happen one after another and ratification sees a settled draft.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from alliance.alliances.models import Alliance, EventKind, Party
from alliance.alliances.reactions import on_party_return
from alliance.alliances.services import event_record
from alliance.lib.clock import now
from alliance.lib.mail import send_templated
from alliance.outbox.models import EmailKind
from alliance.record.chain import VERSION_SCHEME, name_commitment, new_salt, seal
from alliance.terms.models import Category, Consent, Decision, Term, TermStatus, Version
from alliance.terms.selectors import (
    DRAFT_STATUSES,
    draft_for,
    term_as_dict,
    term_in_force,
)

TEXT_LIMIT = 2000


class EditConflict(Exception):
    """Someone saved the term after the editor opened it. Nothing was written."""

    def __init__(self, current: Term) -> None:
        super().__init__("The term changed while you were editing it.")
        self.current = current


class AlreadyProposed(Exception):
    """The party proposed this very term before and it is still in the draft: a form sent
    twice (a double-click, Back and Propose again). Nothing was written."""

    def __init__(self, term: Term) -> None:
        super().__init__(_("You proposed this term already; it is in the draft once."))
        self.term = term


class NotInDraft(ValidationError):
    """The term was withdrawn or removed: it can no longer be edited or answered."""

    def __init__(self) -> None:
        super().__init__(_("That term is no longer in the draft."))


class ConsentOutdated(ValidationError):
    """The term changed since the party read it: their answer would be to other words.
    Nothing was recorded; `current` is the term as it stands."""

    def __init__(self, current: Term) -> None:
        super().__init__(
            _("This term changed since you read it. Read the new wording, then answer again.")
        )
        self.current = current


class RatificationRefused(ValidationError):
    """The draft cannot become a version now: `reasons` says what blocks it."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(reasons)
        self.reasons = reasons


def _lock_alliance(party: Party) -> Alliance:
    return Alliance.objects.select_for_update().get(pk=party.alliance_id)


def _not_text(value: str) -> bool:
    """Whether `value` holds what no database column takes, though JSON can spell it (a
    form cannot): NUL, or half of a surrogate pair."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _not_text_message() -> str:
    return _("This holds a character that is not text; type it again without it.")


def _clean_term(category: str, text: str, note: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    text = text.strip()
    note = note.strip()
    if category not in Category.values:
        errors["category"] = _("Choose a category for the term.")
    if _not_text(text):
        errors["text"] = _not_text_message()
    elif not text:
        errors["text"] = _("Write the term: what will you both do, or not do?")
    elif len(text) > TEXT_LIMIT:
        errors["text"] = _("Keep a term under %(limit)d characters; split it if it is more.") % {
            "limit": TEXT_LIMIT
        }
    if _not_text(note):
        errors["note"] = _not_text_message()
    elif len(note) > TEXT_LIMIT:
        errors["note"] = _("Keep the note under %(limit)d characters.") % {"limit": TEXT_LIMIT}
    if errors:
        raise ValidationError(errors)
    return category, text, note


def _tell_the_others(alliance: Alliance, party: Party, template: str, **context: Any) -> None:
    """Mail every other designing party (never observers, never the author) about a
    change `party` made to the draft."""
    url = settings.BASE_URL + reverse("alliance_detail", kwargs={"alliance_id": alliance.pk})
    for other in alliance.parties.exclude(pk=party.pk).select_related("user"):
        send_templated(
            EmailKind.TERM_CHANGE,
            template=template,
            to=other.user,
            context={"alliance": alliance, "author": party.user.name, "url": url, **context},
        )


def _draft_term(alliance: Alliance, term_id: int, statuses: Any = DRAFT_STATUSES) -> Term:
    term = Term.objects.filter(pk=term_id, alliance=alliance, status__in=statuses).first()
    if term is None:
        raise NotInDraft
    return term


def _agree(term: Term, party: Party) -> None:
    Consent.objects.update_or_create(
        term=term,
        party=party,
        defaults={"decision": Decision.AGREE, "comment": "", "decided_at": now()},
    )


@transaction.atomic
def term_propose(*, party: Party, category: str, text: str, note: str = "") -> Term:
    """Add a term to the draft. Proposing it counts as the proposer's agreement.

    The same party proposing the same category, text and note while their earlier term
    with those words is still active in the draft is the same proposal sent again:
    refused with AlreadyProposed, which names that term. Another party's identical words,
    the same words with another note, or words proposed again after a withdrawal make a
    new term.
    """
    alliance = _lock_alliance(party)
    category, text, note = _clean_term(category, text, note)
    earlier = Term.objects.filter(
        alliance=alliance,
        proposed_by=party,
        category=category,
        text=text,
        note=note,
        status=TermStatus.ACTIVE,
    ).first()
    if earlier is not None:
        raise AlreadyProposed(earlier)
    term = Term.objects.create(
        alliance=alliance, category=category, text=text, note=note, proposed_by=party
    )
    _agree(term, party)
    event_record(
        alliance=alliance, actor=party.user, kind=EventKind.TERM_PROPOSED, term=term.pk, text=text
    )
    _tell_the_others(alliance, party, "term_proposed", text=text, note=note)
    return term


@transaction.atomic
def term_edit(
    *, party: Party, term_id: int, revision: int, category: str, text: str, note: str = ""
) -> Term:
    """Change a term's wording. Clears everyone's consent but the editor's.

    Raises EditConflict when `revision` is not the term's current one: another party saved
    in the meantime, and the caller shows both texts instead of overwriting.
    """
    alliance = _lock_alliance(party)
    term = _draft_term(alliance, term_id, statuses=[TermStatus.ACTIVE])
    if term.revision != revision:
        raise EditConflict(term)
    category, text, note = _clean_term(category, text, note)
    if (category, text, note) == (term.category, term.text, term.note):
        return term
    before = term.text
    updated = Term.objects.filter(pk=term.pk, revision=revision).update(
        category=category, text=text, note=note, revision=revision + 1, updated_at=now()
    )
    if updated != 1:
        # Another transaction got there between our read and write.
        term.refresh_from_db()
        raise EditConflict(term)
    term.refresh_from_db()
    term.consents.all().delete()
    _agree(term, party)
    event_record(
        alliance=alliance,
        actor=party.user,
        kind=EventKind.TERM_EDITED,
        term=term.pk,
        before=before,
        text=text,
    )
    _tell_the_others(alliance, party, "term_edited", before=before, text=text)
    return term


@transaction.atomic
def term_withdraw(*, party: Party, term_id: int, revision: int) -> Term:
    """Take a term out of the draft.

    A term that is part of the ratified version stays listed as a removal until the next
    version is ratified, so its removal needs everyone's agreement like any other change.
    """
    alliance = _lock_alliance(party)
    term = _draft_term(alliance, term_id, statuses=[TermStatus.ACTIVE])
    if term.revision != revision:
        raise EditConflict(term)
    in_force = term_in_force(alliance, term.pk)
    term.status = TermStatus.WITHDRAWN if in_force else TermStatus.REMOVED
    term.withdrawn_by = party
    term.revision += 1
    term.updated_at = now()
    term.save(update_fields=["status", "withdrawn_by", "revision", "updated_at"])
    term.consents.all().delete()
    if in_force:
        _agree(term, party)
    event_record(
        alliance=alliance,
        actor=party.user,
        kind=EventKind.TERM_WITHDRAWN,
        term=term.pk,
        text=term.text,
    )
    return term


@on_party_return
def consents_forget(party: Party) -> None:
    """A returning party agrees afresh: consent given before they left does not sign
    what is ratified now."""
    Consent.objects.filter(party=party).delete()


@transaction.atomic
def consent_give(
    *, party: Party, term_id: int, revision: int, decision: str, comment: str = ""
) -> Consent:
    """Record `party`'s answer to the term as it stands at `revision`."""
    alliance = _lock_alliance(party)
    term = _draft_term(alliance, term_id)
    if term.revision != revision:
        raise ConsentOutdated(term)
    comment = comment.strip()
    if decision not in Decision.values:
        raise ValidationError(_("Choose whether you agree or ask for a change."))
    if _not_text(comment):
        raise ValidationError({"comment": _not_text_message()})
    if decision == Decision.CHANGE and not comment:
        raise ValidationError(
            {"comment": _("Say what you would change, so the others can act on it.")}
        )
    if len(comment) > TEXT_LIMIT:
        raise ValidationError(
            {"comment": _("Keep the comment under %(limit)d characters.") % {"limit": TEXT_LIMIT}}
        )
    consent, _created = Consent.objects.update_or_create(
        term=term,
        party=party,
        defaults={"decision": decision, "comment": comment, "decided_at": now()},
    )
    event_record(
        alliance=alliance,
        actor=party.user,
        kind=EventKind.AGREED if decision == Decision.AGREE else EventKind.CHANGE_REQUESTED,
        term=term.pk,
        text=term.text,
        comment=comment,
    )
    return consent


@transaction.atomic
def version_ratify(*, party: Party) -> Version:
    """Freeze the fully agreed draft as the next numbered version and tell every party."""
    alliance = _lock_alliance(party)
    draft = draft_for(alliance)
    if draft.blockers:
        raise RatificationRefused(draft.blockers)
    previous = alliance.current_version
    number = draft.next_number
    salts = {p.pk: new_salt() for p in draft.parties}
    terms = []
    for item in draft.active_items:
        entry = term_as_dict(item.term)
        entry["agreements"] = [
            {"party_id": p.pk, "at": item.consents[p.pk].decided_at.isoformat()}
            for p in draft.parties
        ]
        terms.append(entry)
    snapshot = {
        "scheme": VERSION_SCHEME,
        "alliance": {"id": alliance.pk, "title": alliance.title, "kind": alliance.kind},
        "number": number,
        "terms": terms,
        "signatures": [
            {
                "party_id": p.pk,
                "user_id": p.user_id,
                "name_commitment": name_commitment(salts[p.pk], p.user.name),
                "role": p.role_label,
                "agreed_at": max(
                    item.consents[p.pk].decided_at for item in draft.items
                ).isoformat(),
            }
            for p in draft.parties
        ],
    }
    previous_hash = previous.content_hash if previous else ""
    try:
        with transaction.atomic():
            version = Version.objects.create(
                alliance=alliance,
                number=number,
                ratified_by=party,
                snapshot=snapshot,
                previous_hash=previous_hash,
                content_hash=seal(previous_hash, snapshot),
                scheme=VERSION_SCHEME,
                names={
                    str(p.pk): {"name": p.user.name, "salt": salts[p.pk]} for p in draft.parties
                },
            )
    except IntegrityError:
        raise RatificationRefused(
            [_("Version %(number)d was just ratified by someone else.") % {"number": number}]
        ) from None
    Term.objects.filter(alliance=alliance, status=TermStatus.WITHDRAWN).update(
        status=TermStatus.REMOVED
    )
    alliance.current_version = version
    alliance.save(update_fields=["current_version"])
    event_record(alliance=alliance, actor=party.user, kind=EventKind.RATIFIED, number=number)
    for p in draft.parties:
        send_templated(
            "ratified",
            to=p.user,
            context={"alliance": alliance, "version": version, "ratifier": party.user.name},
        )
    return version
