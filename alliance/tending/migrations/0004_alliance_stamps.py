"""Rhythms, check-ins, ratings and signals stamp their alliance when written
(`alliance.lib.stamps`): a dashboard card says when the next check-in is, whether one is
due and what was signalled."""

from django.db import migrations

from alliance.lib.stamps import stamp_alliance_on_write

OWN_ALLIANCE = "SELECT {row}.alliance_id AS alliance_id"


class Migration(migrations.Migration):
    dependencies = [
        ("tending", "0003_checkin_checkin_opened_at"),
        ("alliances", "0009_alliance_stamps"),
    ]

    operations = [
        stamp_alliance_on_write("tending_rhythm", OWN_ALLIANCE),
        stamp_alliance_on_write("tending_checkin", OWN_ALLIANCE),
        stamp_alliance_on_write(
            "tending_rating", "SELECT alliance_id FROM tending_checkin WHERE id = {row}.checkin_id"
        ),
        stamp_alliance_on_write("tending_signal", OWN_ALLIANCE),
    ]
