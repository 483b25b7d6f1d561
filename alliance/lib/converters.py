"""The path converter for ids in URLs.

Django's `<int:...>` takes any number of digits; a number beyond what a database column
holds then fails inside the database (SQLite raises OverflowError) instead of being "not
found". `<id:...>` matches only ids a column can hold, so anything else is a 404 before a
view runs.
"""

from alliance.lib.forms import MAX_ID


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)  # Django reads it as "this pattern does not match"
        return number

    def to_url(self, value: int) -> str:
        return str(value)
