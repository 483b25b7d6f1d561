from datetime import UTC, datetime

import pytest
import time_machine

from tests.factories import propose, ratify_with

# A Thursday in March, in the week before Europe moves its clocks forward.
START = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ratified(cast, clock):
    """The cast's alliance with version 1 of two terms in force."""
    propose(cast.coach_party, "We meet every other Tuesday.")
    propose(cast.coach_party, "I answer emails within two working days.", category="communication")
    ratify_with([cast.coach_party, cast.client_party])
    cast.alliance.refresh_from_db()
    return cast


def term_ids(cast) -> list[int]:
    return [t["id"] for t in cast.alliance.current_version.snapshot["terms"]]
