"""Reads for terms: the draft as each party sees it, versions, and what changed between them."""

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, ObserverGrant, Party
from alliance.lib import prepared
from alliance.lib.prepared import Slot
from alliance.terms.models import Category, Consent, Decision, Term, TermStatus, Version

DRAFT_STATUSES = (TermStatus.ACTIVE, TermStatus.WITHDRAWN)
COMPARED_FIELDS = ("category", "text", "note")


def draft_terms_queryset(alliance_ids: Iterable[int] | None = None) -> QuerySet[Term]:
    """Terms in a draft with their consents, ready for `Draft` (two queries in all). The
    consents are a plain list on each term (`draft_consents`), not a queryset for each:
    a page lists fifty terms and reads each list once."""
    terms = Term.objects.filter(status__in=DRAFT_STATUSES).prefetch_related(
        Prefetch(
            "consents",
            queryset=Consent.objects.order_by("decided_at", "id"),
            to_attr="draft_consents",
        )
    )
    if alliance_ids is not None:
        terms = terms.filter(alliance_id__in=list(alliance_ids))
    return terms.order_by("created_at", "id")


def term_as_dict(term: Term) -> dict[str, Any]:
    return {"id": term.pk, "category": term.category, "text": term.text, "note": term.note}


@dataclass
class DraftItem:
    term: Term
    change: str  # "new", "changed", "unchanged" or "removal"
    consents: dict[int, Consent]
    before: dict[str, Any] | None = None

    @property
    def is_removal(self) -> bool:
        return self.change == "removal"

    def consent_of(self, party: Party) -> Consent | None:
        return self.consents.get(party.pk)

    def answers(self, parties: Sequence[Party]) -> list[tuple[Party, Consent | None]]:
        return [(p, self.consents.get(p.pk)) for p in parties]

    def agreed_by(self, parties: Sequence[Party]) -> list[Party]:
        return [p for p in parties if self.agrees(p)]

    def waiting_on(self, parties: Sequence[Party]) -> list[Party]:
        return [p for p in parties if not self.agrees(p)]

    def change_requests(self) -> list[Consent]:
        return [c for c in self.consents.values() if c.decision == Decision.CHANGE]

    def agrees(self, party: Party) -> bool:
        consent = self.consents.get(party.pk)
        return consent is not None and consent.decision == Decision.AGREE

    @property
    def text_diff(self) -> list[tuple[str, str]]:
        if self.before is None:
            return []
        return word_diff(self.before["text"], self.term.text)


@dataclass
class Draft:
    """The terms under discussion, compared with the ratified version they would replace."""

    alliance: Alliance
    parties: list[Party]
    items: list[DraftItem]
    version: Version | None
    blockers: list[str] = field(default_factory=list)

    @property
    def active_items(self) -> list[DraftItem]:
        return [item for item in self.items if not item.is_removal]

    @property
    def has_changes(self) -> bool:
        """Whether ratifying would make a new version: other terms, or other signatories."""
        if self.version is None:
            return bool(self.active_items)
        signed = {s["party_id"] for s in self.version.snapshot["signatures"]}
        return any(item.change != "unchanged" for item in self.items) or signed != {
            p.pk for p in self.parties
        }

    @property
    def is_ready(self) -> bool:
        return not self.blockers

    @property
    def next_number(self) -> int:
        return (self.version.number if self.version else 0) + 1

    def awaiting_consent_from(self, party: Party) -> list[DraftItem]:
        """Items on which `party` has said nothing yet (an open change request is an answer)."""
        return [item for item in self.items if item.consent_of(party) is None]

    def parties_not_agreed(self) -> list[Party]:
        return [p for p in self.parties if not all(item.agrees(p) for item in self.items)]


def draft_build(*, alliance: Alliance, parties: Sequence[Party], terms: Iterable[Term]) -> Draft:
    """Assemble the draft from already loaded parties and terms (no queries of its own
    beyond `alliance.current_version`, which callers select_related)."""
    version = alliance.current_version
    ratified = {t["id"]: t for t in version.snapshot["terms"]} if version else {}
    items = []
    for term in terms:
        before = ratified.get(term.pk)
        if term.status == TermStatus.WITHDRAWN:
            change = "removal"
        elif before is None:
            change = "new"
        elif any(before[f] != getattr(term, f) for f in COMPARED_FIELDS):
            change = "changed"
        else:
            change = "unchanged"
        consents = {c.party_id: c for c in term.draft_consents}  # type: ignore[attr-defined]
        items.append(DraftItem(term=term, change=change, consents=consents, before=before))
    draft = Draft(alliance=alliance, parties=list(parties), items=items, version=version)
    draft.blockers = _blockers(draft)
    return draft


