"""Pieces of a page kept once rendered, under a key made of everything they show.

A page that lists fifty terms renders the same fifty pieces on every visit until one of
them changes. Each piece is rendered from the values it is given and nothing else (no
context from the page around it), so a digest of those values, with the language and time
zone it was rendered in, names it completely: a changed value is a new key, and nothing
ever has to be told to forget a piece. A key digests the values rather than holding them,
and it includes the viewer's own records wherever the piece shows them.

The pieces live in the ``fragments`` cache, this process's memory: nothing to invalidate
means nothing to share between processes.
"""

import hashlib
import pickle
import secrets
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache, partial
from operator import itemgetter
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models import DEFERRED, JSONField, Model
from django.forms import BaseForm, BoundField, Field, ModelChoiceField
from django.forms.widgets import Input, Textarea
from django.template import Context
from django.template.backends.django import Template as BackendTemplate
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

from alliance.lib.clock import now

# A piece longer than this is rendered every time rather than kept: a term of a large
# alliance with long texts and comments can weigh a hundred kilobytes, and every edit
# makes a new one.
MAX_KEPT_LENGTH = 32_000

# A named piece (render_kept_named) stands for many: one longer than MAX_KEPT_LENGTH, up to
# this, is kept compressed (fifty terms of a draft weigh 80 kB, 8 kB compressed).
MAX_KEPT_NAMED_LENGTH = 512_000

# A form field offering more options than this is rendered afresh (see _rendered_afresh).
MAX_KEPT_OPTIONS = 100

PLAIN = (str, int, float, bool, bytes, date, datetime, time, timedelta, Decimal, type(None))
_PLAIN_TYPES = frozenset(PLAIN)

# What a kept piece holds where the page's CSRF token goes. Django masks the token
# afresh for every response (so that a compressed page does not give it away), so the
# token is never kept: it is put in as the piece leaves. Random for each process, it
# cannot be typed by anyone.
_TOKEN_MARK = secrets.token_hex(16)

_T = TypeVar("_T")


class StaleFragment(AssertionError):
    """A kept piece differs from the piece rendered afresh: its key misses a value."""


class Unkeyable(TypeError):
    """A value that cannot go into a kept piece's key."""


