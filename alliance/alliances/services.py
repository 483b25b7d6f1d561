"""Writes for alliances, parties and invitations. Every change that matters is an Event."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance.accounts.models import User
from alliance.alliances.models import (
    Alliance,
    Event,
    EventKind,
    Invitation,
    Kind,
    ObserverAllowance,
    ObserverGrant,
    Party,
    allowance_event_kind,
)
from alliance.alliances.reactions import party_left, party_returned
from alliance.alliances.selectors import lead_refusal, leads_of, team_setting_refusal
from alliance.lib.clock import now
from alliance.lib.dates import moment_text, zone_or_utc
from alliance.lib.mail import send_templated
from alliance.lib.tokens import hash_token, new_token
from alliance.record.chain import event_sealed, seal, utc_iso


class InvitationUnusable(Exception):
    """The link cannot make anyone a party; `reason` says why in words for the person."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


class InvitationLimitReached(ValidationError):
    """More invitations or re-sends than the limits allow now; `retry_at` says when there
    is room again (the API answers 429 with it, the pages show the message)."""

    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class AllianceClosed(ValidationError):
    """A change to a closed alliance, refused: it stays as it was when it closed."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "This alliance is closed: its record can be read, not changed. To change "
                "anything, propose to reopen it."
            )
        )


# The kinds of history a closed alliance still takes: the steps of reopening it, which
# the closing app adds from its AppConfig.ready(), a withdrawal of what observers see,
# an observer's leaving, and a person erasing their account.
KINDS_WHEN_CLOSED: set[str] = {
    *(allowance_event_kind(grant, agreed=False) for grant in ObserverGrant),
    # An observer who stops observing (`party_leave` refuses a designing party).
    EventKind.LEFT,
    # Erasing is no leaving by choice: it must be possible from a closed alliance too.
    EventKind.ERASED,
}


# Keys of a history line's data that name a person: kept beside the seal (`Event.personal`),
# so erasing that person can replace them.
PERSONAL_EVENT_DATA = ("addressee", "name")


def alliance_open_check(alliance_id: int) -> None:
    """Refuse any change to a closed alliance (read from the database, not from an
    object that may have been loaded before it closed)."""
    if Alliance.objects.filter(pk=alliance_id, closed_at__isnull=False).exists():
        raise AllianceClosed


EVENT_RECORD_ATTEMPTS = 50


def event_record(*, alliance: Alliance, actor: User | None, kind: str, **data: Any) -> Event:
    """Add a line to the alliance's history. Every change that matters records one, so
    this is also where a change to a closed alliance is refused, whichever way it came
    (a page, a command, the API): the caller's transaction rolls back with it."""
    if kind not in KINDS_WHEN_CLOSED:
        alliance_open_check(alliance.pk)
    personal = {key: data.pop(key) for key in PERSONAL_EVENT_DATA if key in data}
    at = now()
    # Lines written at once race for the next position; the unique (alliance, position)
    # lets one win and the others link to it and try again. Each lost attempt means
    # another line was written, so attempts run out only under a flood of lines.
    for _attempt in range(EVENT_RECORD_ATTEMPTS):
        last = (
            Event.objects.filter(alliance_id=alliance.pk)
            .order_by("-position")
            .values_list("position", "content_hash")
            .first()
        )
        position, previous_hash = (last[0] + 1, last[1]) if last else (1, "")
        sealed = event_sealed(
            alliance_id=alliance.pk,
            position=position,
            kind=kind,
            actor_id=actor.pk if actor else None,
            at=utc_iso(at),
            data=data,
        )
        try:
            with transaction.atomic():
                return Event.objects.create(
                    alliance=alliance,
                    actor=actor,
                    kind=kind,
                    data=data,
                    personal=personal,
                    created_at=at,
                    position=position,
                    previous_hash=previous_hash,
                    content_hash=seal(previous_hash, sealed),
                )
        except IntegrityError:
            continue  # another line took this position first: link to it instead
    raise IntegrityError("The history of this alliance is too busy to add a line; try again.")