def _blockers(draft: Draft) -> list[str]:
    reasons = []
    if len(draft.parties) < 2:
        reasons.append(_("An alliance needs at least two parties: invite the other person first."))
    if not draft.active_items:
        reasons.append(_("There are no terms yet: propose the first one."))
    elif not draft.has_changes:
        number = draft.version.number if draft.version else 0
        reasons.append(_("Nothing has changed since version %(number)d.") % {"number": number})
    for party in draft.parties:
        waiting = [item for item in draft.items if not item.agrees(party)]
        if waiting:
            count = len(waiting)
            reasons.append(
                ngettext(
                    "%(name)s has not agreed to %(count)d term yet.",
                    "%(name)s has not agreed to %(count)d terms yet.",
                    count,
                )
                % {"name": party.user.name, "count": count}
            )
    return reasons


def draft_for(alliance: Alliance) -> Draft:
    parties = list(alliance.parties.select_related("user"))
    terms = draft_terms_queryset([alliance.pk])
    return draft_build(alliance=alliance, parties=parties, terms=terms)


def draft_item(alliance: Alliance, term_id: int) -> DraftItem | None:
    """One term of the draft as the draft shows it (new, changed, to be removed)."""
    return next((item for item in draft_for(alliance).items if item.term.pk == term_id), None)


def term_for(party: Party, term_id: int) -> Term:
    """A term of the party's alliance, in whatever state; 404 for any other alliance's."""
    term = Term.objects.filter(pk=term_id, alliance_id=party.alliance_id).first()
    if term is None:
        raise Http404("No such term.")
    return term


def term_in_force(alliance: Alliance, term_id: int) -> bool:
    """Whether the term is part of the version in force: withdrawing it then removes it
    only once everyone ratifies the next version."""
    version = alliance.current_version
    return version is not None and any(t["id"] == term_id for t in version.snapshot["terms"])


def version_list(alliance: Alliance) -> QuerySet[Version]:
    return alliance.versions.select_related("ratified_by__user").order_by("-number")


def version_get(alliance: Alliance, number: int) -> Version | None:
    return alliance.versions.select_related("ratified_by__user").filter(number=number).first()


def signed_by(version: Version, party: Party) -> bool:
    return any(s["party_id"] == party.pk for s in version.snapshot.get("signatures", []))


def version_for_reader(party: Party, number: int, *, signed_only: bool) -> Version:
    """Version `number`, if `party` may read it (with `signed_only`, someone who left: only
    a version they signed); 404 otherwise."""
    version = version_get(party.alliance, number)
    if version is None or (signed_only and not signed_by(version, party)):
        raise Http404("No such version.")
    return version


def versions_visible_check(party: Party) -> None:
    """Observers read the versions only while every designing party allows it: 404 to
    one they do not (as to an outsider)."""
    # Imported here: alliances.selectors builds its pages from this module.
    from alliance.alliances.selectors import observer_may_see

    if not observer_may_see(party, ObserverGrant.VERSIONS):
        raise Http404("No such alliance.")


def versions_signed_only(party: Party) -> bool:
    """Whether `party` reads only the versions they signed: someone who left, and an
    observer the parties show no versions to who signed some before (they left and came
    back as an observer). Any other observer gets 404."""
    from alliance.alliances.selectors import observer_may_see

    if party.left_at is not None:
        return True
    if observer_may_see(party, ObserverGrant.VERSIONS):
        return False
    if signed_versions_for(party):
        return True
    raise Http404("No such alliance.")


def versions_for_reader(party: Party, *, signed_only: bool) -> list[Version]:
    """The versions `party` may read, newest first (with `signed_only`, those they signed)."""
    return signed_versions_for(party) if signed_only else list(version_list(party.alliance))


def former_signer_for(*, user: User, alliance_id: int) -> Party:
    """The user's party row in an alliance they left, when they signed one of its versions
    at least; 404 otherwise. What they may open with it: the versions they signed, and
    nothing else of the alliance."""
    if not user.is_authenticated:
        raise Http404
    party = (
        Party.everyone.select_related("alliance", "user")
        .filter(alliance_id=alliance_id, user=user, left_at__isnull=False)
        .first()
    )
    if party is None or not signed_versions_for(party):
        raise Http404("No such alliance.")
    return party


def signed_versions_for(party: Party) -> list[Version]:
    """The versions of `party`'s alliance that bear their signature, newest first: none
    ratified after they left can. Versions are few per alliance, so they are read whole
    and sorted out here, the same way on every database."""
    return [v for v in version_list(party.alliance) if signed_by(v, party)]


@dataclass
class LeftAlliance:
    """An alliance the person left, with the versions they signed in it."""

    party: Party
    versions: list[Version]


