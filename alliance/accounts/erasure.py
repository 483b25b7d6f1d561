"""Erasing an account: what was the person's alone is deleted, what others must keep stays
under a stable pseudonym, and every chain of the record still verifies.

What others keep: the versions the person signed, what they shared or was revealed, their
ratings and signals, and every line of history. Their name lives beside what was sealed
(`Version.names`, `Event.personal`), never inside it, so replacing it breaks no hash.
Versions sealed under scheme 1 hold the names inside the sealed snapshot: those stored
names cannot change without breaking the chain, so the person's entry in `Version.names`
only overrides what is shown; the sealed snapshot still holds the name.

The account stays as a tombstone, because the history's lines point at their actor:
no address, no name, no password, signed out everywhere.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.db.models import Max, Model, ProtectedError, QuerySet

from alliance.accounts.models import (
    AccessToken,
    InvitationSignup,
    User,
    pseudonym,
    stored_pseudonym,
)
from alliance.accounts.reactions import account_erased
from alliance.alliances.models import Alliance, Event, EventKind, Invitation, Party
from alliance.alliances.services import event_record, party_leave
from alliance.lib.clock import now
from alliance.lib.mail import send_templated
from alliance.outbox.models import EmailKind
from alliance.record.chain import SCHEME_NAMES_IN_SNAPSHOT
from alliance.record.triggers import record_purge
from alliance.terms.models import Version

# History lines whose `personal` name is the person a lead line is about (`data.party`).
LEAD_KINDS = (EventKind.LEAD_ADDED, EventKind.LEAD_REMOVED)


class AlreadyErased(Exception):
    """The account was erased before: there is nothing of the person left to erase."""


@dataclass
class Erasure:
    """What erasing one account did, for the page, the command and its `--json`."""

    pseudonym_number: int
    pseudonym: str
    former_email: str
    kept: list[str] = field(default_factory=list)  # titles of the alliances others keep
    deleted: list[str] = field(default_factory=list)  # titles of alliances only they had
    told: int = 0  # how many of the others were emailed

    def as_dict(self) -> dict[str, Any]:
        return {
            "pseudonym_number": self.pseudonym_number,
            "pseudonym": self.pseudonym,
            "former_email": self.former_email,
            "alliances_kept": self.kept,
            "alliances_deleted": self.deleted,
            "people_told": self.told,
        }


def addresses_of(user: User) -> set[str]:
    """Every address the person had, lowercased: the account's and allauth's."""
    emails = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    return {email.lower() for email in {user.email, *emails}}


@transaction.atomic
def account_erase(user: User) -> Erasure:
    """Erase `user`'s account, in one transaction (nothing changes if any step fails).

    In each alliance only they were ever in, everything goes. In every other one they
    leave (an open alliance through `party_leave`, which settles what waited on them; a
    closed one, which nobody designing it may leave, by a line of the `erased` kind
    alone), their name is replaced by their pseudonym beside every seal, and the people
    still there are told. Each stage then deletes what was theirs alone
    (`alliance.accounts.reactions`). Raises AlreadyErased for an erased account."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.erased_at is not None:
        raise AlreadyErased
    former_name = user.name
    addresses = addresses_of(user)
    # The pseudonym stamps every alliance of the person (alliance.lib.stamps), which locks
    # their stamps: lock the alliances first, in order, as every service does before it
    # writes in one, so that no write in one of them waits on us while we wait on it.
    theirs = Party.everyone.filter(user=user).values("alliance_id")
    list(Alliance.objects.select_for_update().filter(pk__in=theirs).order_by("pk"))
    number = _pseudonym_take(user)
    erasure = Erasure(number, stored_pseudonym(number), former_email=user.email)
    parties = list(
        Party.everyone.filter(user=user).select_related("alliance").order_by("alliance_id")
    )
    kept: list[Party] = []
    for party in parties:
        alliance = Alliance.objects.select_for_update().get(pk=party.alliance_id)
        if not Party.everyone.filter(alliance=alliance).exclude(user=user).exists():
            erasure.deleted.append(alliance.title)
            _alliance_delete(alliance)
            continue
        erasure.kept.append(alliance.title)
        kept.append(party)
        if party.left_at is None:
            _leave(party, alliance)
        event_record(alliance=alliance, actor=user, kind=EventKind.ERASED)
    party_ids = [party.pk for party in kept]
    alliance_ids = [party.alliance_id for party in kept]
    _names_replace(party_ids, alliance_ids, erasure.pseudonym)
    _history_names_replace(party_ids, alliance_ids, addresses, former_name, erasure.pseudonym)
    account_erased(user)
    Invitation.objects.filter(
        email__in=addresses, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now())
    for address in addresses:
        Invitation.objects.filter(email__iexact=address).update(email="")
    EmailAddress.objects.filter(user=user).delete()
    InvitationSignup.objects.filter(user=user).delete()
    # No script acts for the person any more, and the tokens' names were theirs alone.
    AccessToken.objects.filter(user=user).delete()
    _sessions_end(user)
    _tombstone(user, number)
    for party in kept:
        erasure.told += _others_tell(party, former_name, number)
    return erasure


