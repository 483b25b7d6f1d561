"""How the stages of the practice react when a person erases their account, or moves to
another time zone.

Accounts come before every stage, so this app never imports them: each stage registers
here (from its services module, which its AppConfig loads) what of the person's it
deletes, and what it keeps for the others, and what a new time zone changes for it.
"""

from collections.abc import Callable

from alliance.accounts.models import User

Reaction = Callable[[User], None]

_on_erase: list[Reaction] = []
_on_time_zone_change: list[Reaction] = []


def on_account_erased(reaction: Reaction) -> Reaction:
    """Register `reaction(user)` to run in the erasing transaction, after the person left
    their alliances and before their account becomes a tombstone (so `user.email` is
    still theirs)."""
    _on_erase.append(reaction)
    return reaction


def account_erased(user: User) -> None:
    for reaction in _on_erase:
        reaction(user)


def on_time_zone_changed(reaction: Reaction) -> Reaction:
    """Register `reaction(user)` to run, in the same transaction, once `user.time_zone`
    changed (local days, and what falls due on them, moved with it)."""
    _on_time_zone_change.append(reaction)
    return reaction


def time_zone_changed(user: User) -> None:
    for reaction in _on_time_zone_change:
        reaction(user)
