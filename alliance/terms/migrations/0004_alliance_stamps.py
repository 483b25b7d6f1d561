"""Terms, consents and versions stamp their alliance when written (`alliance.lib.stamps`):
a dashboard card says what waits on whose consent and which version is in force."""

from django.db import migrations

from alliance.lib.stamps import stamp_alliance_on_write


class Migration(migrations.Migration):
    dependencies = [
        ("terms", "0003_version_schemes"),
        ("alliances", "0009_alliance_stamps"),
    ]

    operations = [
        stamp_alliance_on_write("terms_term", "SELECT {row}.alliance_id AS alliance_id"),
        stamp_alliance_on_write(
            "terms_consent", "SELECT alliance_id FROM terms_term WHERE id = {row}.term_id"
        ),
        stamp_alliance_on_write("terms_version", "SELECT {row}.alliance_id AS alliance_id"),
    ]
