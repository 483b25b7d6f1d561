"""What the API's request bodies are built on."""

from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import model_validator


class BodyIn(Schema):
    """A request body, which must be a JSON object.

    ninja's Schema reads the attributes of whatever it is given (so that responses can be
    built from models): without this, a body of `"x"` would read as a title of "X"
    (`"x".title()`) and a list as an object with no fields, so an operation whose fields
    are all optional would accept either."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # ninja may hand over what it was given wrapped for reading attributes; a schema
        # used in responses too is built from instances of itself.
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict | cls):
            raise ValueError(_("Send a JSON object."))
        return data