def _clean_role(role_label: str) -> str:
    role = " ".join(role_label.split())
    if "\x00" in role:
        raise ValidationError({"role_label": _("The role holds a NUL character.")})
    if not role:
        raise ValidationError({"role_label": _("Say which role you hold, e.g. “coach”.")})
    if len(role) > 40:
        raise ValidationError({"role_label": _("Keep the role to 40 characters.")})
    return role


@transaction.atomic
def alliance_create(
    *, user: User, title: str, kind: str, purpose: str, role_label: str
) -> Alliance:
    # The same checks as renaming: a NUL, say, is refused here, not by PostgreSQL.
    title, purpose = _clean_details(title, purpose)
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose the kind of relationship.")})
    alliance = Alliance.objects.create(title=title, kind=kind, purpose=purpose, created_by=user)
    Party.objects.create(alliance=alliance, user=user, role_label=_clean_role(role_label))
    event_record(alliance=alliance, actor=user, kind=EventKind.CREATED, title=title)
    return alliance


def invitation_url(raw_token: str) -> str:
    return settings.BASE_URL + reverse("invitation_accept", kwargs={"token": raw_token})


def _send_invitation(invitation: Invitation, raw_token: str) -> None:
    send_templated(
        "invitation",
        to=invitation.email,
        context={
            "inviter": invitation.invited_by.name,
            "alliance": invitation.alliance,
            "role_label": invitation.role_label,
            "as_observer": invitation.as_observer,
            "url": invitation_url(raw_token),
            "expires_at": invitation.expires_at,
        },
    )
    invitation.sent_count += 1
    invitation.last_sent_at = now()
    invitation.save(update_fields=["sent_count", "last_sent_at"])


# Invitations go out from the operator's mail server with a title and a name the inviter
# chose in the subject: without limits, one account could send spam through it.
INVITATION_KINDS = (EventKind.INVITED, EventKind.INVITATION_RESENT)


def _limit_refusal(*, per_person: bool, limit: int, left: int, when: str) -> str:
    if left == 0 and per_person:
        text = _(
            "You have sent %(limit)d invitations in the last hour, as many as one person "
            "may. Try again after %(time)s."
        )
    elif left == 0:
        text = _(
            "This alliance has sent %(limit)d invitations in the last 24 hours, as many as "
            "one alliance may. Try again after %(time)s."
        )
    elif per_person:
        text = ngettext(
            "You can send %(left)d more invitation this hour. Invite fewer people now, "
            "or all of them after %(time)s.",
            "You can send %(left)d more invitations this hour. Invite fewer people now, "
            "or all of them after %(time)s.",
            left,
        )
    else:
        text = ngettext(
            "This alliance can send %(left)d more invitation today. Invite fewer people "
            "now, or all of them after %(time)s.",
            "This alliance can send %(left)d more invitations today. Invite fewer people "
            "now, or all of them after %(time)s.",
            left,
        )
    return text % {"limit": limit, "left": left, "time": when}


def invitation_limits_check(*, party: Party, count: int = 1) -> None:
    """Refuse `count` more invitations or re-sends from `party` when they would pass
    INVITATIONS_PER_HOUR for the person (across all their alliances) or
    INVITATIONS_PER_ALLIANCE_PER_DAY for the alliance.

    Every invitation and re-send is an event of the history, so the history is what
    counts. The refusal says when to try again, in the person's own time zone."""
    at = now()
    zone = zone_or_utc(party.user.time_zone)
    limits = [
        (True, settings.INVITATIONS_PER_HOUR, timedelta(hours=1)),
        (False, settings.INVITATIONS_PER_ALLIANCE_PER_DAY, timedelta(days=1)),
    ]
    for per_person, limit, window in limits:
        if count > limit:
            raise ValidationError(
                ngettext(
                    "Invite at most %(limit)d person at a time.",
                    "Invite at most %(limit)d people at a time.",
                    limit,
                )
                % {"limit": limit}
            )
        events = Event.objects.filter(kind__in=INVITATION_KINDS, created_at__gt=at - window)
        if per_person:
            events = events.filter(actor_id=party.user_id)
        else:
            events = events.filter(alliance_id=party.alliance_id)
        # Oldest first: room comes back as the oldest leave the window.
        times = list(events.order_by("created_at").values_list("created_at", flat=True))
        excess = len(times) + count - limit
        if excess > 0:
            retry_at = times[excess - 1] + window
            when = moment_text(retry_at, zone, at)
            left = limit - len(times)
            raise InvitationLimitReached(
                _limit_refusal(per_person=per_person, limit=limit, left=max(left, 0), when=when),
                retry_at=retry_at,
            )


