"""The benchmarks' own PostgreSQL databases: made afresh for a run, dropped after."""


def drop_database(*, again: bool) -> None:
    """Drop the benchmark's database and, with `again`, make it anew (empty)."""
    import psycopg
    from django.db import connection

    connection.close()
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname="postgres",
        password=db["PASSWORD"] or None,
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}"')
        if again:
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
