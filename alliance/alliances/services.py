"""Writes for alliances, parties and invitations. Every change that matters is an Event."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, Event, EventKind, Invitation, Kind, Party
from alliance.alliances.reactions import party_left, party_returned
from alliance.lib.clock import now
from alliance.lib.mail import send_templated
from alliance.lib.tokens import hash_token, new_token


class InvitationUnusable(Exception):
    """The link cannot make anyone a party; `reason` says why in words for the person."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def event_record(*, alliance: Alliance, actor: User | None, kind: str, **data: Any) -> Event:
    return Event.objects.create(alliance=alliance, actor=actor, kind=kind, data=data)


def _clean_role(role_label: str) -> str:
    role = " ".join(role_label.split())
    if not role:
        raise ValidationError({"role_label": "Say which role you hold, e.g. “coach”."})
    if len(role) > 40:
        raise ValidationError({"role_label": "Keep the role to 40 characters."})
    return role


@transaction.atomic
def alliance_create(
    *, user: User, title: str, kind: str, purpose: str, role_label: str
) -> Alliance:
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": "Give the alliance a title."})
    if kind not in Kind.values:
        raise ValidationError({"kind": "Choose the kind of relationship."})
    alliance = Alliance.objects.create(
        title=title, kind=kind, purpose=purpose.strip(), created_by=user
    )
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
            "url": invitation_url(raw_token),
            "expires_at": invitation.expires_at,
        },
    )
    invitation.sent_count += 1
    invitation.last_sent_at = now()
    invitation.save(update_fields=["sent_count", "last_sent_at"])


@transaction.atomic
def invitation_create(
    *, party: Party, email: str = "", role_label: str = ""
) -> tuple[Invitation, str]:
    """Invite someone to `party`'s alliance. Returns the invitation and its one-time link token.

    With an email address the link is mailed; without one, the inviter copies it.
    """
    email = email.strip().lower()
    alliance = party.alliance
    if email and alliance.parties.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a party of this alliance."})
    raw = new_token()
    invitation = Invitation.objects.create(
        alliance=alliance,
        invited_by=party.user,
        email=email,
        role_label=" ".join(role_label.split())[:40],
        token_hash=hash_token(raw),
        expires_at=now() + timedelta(days=settings.INVITATION_DAYS),
    )
    event_record(
        alliance=alliance, actor=party.user, kind=EventKind.INVITED, addressee=invitation.addressee
    )
    if email:
        _send_invitation(invitation, raw)
    return invitation, raw


@transaction.atomic
def invitations_create(
    *, party: Party, emails: list[str], role_label: str = ""
) -> list[tuple[Invitation, str]]:
    """Invite several people at once, each with a link of their own; all or none.

    With no address, one link for the inviter to share by hand.
    """
    members = set(
        party.alliance.parties.filter(user__email__in=emails).values_list("user__email", flat=True)
    )
    if members:
        raise ValidationError(
            f"Already a party of this alliance: {', '.join(sorted(members))}. Nobody was invited."
        )
    return [
        invitation_create(party=party, email=email, role_label=role_label)
        for email in emails or [""]
    ]


def _pending_invitation(party: Party, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=invitation_id, alliance_id=party.alliance_id)
        .first()
    )
    if invitation is None:
        raise ValidationError("That invitation does not exist.")
    if invitation.accepted_at is not None:
        raise ValidationError("That invitation was already used.")
    if invitation.revoked_at is not None:
        raise ValidationError("That invitation was revoked.")
    return invitation


@transaction.atomic
def invitation_renew(*, party: Party, invitation_id: int) -> tuple[Invitation, str]:
    """Make a fresh link (the old one stops working), restart the expiry, mail it again."""
    invitation = _pending_invitation(party, invitation_id)
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
            "This invitation link is not valid. Check that you copied all of it, or ask "
            "for a new one."
        )
    inviter = invitation.invited_by.name
    if invitation.revoked_at is not None:
        raise InvitationUnusable(
            f"{inviter} withdrew this invitation. Ask them for a new one if you still "
            "mean to join.",
            invitation,
        )
    if invitation.accepted_at is not None:
        raise InvitationUnusable(
            "This invitation was already used. Each link makes one person a party; ask "
            f"{inviter} for a link of your own.",
            invitation,
        )
    if invitation.expires_at <= now():
        raise InvitationUnusable(
            f"This invitation expired. Ask {inviter} to send it again: the new link works "
            f"for {settings.INVITATION_DAYS} days.",
            invitation,
        )
    return invitation


@transaction.atomic
def invitation_accept(*, raw_token: str, user: User, role_label: str) -> Party:
    """Make `user` a party through the invitation behind `raw_token`. Single use."""
    invitation = invitation_check(
        Invitation.objects.select_for_update()
        .select_related("alliance", "invited_by")
        .filter(token_hash=hash_token(raw_token))
        .first()
    )
    alliance = invitation.alliance
    if alliance.parties.filter(user=user).exists():
        raise InvitationUnusable("You are already a party of this alliance.", invitation)
    role = _clean_role(role_label)
    former = Party.everyone.filter(alliance=alliance, user=user).first()
    if former is not None:
        # Someone who left comes back: the same row, so their history stays theirs.
        former.left_at = None
        former.role_label = role
        former.joined_at = now()
        former.save(update_fields=["left_at", "role_label", "joined_at"])
        # They answer afresh: what they agreed to before leaving does not count now.
        party_returned(former)
        party = former
    else:
        try:
            with transaction.atomic():
                party = Party.objects.create(alliance=alliance, user=user, role_label=role)
        except IntegrityError:
            raise InvitationUnusable(
                "You are already a party of this alliance.", invitation
            ) from None
    invitation.accepted_at = now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    event_record(alliance=alliance, actor=user, kind=EventKind.JOINED, role=role)
    for other in alliance.parties.exclude(pk=party.pk).select_related("user"):
        send_templated(
            "joined",
            to=other.user,
            context={"newcomer": user.name, "role": role, "alliance": alliance},
        )
    return party


@transaction.atomic
def party_leave(*, party: Party) -> Party:
    """Leave the alliance. The person's past stays in its history and versions; from now
    on they see nothing of it and get none of its mail, reminders or calendar entries."""
    Alliance.objects.select_for_update().filter(pk=party.alliance_id).first()
    party.left_at = now()
    party.save(update_fields=["left_at"])
    event_record(alliance=party.alliance, actor=party.user, kind=EventKind.LEFT)
    # What waited only on them is settled now, by the stages it belongs to.
    party_left(party)
    return party