def _invitation_sender_lock(party: Party) -> None:
    """Take the inviter's and the alliance's rows, so two requests at once cannot both
    count the same room under the limits."""
    User.objects.select_for_update().filter(pk=party.user_id).first()
    Alliance.objects.select_for_update().filter(pk=party.alliance_id).first()


@transaction.atomic
def invitation_create(
    *, party: Party, email: str = "", role_label: str = "", as_observer: bool = False
) -> tuple[Invitation, str]:
    """Invite someone to `party`'s alliance. Returns the invitation and its one-time link token.

    With an email address the link is mailed; without one, the inviter copies it. With
    `as_observer`, whoever accepts joins as an observer. Refused for someone already in
    the alliance (observers included) and beyond the invitation limits
    (`invitation_limits_check`).
    """
    email = email.strip().lower()
    if "\x00" in role_label:
        raise ValidationError({"role_label": _("The role holds a NUL character.")})
    alliance = party.alliance
    if email and Party.present.filter(alliance=alliance, user__email__iexact=email).exists():
        raise ValidationError(
            {"email": _("%(email)s is already in this alliance.") % {"email": email}}
        )
    _invitation_sender_lock(party)
    invitation_limits_check(party=party)
    raw = new_token()
    invitation = Invitation.objects.create(
        alliance=alliance,
        invited_by=party.user,
        email=email,
        role_label=" ".join(role_label.split())[:40],
        as_observer=as_observer,
        token_hash=hash_token(raw),
        expires_at=now() + timedelta(days=settings.INVITATION_DAYS),
    )
    event_record(
        alliance=alliance,
        actor=party.user,
        kind=EventKind.INVITED,
        addressee=invitation.addressee,
        as_observer=as_observer,
    )
    if email:
        _send_invitation(invitation, raw)
    return invitation, raw


@transaction.atomic
def invitations_create(
    *, party: Party, emails: list[str], role_label: str = "", as_observer: bool = False
) -> list[tuple[Invitation, str]]:
    """Invite several people at once, each with a link of their own; all or none, also
    under the invitation limits.

    With no address, one link for the inviter to share by hand.
    """
    members = set(
        Party.present.filter(alliance_id=party.alliance_id, user__email__in=emails).values_list(
            "user__email", flat=True
        )
    )
    if members:
        raise ValidationError(
            _("Already in this alliance: %(emails)s. Nobody was invited.")
            % {"emails": ", ".join(sorted(members))}
        )
    _invitation_sender_lock(party)
    invitation_limits_check(party=party, count=len(emails) or 1)
    return [
        invitation_create(party=party, email=email, role_label=role_label, as_observer=as_observer)
        for email in emails or [""]
    ]


def _pending_invitation(party: Party, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=invitation_id, alliance_id=party.alliance_id)
        .first()
    )
    if invitation is None:
        raise ValidationError(_("That invitation does not exist."))
    if invitation.accepted_at is not None:
        raise ValidationError(_("That invitation was already used."))
    if invitation.revoked_at is not None:
        raise ValidationError(_("That invitation was revoked."))
    return invitation


