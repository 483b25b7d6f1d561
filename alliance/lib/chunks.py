"""Periodic work in bounded steps.

A periodic job (reminders, nudges) first selects what may be due through an index, ids
only, then handles those rows a chunk at a time, fetching what the chunk needs (parties,
preferences, what was sent already) in one query each, never one per row. Each chunk is a
step after which `alliance worker` can send mail or stop.
"""

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

from django.conf import settings

T = TypeVar("T")


def chunked(items: Iterable[T], size: int | None = None) -> Iterator[list[T]]:
    """`items` in lists of `size` (default: the `PERIODIC_CHUNK_SIZE` setting)."""
    size = size or settings.PERIODIC_CHUNK_SIZE
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
