# The tending fixtures, for the coach on check-ins and signals.
from tests.tending.conftest import clock, ratified  # noqa: F401
