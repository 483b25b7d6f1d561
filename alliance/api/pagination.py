"""Cursor pagination: a page of items and an opaque cursor to the next page.

A cursor names the last item seen, not an offset, so items added or removed meanwhile
neither repeat nor get skipped, and a page costs the same far down the list as at its top.
"""

import base64
import binascii
import json
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Schema

from alliance.api.problems import ApiProblem

T = TypeVar("T")
M = TypeVar("M", bound=Model)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# What a cursor is made of (URL-safe base64 without padding): declared on the query
# parameter, so the docs say it and nothing else reaches `_decode`.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"


class PageQuery(Schema):
    """The query of every cursor-paged list: `?limit=50&cursor=…`."""

    cursor: str | None = Field(
        None, max_length=200, pattern=CURSOR_PATTERN, description="From `next_cursor`."
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def _encode(key: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([key]).encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        [key] = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        key = None
    if not isinstance(key, int) or isinstance(key, bool) or not 0 <= key < 2**63:
        raise ApiProblem(
            422,
            _("This cursor is not one we gave out: start again without it."),
            errors=[{"field": "cursor", "message": _("Not a cursor from an earlier page.")}],
        )
    return key


def cursor_page(
    queryset: QuerySet[M], *, cursor: str | None, limit: int, newest_first: bool = False
) -> tuple[list[M], str | None]:
    """One page of `queryset` ordered by primary key (newest first if asked): the items
    after `cursor`, at most `limit`, and the cursor of the page after them (None at the
    end)."""
    if cursor:
        after = _decode(cursor)
        queryset = queryset.filter(pk__lt=after) if newest_first else queryset.filter(pk__gt=after)
    queryset = queryset.order_by("-pk" if newest_first else "pk")
    items = list(queryset[: limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return items, (_encode(items[-1].pk) if more and items else None)