@transaction.atomic
def invitation_renew(*, party: Party, invitation_id: int) -> tuple[Invitation, str]:
    """Make a fresh link (the old one stops working), restart the expiry, mail it again.

    Refused within INVITATION_RESEND_MINUTES of the last mail, and beyond the invitation
    limits."""
    _invitation_sender_lock(party)
    invitation = _pending_invitation(party, invitation_id)
    at = now()
    pause = timedelta(minutes=settings.INVITATION_RESEND_MINUTES)
    if invitation.email and invitation.last_sent_at and invitation.last_sent_at + pause > at:
        zone = zone_or_utc(party.user.time_zone)
        raise InvitationLimitReached(
            _("This invitation went out at %(sent)s. You can send it again after %(time)s.")
            % {
                "sent": moment_text(invitation.last_sent_at, zone, at),
                "time": moment_text(invitation.last_sent_at + pause, zone, at),
            },
            retry_at=invitation.last_sent_at + pause,
        )
    invitation_limits_check(party=party)
    raw = new_token()
    invitation.token_hash = hash_token(raw)
    invitation.expires_at = now() + timedelta(days=settings.INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    event_record(
        alliance=party.alliance,
        actor=party.user,
        kind=EventKind.INVITATION_RESENT,
        addressee=invitation.addressee,
    )
    if invitation.email:
        _send_invitation(invitation, raw)
    return invitation, raw


@transaction.atomic
def invitation_revoke(*, party: Party, invitation_id: int) -> Invitation:
    invitation = _pending_invitation(party, invitation_id)
    invitation.revoked_at = now()
    invitation.save(update_fields=["revoked_at"])
    event_record(
        alliance=party.alliance,
        actor=party.user,
        kind=EventKind.INVITATION_REVOKED,
        addressee=invitation.addressee,
    )
    return invitation


def invitation_check(invitation: Invitation | None) -> Invitation:
    """Return a usable invitation or raise InvitationUnusable with the reason."""
    if invitation is None:
        raise InvitationUnusable(
            _(
                "This invitation link is not valid. Check that you copied all of it, or ask "
                "for a new one."
            )
        )
    inviter = invitation.invited_by.name
    if invitation.alliance.closed_at is not None:
        raise InvitationUnusable(
            _("The people of this alliance closed it, so nobody can join it any more."),
            invitation,
        )
    if invitation.revoked_at is not None:
        raise InvitationUnusable(
            _(
                "%(inviter)s withdrew this invitation. Ask them for a new one if you still "
                "mean to join."
            )
            % {"inviter": inviter},
            invitation,
        )
    if invitation.accepted_at is not None:
        raise InvitationUnusable(
            _(
                "This invitation was already used. Each link makes one person a party; ask "
                "%(inviter)s for a link of your own."
            )
            % {"inviter": inviter},
            invitation,
        )
    if invitation.expires_at <= now():
        raise InvitationUnusable(
            _(
                "This invitation expired. Ask %(inviter)s to send it again: the new link works "
                "for %(days)d days."
            )
            % {"inviter": inviter, "days": settings.INVITATION_DAYS},
            invitation,
        )
    return invitation


@transaction.atomic
def invitation_accept(*, raw_token: str, user: User, role_label: str) -> Party:
    """Make `user` a party through the invitation behind `raw_token`. Single use, and
    idempotent for the person who used it: a second request of theirs (a double-click on
    "Join") returns the party the first one made, and nobody is told twice."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("alliance", "invited_by")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )
    if invitation is not None and invitation.accepted_by_id == user.pk:
        joined = Party.present.filter(alliance_id=invitation.alliance_id, user=user).first()
        if joined is not None:
            return joined
    invitation = invitation_check(invitation)
    alliance = invitation.alliance
    observer = invitation.as_observer
    if Party.present.filter(alliance=alliance, user=user).exists():
        raise InvitationUnusable(_("You are already in this alliance."), invitation)
    role = _clean_role(role_label)
    former = Party.everyone.filter(alliance=alliance, user=user).first()
    if former is not None:
        # Someone who left comes back: the same row, so their history stays theirs, with
        # the standing this invitation gives (a former party may return as an observer,
        # a former observer as a party).
        former.left_at = None
        former.role_label = role
        former.joined_at = now()
        former.is_observer = observer
        former.save(update_fields=["left_at", "role_label", "joined_at", "is_observer"])
        # What they agreed to observers seeing before they left counts no more.
        ObserverAllowance.objects.filter(party=former).delete()
        if not observer:
            # They answer afresh: what they agreed to before leaving does not count now.
            # An observer answers nothing, so nothing waits on them to settle.
            party_returned(former)
        party = former
    else:
        try:
            with transaction.atomic():
                party = Party.objects.create(
                    alliance=alliance, user=user, role_label=role, is_observer=observer
                )
        except IntegrityError:
            raise InvitationUnusable(_("You are already in this alliance."), invitation) from None
    invitation.accepted_at = now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    event_record(
        alliance=alliance,
        actor=user,
        kind=EventKind.JOINED_AS_OBSERVER if observer else EventKind.JOINED,
        role=role,
    )
    for other in alliance.parties.exclude(pk=party.pk).select_related("user"):
        send_templated(
            "joined",
            to=other.user,
            context={
                "newcomer": user.name,
                "role": role,
                "alliance": alliance,
                "as_observer": observer,
            },
        )
    return party


@transaction.atomic
def party_leave(*, party: Party) -> Party:
    """Leave the alliance. The person's past stays in its history and versions; from now
    on they see nothing of it and get none of its mail, reminders or calendar entries.
    Nobody who designs a closed alliance leaves it (they are the ones to reopen it); an
    observer may stop observing it."""
    alliance = Alliance.objects.select_for_update().get(pk=party.alliance_id)
    if alliance.closed_at is not None and not party.is_observer:
        raise AllianceClosed
    party.left_at = now()
    # A lead who leaves no longer leads; should they come back, they join as anyone does.
    party.is_lead = False
    party.save(update_fields=["left_at", "is_lead"])
    event_record(alliance=party.alliance, actor=party.user, kind=EventKind.LEFT)
    if not party.is_observer:
        # What waited only on them is settled now, by the stages it belongs to.
        party_left(party)
    return party


# What observers see ----------------------------------------------------------------------


@transaction.atomic
def observer_allowance_set(*, party: Party, grant: str, agreed: bool) -> bool:
    """Record that `party` agrees (or no longer agrees) that observers see `grant`.
    Returns whether anything changed; the history records each change.

    Observers see a grant only while every designing party agrees (see
    `selectors.observer_grants`), so one party withdrawing ends it for everyone."""
    if party.is_observer:
        raise ValidationError(_("Only the parties who design the alliance decide this."))
    if grant not in ObserverGrant.values:
        raise ValidationError(_("Choose what observers may see."))
    alliance = Alliance.objects.select_for_update().get(pk=party.alliance_id)
    if agreed and alliance.closed_at is not None:
        # Withdrawing stays possible: closing keeps the record, not the observers' view.
        raise AllianceClosed
    if agreed:
        _allowance, changed = ObserverAllowance.objects.get_or_create(
            alliance_id=party.alliance_id, party=party, grant=grant
        )
    else:
        changed = ObserverAllowance.objects.filter(party=party, grant=grant).delete()[0] > 0
    if changed:
        event_record(
            alliance=party.alliance,
            actor=party.user,
            kind=allowance_event_kind(grant, agreed=agreed),
        )
    return changed


# Title, purpose and roles

TITLE_LIMIT = Alliance._meta.get_field("title").max_length or 120
PURPOSE_LIMIT = Alliance._meta.get_field("purpose").max_length or 300


class DetailsConflict(Exception):
    """Someone changed the title or purpose after the editor opened the form. Nothing was
    written; `current` is the alliance as it stands now."""

    def __init__(self, current: Alliance) -> None:
        super().__init__("The alliance changed while you were editing it.")
        self.current = current


def _clean_details(title: str, purpose: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    title = " ".join(title.split())
    # As at creation: the purpose keeps its lines, so saving it unchanged changes nothing.
    purpose = purpose.strip()
    if "\x00" in title:
        errors["title"] = _("The title holds a NUL character; type it again without it.")
    elif not title:
        errors["title"] = _("Give the alliance a title.")
    elif len(title) > TITLE_LIMIT:
        errors["title"] = _("Keep the title to %(limit)d characters.") % {"limit": TITLE_LIMIT}
    if "\x00" in purpose:
        errors["purpose"] = _("The purpose holds a NUL character; type it again without it.")
    elif len(purpose) > PURPOSE_LIMIT:
        errors["purpose"] = _("Keep the purpose to %(limit)d characters.") % {
            "limit": PURPOSE_LIMIT
        }
    if errors:
        raise ValidationError(errors)
    return title, purpose


@transaction.atomic
def alliance_details_change(*, party: Party, revision: int, title: str, purpose: str) -> Alliance:
    """Rename the alliance and/or change its purpose, as `party`, who saw it at `revision`.

    Raises DetailsConflict when another party changed either since: the caller shows both
    texts instead of overwriting. One history event names the old and the new texts, and
    everyone else present is told by email. Saving the same texts changes nothing."""
    if party.is_observer:
        raise ValidationError(_("An observer does not rename the alliance."))
    alliance = Alliance.objects.select_for_update().get(pk=party.alliance_id)
    if alliance.revision != revision:
        raise DetailsConflict(alliance)
    title, purpose = _clean_details(title, purpose)
    changes: dict[str, str] = {}
    if title != alliance.title:
        changes |= {"old_title": alliance.title, "new_title": title}
    if purpose != alliance.purpose:
        changes |= {"old_purpose": alliance.purpose, "new_purpose": purpose}
    if not changes:
        return alliance
    alliance.title, alliance.purpose, alliance.revision = title, purpose, revision + 1
    alliance.save(update_fields=["title", "purpose", "revision"])
    kind = EventKind.RENAMED if "new_title" in changes else EventKind.PURPOSE_CHANGED
    event_record(alliance=alliance, actor=party.user, kind=kind, **changes)
    for other in (
        Party.present.filter(alliance=alliance).exclude(pk=party.pk).select_related("user")
    ):
        send_templated(
            "alliance_changed",
            to=other.user,
            context={"changer": party.user.name, "alliance": alliance, **changes},
        )
    return alliance


@transaction.atomic
def party_role_change(*, party: Party, role_label: str) -> Party:
    """Change the role `party` holds (their own; nobody sets another's role)."""
    role = _clean_role(role_label)
    before = party.role_label
    if role == before:
        return party
    Party.everyone.filter(pk=party.pk).update(role_label=role)
    party.role_label = role
    event_record(
        alliance=party.alliance,
        actor=party.user,
        kind=EventKind.ROLE_CHANGED,
        old_role=before,
        new_role=role,
    )
    return party


# Leads


def team_setting_check(*, party: Party) -> None:
    """Refuse a change to a setting that applies to the whole team unless `party` may make
    it: anyone while the alliance has no lead, only a lead once it has one. Services that
    change such a setting (anonymous signals, the check-in rhythm) call this first, so
    pages, commands and the API follow one rule."""
    refusal = team_setting_refusal(party)
    if refusal is not None:
        raise ValidationError(refusal)


@transaction.atomic
def lead_set(*, party: Party, target_id: int, is_lead: bool) -> Party:
    """Make the designing party `target_id` a lead of a team alliance, or no longer one.

    While the alliance has no lead, any designing party may make any designing party a
    lead, themselves included; once it has one, only a lead may add or remove leads. The
    last lead may step down, and then anyone may again."""
    alliance = Alliance.objects.select_for_update().get(pk=party.alliance_id)
    if alliance.kind != Kind.TEAM:
        raise ValidationError(
            _("Only a team alliance has leads: here every party has the same say.")
        )
    target = alliance.parties.select_related("user").filter(pk=target_id).first()
    if target is None:
        raise ValidationError(_("That person is not a party of this alliance."))
    refusal = lead_refusal(party, leads_of(alliance))
    if refusal is not None:
        raise ValidationError(refusal)
    if target.is_lead == is_lead:
        return target
    target.is_lead = is_lead
    target.save(update_fields=["is_lead"])
    event_record(
        alliance=alliance,
        actor=party.user,
        kind=EventKind.LEAD_ADDED if is_lead else EventKind.LEAD_REMOVED,
        party=target.pk,
        name=target.user.name,
        own=target.pk == party.pk,
    )
    return target
