"""The table of the database cache, made by `migrate` so every deployment, every fresh
clone and every test database has it. It is made whichever cache is configured: an
installation that moves from Redis back to the embedded mode finds it there."""

from django.core.management import call_command
from django.db import migrations


# The LOCATION of the database cache in settings.CACHES.
TABLE = "alliance_cache"


def create_cache_table(apps, schema_editor):
    call_command(
        "createcachetable",
        TABLE,
        database=schema_editor.connection.alias,
        verbosity=0,
    )


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