@cache
def _column_names(model: type[Model]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


@cache
def _holds_documents(model: type[Model]) -> bool:
    """Whether the model has a JSON column (a version's snapshot)."""
    return any(isinstance(f, JSONField) for f in model._meta.concrete_fields)


@cache
def _read_columns(model: type[Model]) -> Callable[[dict[str, Any]], Any]:
    return itemgetter(*_column_names(model))


def _columns(row: Model) -> Any:
    """Every column the row holds, as loaded: a column left out of the query (``only``)
    is not fetched here, one query for each piece."""
    try:
        return _read_columns(type(row))(row.__dict__)
    except KeyError:
        return tuple(row.__dict__.get(name, DEFERRED) for name in _column_names(type(row)))


Seen = dict[int, tuple[Model, int, Any]]


@cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    """The names of a dataclass's fields; None for any other type."""
    return tuple(f.name for f in fields(kind)) if is_dataclass(kind) else None


def facts(value: Any, depth: int = 2, seen: Seen | None = None) -> Any:
    """`value` reduced to plain values to digest. A model instance gives every column
    it holds and, `depth` levels down, the related rows loaded with it (a party's user,
    for the name; a conversation's proposer's user); a dataclass its fields; a list or a
    mapping its members. What a piece shows must be within two loaded relations of the
    values it is given: the tests render every kept piece again to hold that. `seen` keeps
    the rows already reduced, by identity, while one page renders (the same party is on
    every term); it holds the row too, so that its identity cannot pass to another."""
    kind: type = type(value)
    if kind in _PLAIN_TYPES:
        return value
    if seen is None:
        seen = {}
    if kind is list or kind is tuple:
        return tuple([facts(member, depth, seen) for member in value])
    if kind is dict:
        return tuple([(facts(key), facts(member, depth, seen)) for key, member in value.items()])
    if isinstance(value, Model):
        known = seen.get(id(value))
        if known is not None and known[1] >= depth:
            return known[2]
        loaded = value._state.fields_cache if depth > 0 else None
        related = (
            tuple(sorted([(name, facts(row, depth - 1, seen)) for name, row in loaded.items()]))
            if loaded
            else ()
        )
        reduced: Any = (value._meta.label, _columns(value), related)
        # A row holding a document (a version's snapshot, on every piece of its alliance)
        # is pickled once a page, as a digest; the others go into each piece's digest as
        # they are, which costs less than a digest of each.
        if _holds_documents(type(value)):
            reduced = _digest(reduced)
        seen[id(value)] = (value, depth, reduced)
        return reduced
    names = _field_names(kind)
    if names is not None:
        return (kind.__name__, *[facts(getattr(value, name), depth, seen) for name in names])
    if isinstance(value, PLAIN):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Mapping):
        return tuple((facts(key), facts(member, depth, seen)) for key, member in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(facts(member, depth, seen) for member in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted((facts(member, depth, seen) for member in value), key=repr))
    raise Unkeyable(f"a kept piece cannot be keyed on a {type(value).__name__}")


def _digest(reduced: Any) -> bytes:
    return hashlib.blake2b(pickle.dumps(reduced, protocol=5), digest_size=20).digest()


def fragment_key(
    template_name: str,
    values: Mapping[str, Any],
    seen: Seen | None = None,
    with_token: bool = True,
) -> str:
    shown = facts(dict(sorted(values.items())), seen=seen)
    where = (translation.get_language(), timezone.get_current_timezone_name(), with_token)
    return "fragment:" + _digest((template_name, where, shown)).hex()


def render_kept(
    template_name: str,
    values: dict[str, Any],
    csrf_token: object = None,
    seen: Seen | None = None,
) -> SafeString:
    """`template_name` rendered with `values` alone, from the cache when it was rendered
    with the same values before. With ``settings.FRAGMENTS_VERIFY`` (the tests) every
    kept piece is rendered again and compared, and must render without a query, so that
    a key missing something the piece shows fails loudly instead of showing yesterday's
    page. With ``DEBUG`` nothing is kept: a template edited in development shows at once,
    as Django's own template loaders do then."""
    key = fragment_key(template_name, values, seen, with_token=bool(csrf_token))
    kept = _kept(
        key,
        lambda: _render(
            template_name, {**values, "csrf_token": _TOKEN_MARK if csrf_token else None}
        ),
    )
    # Rendered by the template engine, which escaped what it had to.
    return mark_safe(_with_token(kept, csrf_token))


def render_kept_named(
    template_name: str,
    names: Sequence[Any],
    build: Callable[[list[int]], Sequence[tuple[dict[str, Any], datetime | None]]],
    csrf_token: object = None,
) -> list[SafeString]:
    """A list of pieces kept under names the caller gives, rather than under digests of
    what they show: loading what a piece shows can cost more than rendering it (a card of
    a dashboard reads a dozen tables). A name is plain values (numbers, text, moments, in
    tuples), digested as they are. A name must change whenever what its piece shows
    changes, except with time: `build` is asked, with the positions of the pieces not
    kept, for their values and for the moment each stops being true by time alone (None
    for never), and a kept piece is shown until that moment. With
    ``settings.FRAGMENTS_VERIFY`` (the tests) every piece is built and rendered again,
    and one kept under a name that did not change with what it shows fails. A piece
    holding a form gets the page's `csrf_token` as it leaves, as in `render_kept`."""
    pieces, _until = _named_pieces(template_name, names, build, bool(csrf_token))
    # Rendered by the template engine, which escaped what it had to.
    return [mark_safe(_with_token(piece, csrf_token)) for piece in pieces]


def render_kept_joined(
    template_name: str,
    names: Sequence[Any],
    build: Callable[[list[int]], Sequence[tuple[dict[str, Any], datetime | None]]],
) -> SafeString:
    """The pieces of `render_kept_named` joined into one, kept as a whole too, under all
    their names, until the first of their moments: a page of twenty-five cards shown
    again looks up one piece, not twenty-five."""
    where = (translation.get_language(), timezone.get_current_timezone_name())
    key = "joined:" + _digest((template_name, where, tuple(names))).hex()
    cache = caches["fragments"]
    found = None if settings.DEBUG else cache.get(key)
    if found is not None and (found[1] is None or now() < found[1]):
        kept = _opened(found[0])
        if not settings.FRAGMENTS_VERIFY:
            # Rendered by the template engine, which escaped what it had to.
            return mark_safe(kept)
    else:
        kept = None
    pieces, until = _named_pieces(template_name, names, build, False)
    joined = "".join(pieces)
    if kept is not None and kept != joined:
        raise StaleFragment(f"the pieces named {names!r} are not what they show now")
    if kept is None and len(joined) <= MAX_KEPT_NAMED_LENGTH and not settings.DEBUG:
        cache.set(key, (_packed(joined), until))
    # Rendered by the template engine, which escaped what it had to.
    return mark_safe(joined)


def _named_pieces(
    template_name: str,
    names: Sequence[Any],
    build: Callable[[list[int]], Sequence[tuple[dict[str, Any], datetime | None]]],
    with_token: bool,
) -> tuple[list[str], datetime | None]:
    """The pieces of `render_kept_named`, with their token's mark still in them, and the
    first moment one of them stops being true (None for never)."""
    where = (translation.get_language(), timezone.get_current_timezone_name(), with_token)
    keys = ["named:" + _digest((template_name, where, name)).hex() for name in names]
    cache = caches["fragments"]
    kept = {} if settings.DEBUG else cache.get_many(keys)
    at = now()
    pieces: list[str | None] = []
    untils: list[datetime] = []
    for key in keys:
        found = kept.get(key)
        if found and (found[1] is None or at < found[1]):
            pieces.append(_opened(found[0]))
            if found[1] is not None:
                untils.append(found[1])
        else:
            pieces.append(None)
    wanted = [n for n, piece in enumerate(pieces) if piece is None or settings.FRAGMENTS_VERIFY]
    built = build(wanted) if wanted else []
    token = {"csrf_token": _TOKEN_MARK if with_token else None}
    for n, (values, until) in zip(wanted, built, strict=True):
        render = partial(_render, template_name, {**values, **token})
        fresh = _verified(render) if settings.FRAGMENTS_VERIFY else render()
        if pieces[n] is not None and pieces[n] != fresh:
            raise StaleFragment(f"the piece named {names[n]!r} is not what it shows now")
        if pieces[n] is None:
            if len(fresh) <= MAX_KEPT_NAMED_LENGTH and not settings.DEBUG:
                cache.set(keys[n], (_packed(fresh), until))
            if until is not None:
                untils.append(until)
        pieces[n] = fresh
    done = [piece for piece in pieces if piece is not None]
    assert len(done) == len(pieces)
    return done, min(untils, default=None)


def kept_value(name: tuple[Any, ...], compute: Callable[[], _T], until: datetime | None) -> _T:
    """What `compute` returns, kept under `name` until the moment `until` (None for
    never), as a named piece is (`render_kept_named`): for what costs more to work out
    than to keep, such as a dashboard's order among hundreds of alliances. `name` holds
    plain values and must change whenever the value does, except with time. With
    ``settings.FRAGMENTS_VERIFY`` (the tests) it is worked out again and compared."""
    key = "value:" + _digest(name).hex()
    cache = caches["fragments"]
    found = None if settings.DEBUG else cache.get(key)
    if found is not None and (found[1] is None or now() < found[1]):
        if not settings.FRAGMENTS_VERIFY:
            return cast(_T, found[0])
        if compute() != found[0]:
            raise StaleFragment(f"the value named {name!r} is not what it is now")
        return cast(_T, found[0])
    value = compute()
    if not settings.DEBUG:
        cache.set(key, (value, until))
    return value


def _packed(piece: str) -> str | bytes:
    """`piece` as kept: compressed when it is long."""
    return str(piece) if len(piece) <= MAX_KEPT_LENGTH else zlib.compress(piece.encode(), 1)


def _opened(kept: str | bytes) -> str:
    return kept if isinstance(kept, str) else zlib.decompress(kept).decode()


def _with_token(piece: str, csrf_token: object) -> str:
    """`piece` with the page's CSRF token where it holds the mark (`_TOKEN_MARK`)."""
    return piece.replace(_TOKEN_MARK, str(csrf_token)) if csrf_token else piece


def row_name(row: Model) -> tuple[Any, ...]:
    """The values of every column `row` holds, for the name of a kept piece."""
    return tuple(_columns(row))


def _kept(key: str, render: Callable[[], str]) -> str:
    """The piece kept under `key`, or `render`'s, kept from now on (see `render_kept`)."""
    cache = caches["fragments"]
    kept = None if settings.DEBUG else cache.get(key)
    if kept is None or settings.FRAGMENTS_VERIFY:
        fresh = _verified(render) if settings.FRAGMENTS_VERIFY else render()
        if kept is not None and kept != fresh:
            raise StaleFragment(f"the piece kept under {key} is not what it shows now")
        if kept is None and len(fresh) <= MAX_KEPT_LENGTH and not settings.DEBUG:
            cache.set(key, str(fresh))
        kept = fresh
    return kept


def _render(template_name: str, values: dict[str, Any]) -> SafeString:
    template = get_template(template_name)
    assert isinstance(template, BackendTemplate)
    return template.template.render(Context(values))


def _verified(render: Callable[[], str]) -> str:
    with connection.execute_wrapper(_no_query_in_a_piece):
        return render()


def _no_query_in_a_piece(*args: Any) -> None:
    raise StaleFragment("a kept piece ran a query while rendering: what it read is not in its key")


def render_kept_form(
    form: BaseForm, template_name: str | None = None, name: str | None = None
) -> SafeString:
    """`form` rendered (with `template_name`, or as its ``<div>`` layout), kept under
    what its templates are given: per field its name, label, help and the context its
    widget renders (value, attributes, options). An empty form renders the same markup
    on every visit until one of those changes (a term form costs 4 ms of CPU to render
    afresh). Only forms not bound to data are kept: a form sent back with its errors is
    seen once, and what a person typed is not kept. A form with options read from the
    database or very many of them, or with a value that cannot be keyed, is rendered
    afresh every time.

    A caller whose unbound form is the same for everyone (a search form's empty fields)
    may `name` it instead: it is then kept under that name, the language and the time
    zone, and what it shows is not digested on every visit. With
    ``settings.FRAGMENTS_VERIFY`` (the tests) it is rendered again and compared."""
    template_name = template_name or form.template_name_div
    if form.is_bound or any(_rendered_afresh(bound.field) for bound in form):
        return form.render(template_name)
    if name is not None:
        where = (translation.get_language(), timezone.get_current_timezone_name())
        key = "named-form:" + _digest((template_name, where, name)).hex()
        # The form and field templates escape what they render; the piece is theirs.
        return mark_safe(_kept(key, lambda: form.render(template_name)))
    try:
        shown = facts(_form_facts(form))
    except Unkeyable:
        return form.render(template_name)
    key = fragment_key(f"form {template_name}", {"form": shown}, with_token=False)
    # The form and field templates escape what they render; the piece is theirs.
    return mark_safe(_kept(key, lambda: form.render(template_name)))


def render_kept_field(bound: BoundField) -> SafeString:
    """One field's widget (``{{ form.field }}``) kept once rendered, for a form laid out
    field by field. Kept only for a form not bound to data and a widget whose markup is
    made of its name, value and attributes alone (a text box, a hidden input, a text
    area); the coached text area's flags are read from its text, so its key holds the
    texts the coach is told to leave alone. Anything else is rendered afresh."""
    widget = bound.field.widget
    if bound.form.is_bound or not isinstance(widget, (Input, Textarea)):
        return bound.as_widget()
    attrs = bound.build_widget_attrs({}, widget)
    if bound.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound.auto_id)
    try:
        shown = facts(
            (
                f"{type(widget).__module__}.{type(widget).__qualname__}",
                widget.template_name,
                widget.attrs,
                getattr(widget, "input_type", None),
                widget.is_localized,
                widget.is_required,
                getattr(widget, "offered", None),
                bound.html_name,
                bound.value(),
                attrs,
            )
        )
    except Unkeyable:
        return bound.as_widget()
    key = fragment_key("field", {"field": shown}, with_token=False)
    # The widget's template escapes what it renders; the piece is its.
    return mark_safe(_kept(key, bound.as_widget))


