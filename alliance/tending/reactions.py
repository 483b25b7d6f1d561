"""How later parts react when a check-in reminder goes out, without tending importing them.

A reaction registered with `on_checkin_reminder` runs in the transaction that records the
reminder (each reminder is recorded once), so what it writes is written once too.
"""

from collections.abc import Callable
from datetime import datetime

from alliance.accounts.models import User
from alliance.alliances.models import Alliance

# reaction(alliance, user, due_at, kind): `user` is reminded of the check-in at `due_at`;
# `kind` is a `ReminderKind` ("before" or "day_of").
ReminderReaction = Callable[[Alliance, User, datetime, str], None]

_on_reminder: list[ReminderReaction] = []


def on_checkin_reminder(reaction: ReminderReaction) -> ReminderReaction:
    _on_reminder.append(reaction)
    return reaction


def checkin_reminded(alliance: Alliance, user: User, due_at: datetime, kind: str) -> None:
    for reaction in _on_reminder:
        reaction(alliance, user, due_at, kind)
