"""Free-text search reads a stored tsvector column (PostgreSQL only).

The expression index of 0004 (case_search_idx) served selective words, but for a common word
the planner walks the newest-first index and computes to_tsvector for every row it passes
(600+ ms at a million cases). A generated, stored column makes that per-row check a read, and
its GIN index serves the selective words. The column is unknown to the Django model (SQLite,
the `make run` default, keeps icontains), so Django never writes it: PostgreSQL does.
"""

from django.db import migrations

COLUMN = (
    "ALTER TABLE cases_case ADD COLUMN IF NOT EXISTS search_tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('swedish'::regconfig, COALESCE(title, '') || ' ' || COALESCE(description, '') "
    "|| ' ' || COALESCE(requester_name, ''))) STORED"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(COLUMN)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS case_search_tsv_idx ON cases_case USING gin (search_tsv)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS case_search_idx")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS case_search_tsv_idx")
    schema_editor.execute("ALTER TABLE cases_case DROP COLUMN IF EXISTS search_tsv")


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_bench_indexes")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