def _rendered_afresh(field: Field) -> bool:
    """Whether a form with `field` is better rendered afresh: options read from the
    database, or more options than a key is worth (a time zone among six hundred costs
    about as much to key as to render, and makes a piece longer than is kept)."""
    if isinstance(field, ModelChoiceField):
        return True
    choices = getattr(field, "choices", None)
    return choices is not None and len(choices) > MAX_KEPT_OPTIONS


def _form_facts(form: BaseForm) -> tuple[Any, ...]:
    """What the templates of an unbound `form` are given, as plain values to digest."""
    kind = type(form)
    fields = []
    for bound in form:
        widget = bound.field.widget
        # What BoundField.as_widget gives the widget to render.
        attrs = bound.build_widget_attrs({}, widget)
        if bound.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", bound.auto_id)
        context = widget.get_context(bound.html_name, bound.value(), attrs)
        fields.append(
            (
                f"{type(bound.field).__module__}.{type(bound.field).__qualname__}",
                f"{type(widget).__module__}.{type(widget).__qualname__}",
                bound.template_name,
                bound.html_name,
                bound.auto_id,
                bound.id_for_label,
                bound.label,
                bound.field.label_suffix,
                bound.help_text,
                bound.field.required,
                bound.field.show_hidden_initial,
                bound.use_fieldset,
                bound.css_classes(),
                context,
            )
        )
    return (
        f"{kind.__module__}.{kind.__qualname__}",
        f"{type(form.renderer).__module__}.{type(form.renderer).__qualname__}",
        form.template_name_label,
        form.prefix,
        form.label_suffix,
        fields,
    )
