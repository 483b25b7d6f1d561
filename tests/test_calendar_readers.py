"""Every calendar file we send reads the same in readers we did not write.

Invitations, updates after a move (from New York, Berlin and Sydney), a cancellation, a
downloaded invitation and five people's feeds (see tests/calendar_outputs.py) are read
with icalendar, vobject and recurring-ical-events; each reader's occurrence instants must
be ours, in the next two years and past 2038. bench/calendar_readers.py counts the same
checks and writes the files out for Mozilla's ical.js.
"""

import pytest

from tests.calendar_outputs import READERS, calendar_files, reading_checks


@pytest.fixture
def files(db):
    return calendar_files()


def _failures(checks) -> str:
    return "\n".join(f"{c.file}: {c.what}: {c.detail}" for c in checks if not c.ok)


def test_the_scene_has_every_kind_of_calendar_file(files):
    kinds = [f.kind for f in files]
    assert {"invitation", "update", "cancel", "download", "feed"} <= set(kinds)
    assert kinds.count("update") == 3
    assert kinds.count("feed") == 5
    # Every feed holds a check-in series and every person's feed holds something.
    assert all(f.expected for f in files)


def test_every_time_zone_a_file_names_is_defined_in_that_file(files):
    checks = [c for c in reading_checks(files) if c.what.startswith(("TZID", "VTIMEZONE"))]
    assert checks
    assert not _failures(checks), _failures(checks)


@pytest.mark.parametrize("reader", READERS)
def test_each_reader_finds_our_occurrences_to_the_second(files, reader):
    checks = [c for c in reading_checks(files) if c.what.startswith(f"{reader}:")]
    assert len(checks) >= len(files)
    assert not _failures(checks), _failures(checks)


def test_feeds_say_how_often_to_refresh_and_what_they_are_called(files):
    checks = [c for c in reading_checks(files) if c.what.startswith("feed has")]
    assert len(checks) == 15
    assert not _failures(checks), _failures(checks)
