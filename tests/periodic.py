"""Many alliances at once for the tests of periodic work (reminders, nudges, the worker):
made with bulk inserts, since the services would take a second per alliance; and passes
run one after another on a moving clock."""

from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction

from alliance.accounts.models import User
from alliance.alliances.models import Alliance, Party
from alliance.tending.models import Rhythm
from alliance.terms.models import Term


def alliances_due_tomorrow(count: int, now: datetime, *, waiting_term: bool = False) -> list[str]:
    """`count` alliances of a coach and a client whose check-in is tomorrow at noon UTC,
    so each party owes a reminder now; with `waiting_term`, each also has a term the
    coach proposed two days before `now` that the client has not answered. Returns the
    addresses of everyone who owes a reminder."""
    start = Alliance.objects.count()
    users = User.objects.bulk_create(
        User(email=f"due{start + i}-{role}@example.org", display_name=f"{role} {start + i}")
        for i in range(count)
        for role in ("coach", "client")
    )
    alliances = Alliance.objects.bulk_create(
        Alliance(
            title=f"Alliance {start + i}", kind="coaching", purpose="Grow.", created_by=users[2 * i]
        )
        for i in range(count)
    )
    parties = Party.objects.bulk_create(
        Party(alliance=alliance, user=users[2 * i + r], role_label=("coach", "client")[r])
        for i, alliance in enumerate(alliances)
        for r in (0, 1)
    )
    checkin = datetime.combine((now + timedelta(days=1)).date(), time(12), tzinfo=now.tzinfo)
    Rhythm.objects.bulk_create(
        Rhythm(
            alliance=alliance,
            starts_on=checkin.date(),
            at_time=time(12),
            time_zone="UTC",
            rule="FREQ=WEEKLY",
            next_at=checkin,
            set_by=users[2 * i],
        )
        for i, alliance in enumerate(alliances)
    )
    if waiting_term:
        proposed = now - timedelta(days=2, hours=1)
        Term.objects.bulk_create(
            Term(
                alliance=alliance,
                category="rhythm",
                text="We meet every second Tuesday.",
                proposed_by=parties[2 * i],
                created_at=proposed,
                updated_at=proposed,
            )
            for i, alliance in enumerate(alliances)
        )
    return [user.email for user in users]


def teams_awaiting_a_term(count: int, size: int, proposed: datetime) -> None:
    """`count` team alliances of `size` people, each with a term the first proposed at
    `proposed` that nobody else has answered."""
    start = Alliance.objects.count()
    users = User.objects.bulk_create(
        User(email=f"team{start + i}-{p}@example.org", display_name=f"Member {start + i} {p}")
        for i in range(count)
        for p in range(size)
    )
    alliances = Alliance.objects.bulk_create(
        Alliance(
            title=f"Team {start + i}", kind="team", purpose="Ship.", created_by=users[size * i]
        )
        for i in range(count)
    )
    parties = Party.objects.bulk_create(
        Party(alliance=alliance, user=users[size * i + p], role_label="member")
        for i, alliance in enumerate(alliances)
        for p in range(size)
    )
    Term.objects.bulk_create(
        Term(
            alliance=alliance,
            category="rhythm",
            text="We meet weekly.",
            proposed_by=parties[size * i],
            created_at=proposed,
            updated_at=proposed,
        )
        for i, alliance in enumerate(alliances)
    )


def every_pass(
    clock: Any,
    start: datetime,
    until: datetime,
    every: timedelta,
    one_pass: Callable[[datetime], Iterable[Any]],
    actions: dict[datetime, Callable[[], object]] | None = None,
) -> list[tuple[datetime, Any]]:
    """Run `one_pass(moment)` every `every` from `start` to `until`, doing each of
    `actions` (moment -> function) just before the first pass from its moment on:
    (moment, thing) for each thing a pass returned."""
    actions = dict(actions or {})
    found = []
    moment = start
    while moment <= until:
        clock.move_to(moment)
        for when in sorted(actions):
            if when <= moment:
                actions.pop(when)()
        found += [(moment, thing) for thing in one_pass(moment)]
        moment += every
    return found


def as_sweeps_and_as_passes(monkeypatch: Any, run: Callable[[], list[Any]]) -> tuple[list, list]:
    """What `run` finds with a sweep at every pass (everything read, as before marks),
    and with passes that read only what changed; each run in a savepoint rolled back
    after it, so that both start from the same rows."""
    from alliance.outbox import marks

    def rolled_back() -> list[Any]:
        with transaction.atomic():
            found = run()
            transaction.set_rollback(True)
        return found

    monkeypatch.setattr(marks, "SWEEP_EVERY", timedelta(0))
    swept = rolled_back()
    monkeypatch.setattr(marks, "SWEEP_EVERY", timedelta.max)
    return swept, rolled_back()
