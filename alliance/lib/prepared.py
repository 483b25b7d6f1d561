"""Queries built and compiled once per process, then run many times with new values.

Building a queryset of many conditions and compiling it to SQL can cost a hundred times
what running it costs: the dashboard's order by attention took 25 ms to build and compile
and 0.25 ms to run. A prepared query is built and compiled once per database and *shape*
(what the caller says makes the SQL differ); each run puts its values into the compiled
parameters and runs the SQL as it stands. (It is prepared on our side only: the database
still reads the SQL at each run, which costs it a fraction of a millisecond.)

The values a run changes are expressions in the queryset:

- ``Slot(name, field)`` stands for a value given at each run (whose alliances, what to
  search for). It belongs in prepared queries only.
- ``Moment(offset)`` stands for the clock's now, shifted by ``offset``. Conditions shared
  with ordinary querysets use it: there it compiles to the clock's now itself, read when
  the query is compiled (a value written in the queryset is read when it is built, a few
  moments earlier).
"""

from collections.abc import Callable, Hashable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import DateTimeField, Expression, Field, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from alliance.lib.clock import now

# True while a prepared query compiles: its slots and moments leave a mark in the
# parameters instead of a value.
_preparing: ContextVar[bool] = ContextVar("preparing", default=False)


@dataclass(frozen=True)
class _Mark:
    """Where a run's value goes among the compiled parameters: a slot's (by name) or the
    clock's (``slot`` None), made ready for the database by ``field``."""

    slot: str | None
    offset: timedelta
    field: Field

    def value(self, values: Mapping[str, Any], connection: BaseDatabaseWrapper) -> Any:
        given = now() + self.offset if self.slot is None else values[self.slot]
        return self.field.get_db_prep_value(given, connection)


class Slot(Expression):
    """A value given at each run of a prepared query."""

    def __init__(self, name: str, output_field: Field) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        if not _preparing.get():
            raise TypeError(f"The slot {self.name!r} belongs in a prepared query.")
        return "%s", [_Mark(self.name, timedelta(), self.output_field)]


class Moment(Expression):
    """The clock's now, shifted by ``offset``: read at each run of a prepared query, and
    when an ordinary query compiles."""

    output_field = DateTimeField()

    def __init__(self, offset: timedelta = timedelta()) -> None:
        super().__init__()
        self.offset = offset

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        if _preparing.get():
            return "%s", [_Mark(None, self.offset, self.output_field)]
        return "%s", [self.output_field.get_db_prep_value(now() + self.offset, connection)]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # What each column of a row is, to turn the database's value into Python's (a date
    # and time that SQLite returns as text, say), as an ordinary query's rows are.
    columns: tuple[Any, ...]
    # The functions that do it, found at the first run: finding them again costs a run
    # as much as running the query.
    converters: dict[str, "Converters"] = field(default_factory=dict)


# Compiled queries by database and shape. Shapes are fixed by code, a few hundred at
# most (the dashboard's filters and orders: 6 statuses x 2 x 3 orders x 2 x 2, a count
# and a page each, about 3 KB of SQL apiece), so the cache stays small.
_compiled: dict[tuple[str, str, Hashable], _Compiled] = {}


def run(
    shape: Hashable,
    build: Callable[[], QuerySet[Any]],
    values: Mapping[str, Any],
    *,
    limit: int | None = None,
    offset: int = 0,
    using: str = DEFAULT_DB_ALIAS,
) -> list[tuple[Any, ...]]:
    """The rows of the query ``build`` makes (a ``values_list``), as tuples of Python
    values, prepared once for ``shape``: the same shape must always build the same SQL.
    ``limit`` and ``offset`` are run values too, so that every page of a list shares one
    compiled query."""
    connection = connections[using]
    key = (using, connection.vendor, shape)
    compiled = _compiled.get(key)
    if compiled is None:
        compiled = _compiled[key] = _compile(build(), using)
    sql = compiled.sql
    bound = [p.value(values, connection) if isinstance(p, _Mark) else p for p in compiled.params]
    if limit is not None:
        sql = f"{sql} LIMIT %s OFFSET %s"
        bound += [limit, offset]
    elif offset:
        raise ValueError("An offset needs a limit.")
    with connection.cursor() as cursor:
        cursor.execute(sql, bound)
        rows = cursor.fetchall()
    if not rows:
        return rows
    converters = compiled.converters.get(connection.alias)
    if converters is None:
        converters = compiled.converters[connection.alias] = _converters(
            compiled.columns, connection
        )
    if not converters:
        return rows
    return [_converted(row, converters, connection) for row in rows]


def _compile(queryset: QuerySet[Any], using: str) -> _Compiled:
    token = _preparing.set(True)
    try:
        compiler = queryset.query.get_compiler(using)
        sql, params = compiler.as_sql()
    finally:
        _preparing.reset(token)
    columns = tuple(column for column, _sql, _alias in compiler.select[: compiler.col_count])
    return _Compiled(sql, tuple(params), columns)


Converters = list[tuple[int, list[Callable[..., Any]], Any]]


def _converters(columns: tuple[Any, ...], connection: BaseDatabaseWrapper) -> Converters:
    """Per column, what turns the database's value into Python's: the database's own
    converters, then the field's (as Django's compiler finds them)."""
    found = []
    for position, column in enumerate(columns):
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            found.append((position, functions, column))
    return found


def _converted(
    row: tuple[Any, ...], converters: Converters, connection: BaseDatabaseWrapper
) -> tuple[Any, ...]:
    values = list(row)
    for position, functions, column in converters:
        value = values[position]
        for function in functions:
            value = function(value, column, connection)
        values[position] = value
    return tuple(values)
