"""A trigram index for the ledger's keyword search (PostgreSQL only).

The keyword matches the title, the content or the number (case-insensitively). The ledger writes that as one
`icontains` over the three joined by line feeds (`ledger.SearchText`; a keyword never holds a line feed, so a
match cannot straddle two of them): `UPPER((title || chr(10) || content || chr(10) || number)::text) LIKE
UPPER('%…%')`. One GIN index over that expression with `gin_trgm_ops` serves it: a single bitmap index scan
instead of reading the table. pg_trgm splits Chinese text into trigrams as well as Latin (the database's
LC_CTYPE must be a UTF-8 locale, as C.UTF-8 is).

The index is not part of the models' state: SQLite (development, tests) has neither GIN nor pg_trgm, and there
this migration does nothing."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

NAME = "item_search_trgm_idx"
# Must stay the very expression ledger.SearchText writes, or the planner will not use the index.
EXPRESSION = 'UPPER(("title" || chr(10) || "content" || chr(10) || "number"))'


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "items_item" USING gin ({EXPRESSION} gin_trgm_ops)'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [("items", "0005_dashboard_rollup")]

    operations = [
        TrigramExtension(),  # does nothing on other databases
        migrations.RunPython(create, drop, elidable=False),
    ]
