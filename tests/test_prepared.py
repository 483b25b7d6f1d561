"""Prepared queries (`alliance.lib.prepared`): built and compiled once for a shape, run with
each call's values and the clock's now at each run."""

from datetime import timedelta

import pytest
import time_machine
from django.db import models

from alliance.alliances.models import Alliance, Party
from alliance.lib import prepared
from alliance.lib.clock import now
from alliance.lib.prepared import Moment, Slot
from tests.factories import make_alliance, make_user


def test_a_shape_is_built_once_and_each_run_binds_its_own_values(db):
    ana, ben = make_user("Ana"), make_user("Ben")
    mine = make_alliance(ana, title="Ana's")
    theirs = make_alliance(ben, title="Ben's")
    built = []

    def build():  # type: ignore[no-untyped-def]
        built.append(1)
        return (
            Alliance.objects.filter(parties__user_id=Slot("user", models.BigIntegerField()))
            .order_by("pk")
            .values_list("pk")
        )

    shape = ("test", "alliances of a person")
    assert prepared.run(shape, build, {"user": ana.pk}) == [(mine.pk,)]
    assert prepared.run(shape, build, {"user": ben.pk}) == [(theirs.pk,)]
    assert prepared.run(shape, build, {"user": ana.pk}, limit=0) == []
    assert built == [1]


def test_a_moment_is_read_at_each_run_and_where_an_ordinary_query_compiles(db):
    alliance = make_alliance(make_user("Ana"))

    def created_since(days: int):  # type: ignore[no-untyped-def]
        return Alliance.objects.filter(created_at__gte=Moment(-timedelta(days=days)))

    def build():  # type: ignore[no-untyped-def]
        return created_since(1).values_list("pk")

    assert prepared.run(("test", "created in a day"), build, {}) == [(alliance.pk,)]
    assert list(created_since(1)) == [alliance]
    with time_machine.travel(now() + timedelta(days=2)):
        assert prepared.run(("test", "created in a day"), build, {}) == []
        assert list(created_since(1)) == []
        assert list(created_since(3)) == [alliance]


def test_a_slot_outside_a_prepared_query_says_so():
    query = Alliance.objects.filter(title=Slot("title", models.TextField()))
    with pytest.raises(TypeError, match="belongs in a prepared query"):
        str(query.query)


def test_an_offset_needs_a_limit(db):
    def build():  # type: ignore[no-untyped-def]
        return Alliance.objects.values_list("pk")

    with pytest.raises(ValueError, match="offset needs a limit"):
        prepared.run(("test", "every alliance"), build, {}, offset=5)


def test_rows_come_back_as_python_values_as_an_ordinary_query_gives_them(db):
    """SQLite returns a date and time as text and a boolean as a number: a prepared
    query's rows are converted as an ordinary query's are, on either database."""
    alliance = make_alliance(make_user("Ana"), title="Ana's")
    [party] = alliance.parties.all()

    def build():  # type: ignore[no-untyped-def]
        return Party.objects.filter(pk=Slot("party", models.BigIntegerField())).values_list(
            "joined_at", "alliance__title", "is_observer", "left_at"
        )

    [row] = prepared.run(("test", "a party's moments"), build, {"party": party.pk})
    assert row == (party.joined_at, "Ana's", False, None)
    assert row[0].tzinfo is not None
    assert row[2] is False
