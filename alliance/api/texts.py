"""Text the API accepts into the database: without NUL characters (PostgreSQL refuses
them) or lone surrogates (which no UTF-8 column can hold), refused as a 422 naming the
field, as the pages' forms refuse them."""

from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import AfterValidator


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError(_("The text holds a NUL character; send it again without it."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(_("The text holds a character UTF-8 cannot carry.")) from None
    return value


StorableText = Annotated[str, AfterValidator(_storable)]