def _alliance_delete(alliance: Alliance) -> None:
    """Delete an alliance nobody else must keep, with everything in it."""
    with record_purge():
        Alliance.objects.filter(pk=alliance.pk).update(current_version=None)
        _delete_protected_first(Alliance.objects.filter(pk=alliance.pk), alliance.pk)


def _delete_protected_first(rows: "QuerySet[Any]", alliance_id: int) -> None:
    """Delete `rows`, and first what the database protects them by (a term protects the
    party who proposed it), as long as that is of the same alliance: nothing of anyone
    else's alliance is ever deleted to make way."""
    for _attempt in range(20):
        try:
            with transaction.atomic():
                rows.delete()
        except ProtectedError as error:
            blocking: dict[type[Model], list[int]] = defaultdict(list)
            for row in error.protected_objects:
                if getattr(row, "alliance_id", None) != alliance_id:
                    raise
                blocking[type(row)].append(row.pk)
            for model, pks in blocking.items():
                _delete_protected_first(model._base_manager.filter(pk__in=pks), alliance_id)
        else:
            return
    raise ProtectedError("The alliance's rows protect one another in a cycle.", set())


def _pseudonym_take(user: User) -> int:
    """The next free pseudonym number, given to `user`. The unique column decides a race:
    a number another erasure took first is taken again, one higher."""
    for _attempt in range(10):
        taken = User.objects.aggregate(last=Max("pseudonym_number"))["last"] or 0
        try:
            with transaction.atomic():
                User.objects.filter(pk=user.pk).update(pseudonym_number=taken + 1)
        except IntegrityError:
            continue
        return taken + 1
    raise IntegrityError("Too many accounts are being erased at once to number this one.")


def _leave(party: Party, alliance: Alliance) -> None:
    if alliance.closed_at is None or party.is_observer:
        party_leave(party=party)
        return
    # A closed alliance keeps its designing parties as they were when it closed; erasing
    # takes the person out of it all the same, without the settling of an open one.
    Party.everyone.filter(pk=party.pk).update(left_at=now(), is_lead=False)


def _names_replace(party_ids: list[int], alliance_ids: list[int], name: str) -> None:
    """Every version entry of the person's names them by their pseudonym, without the salt
    that would let anyone test a guess of their name against the sealed commitment."""
    erased = {"name": name, "erased": True}
    for version in Version.objects.filter(alliance_id__in=alliance_ids).only(
        "pk", "scheme", "snapshot", "names"
    ):
        keys = {str(party_id) for party_id in party_ids}
        if version.scheme == SCHEME_NAMES_IN_SNAPSHOT:
            signers = {str(entry["party_id"]) for entry in _named_entries(version.snapshot)}
            keys &= signers
        else:
            keys &= set(version.names)
        if keys:
            names = {**version.names, **dict.fromkeys(keys, erased)}
            Version.objects.filter(pk=version.pk).update(names=names)


def _named_entries(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    agreements = [a for term in snapshot.get("terms", []) for a in term.get("agreements", [])]
    return [*snapshot.get("signatures", []), *agreements]


def _history_names_replace(
    party_ids: list[int],
    alliance_ids: list[int],
    addresses: set[str],
    former_name: str,
    name: str,
) -> None:
    """Lines that show the person's name or address beside the seal show the pseudonym:
    invitations addressed to them and lead lines about them."""
    events = Event.objects.filter(alliance_id__in=alliance_ids).exclude(personal={})
    for event in events.only("pk", "kind", "data", "personal"):
        personal = dict(event.personal)
        addressee = personal.get("addressee")
        if isinstance(addressee, str) and (
            addressee.lower() in addresses or addressee == former_name
        ):
            personal["addressee"] = name
        if event.kind in LEAD_KINDS and event.data.get("party") in party_ids:
            personal["name"] = name
        if personal != event.personal:
            Event.objects.filter(pk=event.pk).update(personal=personal)


def _sessions_end(user: User) -> None:
    """Sign the person out on every device. The unusable password would refuse their
    sessions anyway; deleting them leaves nothing of theirs behind."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()


def _tombstone(user: User, number: int) -> None:
    user.email = f"erased-{number}@invalid"
    user.display_name = ""
    user.time_zone = "UTC"
    user.declined_time_zone = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.erased_at = now()
    user.pseudonym_number = number
    user.set_unusable_password()
    user.save(
        update_fields=[
            "email",
            "display_name",
            "time_zone",
            "declined_time_zone",
            "is_active",
            "is_staff",
            "is_superuser",
            "erased_at",
            "pseudonym_number",
            "password",
        ]
    )
    user.groups.clear()
    user.user_permissions.clear()


def _others_tell(party: Party, former_name: str, number: int) -> int:
    """Tell everyone still in the alliance, observers too, how they see the person now."""
    alliance = party.alliance
    others = Party.present.filter(alliance=alliance).exclude(user_id=party.user_id)
    told = 0
    for other in others.select_related("user"):
        send_templated(
            EmailKind.PARTY_ERASED,
            to=other.user,
            context={
                "former_name": former_name,
                "pseudonym": pseudonym(number),
                "alliance": alliance,
            },
        )
        told += 1
    return told
