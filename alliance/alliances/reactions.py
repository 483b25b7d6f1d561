"""How later stages of the practice react when a party leaves or comes back.

The alliance is the first stage of the journey; terms, conversations and tending come
later. Each of them registers here, from its AppConfig.ready(), what must happen when a
party leaves or returns, so that this app never imports them.
"""

from collections.abc import Callable

from alliance.alliances.models import Event, Party

Reaction = Callable[[Party], None]
EventReaction = Callable[[Event], None]

_on_leave: list[Reaction] = []
_on_return: list[Reaction] = []
_on_event: list[EventReaction] = []


def on_party_leave(reaction: Reaction) -> Reaction:
    """Register `reaction(party)` to run, in the leaving transaction, after `party` left."""
    _on_leave.append(reaction)
    return reaction


def on_party_return(reaction: Reaction) -> Reaction:
    """Register `reaction(party)` to run, in the joining transaction, when a former party
    comes back."""
    _on_return.append(reaction)
    return reaction


def party_left(party: Party) -> None:
    for reaction in _on_leave:
        reaction(party)


def party_returned(party: Party) -> None:
    for reaction in _on_return:
        reaction(party)


def on_event_recorded(reaction: EventReaction) -> EventReaction:
    """Register `reaction(event)` to run right after a line of history is written, in the
    same transaction: what it writes stands or falls with the change the line records."""
    _on_event.append(reaction)
    return reaction


def event_recorded(event: Event) -> None:
    for reaction in _on_event:
        reaction(event)