def left_alliances_for(user: User) -> list[LeftAlliance]:
    """The alliances `user` left in which they signed something, most recently left first,
    each with the versions they may still open (for the dashboard's "alliances you left").
    Most people never left one: for them a prepared query answers (`alliance.lib.prepared`),
    on every visit of their dashboard."""
    if not prepared.run(("left a party",), _parties_left, {"user": user.pk}, limit=1):
        return []
    parties = (
        Party.everyone.filter(user=user, left_at__isnull=False)
        .select_related("alliance")
        .prefetch_related(
            Prefetch("alliance__versions", queryset=Version.objects.order_by("-number"))
        )
        .order_by("-left_at", "-pk")
    )
    found = []
    for party in parties:
        versions = [v for v in party.alliance.versions.all() if signed_by(v, party)]
        if versions:
            found.append(LeftAlliance(party=party, versions=versions))
    return found


def _parties_left() -> QuerySet[Any]:
    return Party.everyone.filter(
        user_id=Slot("user", models.BigIntegerField()), left_at__isnull=False
    ).values_list("pk")


@dataclass
class TermChange:
    kind: str  # "added", "removed" or "changed"
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def category_label(self) -> str:
        term = self.after or self.before or {}
        return str(Category(term["category"]).label)

    @property
    def text_diff(self) -> list[tuple[str, str]]:
        if self.before is None or self.after is None:
            return []
        return word_diff(self.before["text"], self.after["text"])


def terms_diff(
    before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]
) -> list[TermChange]:
    """What changed between two lists of terms, matched by term identity."""
    old = {t["id"]: t for t in before}
    new = {t["id"]: t for t in after}
    changes = [TermChange("removed", t, None) for tid, t in old.items() if tid not in new]
    for tid, term in new.items():
        if tid not in old:
            changes.append(TermChange("added", None, term))
        elif any(old[tid][f] != term[f] for f in COMPARED_FIELDS):
            changes.append(TermChange("changed", old[tid], term))
    return changes


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """The words of `after` marked against `before`: ("same"|"added"|"removed", text)."""
    a, b = before.split(), after.split()
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("same", " ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(("removed", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(("added", " ".join(b[j1:j2])))
    return segments


def snapshot_terms_by_category(snapshot: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """A version's terms grouped under their category labels, in the categories' order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for term in snapshot["terms"]:
        groups.setdefault(term["category"], []).append(term)
    return [(str(c.label), groups[c.value]) for c in Category if c.value in groups]


def consent_awaited_from_party() -> Exists:
    """For a query over parties: a term in the party's draft awaits their answer (the SQL
    twin of `Draft.awaiting_consent_from`)."""
    answered = Consent.objects.filter(term_id=OuterRef("pk"), party_id=OuterRef(OuterRef("pk")))
    return Exists(
        Term.objects.filter(alliance_id=OuterRef("alliance_id"), status__in=DRAFT_STATUSES).filter(
            ~Exists(answered)
        )
    )


def draft_terms() -> QuerySet[Term]:
    """Every term in a draft (proposed, or proposed to be changed or removed)."""
    return Term.objects.filter(status__in=DRAFT_STATUSES).order_by()


def alliance_ids_awaiting_consent(alliance_ids: Iterable[int], *, now: datetime) -> list[int]:
    """Those of `alliance_ids` whose draft, unchanged for the nudge delay, waits on a
    current party's word (a draft term without their consent: NOT EXISTS) who is due a
    nudge about it now."""
    from alliance.outbox.nudges import nudge_delay, nudged_lately

    draft = Term.objects.filter(status__in=DRAFT_STATUSES)
    unanswered = draft.filter(alliance_id=OuterRef("alliance_id")).filter(
        ~Exists(Consent.objects.filter(term_id=OuterRef("pk"), party_id=OuterRef(OuterRef("pk"))))
    )
    last_change = (
        draft.filter(alliance_id=OuterRef("alliance_id"))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    waited_for = (
        Party.objects.filter(alliance_id=OuterRef("pk"))
        .annotate(last_change=Subquery(last_change))
        .filter(Exists(unanswered))
        .exclude(
            nudged_lately(
                "terms",
                object_id=OuterRef("alliance_id"),
                user_id=OuterRef("user_id"),
                now=now,
                since=OuterRef("last_change"),
            )
        )
    )
    alliances = (
        Alliance.objects.filter(pk__in=list(alliance_ids))
        .filter(Exists(waited_for))
        .exclude(
            Exists(draft.filter(alliance_id=OuterRef("pk"), updated_at__gt=now - nudge_delay()))
        )
    )
    return list(alliances.values_list("pk", flat=True))
