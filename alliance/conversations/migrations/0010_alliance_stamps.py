"""Conversations stamp their alliance when anything of them is written
(`alliance.lib.stamps`): a dashboard card says which times, schedules and reflections
wait on the person."""

from django.db import migrations

from alliance.lib.stamps import stamp_alliance_on_write

OF_STAKE = "SELECT alliance_id FROM conversations_stake WHERE id = {row}.stake_id"


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0009_closing_kinds"),
        ("alliances", "0009_alliance_stamps"),
    ]

    operations = [
        stamp_alliance_on_write("conversations_stake", "SELECT {row}.alliance_id AS alliance_id"),
        stamp_alliance_on_write("conversations_candidatetime", OF_STAKE),
        stamp_alliance_on_write(
            "conversations_timeanswer",
            "SELECT stake.alliance_id FROM conversations_candidatetime AS candidate "
            "JOIN conversations_stake AS stake ON stake.id = candidate.stake_id "
            "WHERE candidate.id = {row}.candidate_id",
        ),
        stamp_alliance_on_write("conversations_reflection", OF_STAKE),
        stamp_alliance_on_write("conversations_reveal", OF_STAKE),
    ]
