"""Indexes for the inbox's saved views and its next-due order (issue 10), PostgreSQL only.

- case_new_idx: the "Nya" view (received and never assigned: version 1), newest first; its
  capped count and first page read only this small index (28 ms → ~1 ms at 1,000,000 cases
  without it, as received cases must otherwise be fetched to check the version).
- case_open_due_idx: open cases by next reminder (ascending; PostgreSQL puts cases without one
  last, as the selector's order does), then id: the "next due" column's order reads the first
  page from the index instead of sorting every open case (830 ms at 1,000,000 cases).

Like 0004 they are not in Case.Meta.indexes: the partial indexes' conditions are the
selectors' policy, and SQLite (the `make run` default) does not need them.
"""

from django.db import migrations

OPEN = "('received', 'contact_assigned', 'meeting_held', 'workshop', 'project')"
INDEXES = {
    "case_new_idx": "(created_at DESC, id DESC) WHERE state = 'received' AND version = 1",
    "case_open_due_idx": f"(next_reminder_at, id) WHERE state IN {OPEN}",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON cases_case {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_search_column")]
    operations = [migrations.RunPython(create, drop, elidable=False)]
