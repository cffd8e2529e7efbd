"""Seed a benchmark database fast: realistic cases, events, notes, outbox rows and a directory.

Usage: DATABASE_URL=postgres://.../samverka_bench python bench/seed.py --cases 100000

The schema must already be migrated. Reference data (the shipped directory, the demo-like
logins) goes through the real services; the bulk (cases and everything hanging off them) is
written with PostgreSQL COPY, because 1,000,000 cases through the ORM would take an hour.

1. Import the shipped directory, then pad it to 290 municipalities and 5,000 contact persons.
2. Create the bench logins (a coordinator; a contact person with assigned cases).
3. Generate cases in creation order over 2020..today, with per-year references, a state
   distribution where old cases are mostly finished, and the events each state implies
   (created, transitions, internal notes; 1% of cases have a long timeline).
4. COPY cases, area/form links, events, assignments and outbox rows with FK triggers off
   (session_replication_role = replica: the generator guarantees integrity), then set the
   sequences, the reference counters, and ANALYZE.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "bench-password-1"
COORDINATOR_EMAIL = "bench-coordinator@hb.example"
CONTACT_EMAIL = "anna.lindqvist@hb.example"
MUNICIPALITIES = 290
CONTACTS = int(os.environ.get("BENCH_CONTACTS", "5000"))
# Cases whose open state has lasted long enough for a reminder: 1% of all cases.
DUE_SHARE = 0.01
LONG_TIMELINE_SHARE = 0.01
LONG_TIMELINE_NOTES = 30
START = datetime(2020, 1, 1, tzinfo=UTC)

# State → the transitions that led there (after "created").
PATHS = {
    "received": [],
    "contact_assigned": ["assign_contact"],
    "meeting_held": ["assign_contact", "record_meeting"],
    "workshop": ["assign_contact", "record_meeting", "start_workshop"],
    "project": ["assign_contact", "record_meeting", "start_project"],
    "closed": ["assign_contact", "record_meeting", "close"],
    "declined": ["decline"],
    "withdrawn": ["withdraw"],
}
TARGET = {
    "assign_contact": ("received", "contact_assigned"),
    "record_meeting": ("contact_assigned", "meeting_held"),
    "start_workshop": ("meeting_held", "workshop"),
    "start_project": ("meeting_held", "project"),
    "close": ("meeting_held", "closed"),
    "decline": ("received", "declined"),
    "withdraw": ("received", "withdrawn"),
}
OPEN = ("received", "contact_assigned", "meeting_held", "workshop", "project")
# A case older than a year is mostly finished; a recent one mostly open.
OLD_WEIGHTS = [1, 2, 1, 1, 3, 70, 12, 10]
NEW_WEIGHTS = [25, 25, 12, 6, 7, 12, 8, 5]
STATES = list(PATHS)

WORDS = (
    "matsvinn skolkök äldreomsorg hemtjänst rekrytering textilåtervinning återbruk insamling "
    "biogas kompostering solceller fastigheter bibliotek digitalisering e-tjänster delaktighet "
    "förskola fritidshem elevhälsa lärarutbildning integration arbetsmarknad näringsliv handel "
    "logistik cirkulär ekonomi klimat energi vatten avlopp trafik cykel kollektivtrafik "
    "folkhälsa idrott kultur ungdomar nyanlända språk vård omsorg välfärdsteknik sensorer "
    "kompetensförsörjning utbildning samverkan innovation hållbarhet mätning utvärdering "
    "planering bostäder stadsutveckling landsbygd turism besöksnäring säkerhet krisberedskap"
).split()
# Place names: a large vocabulary, so a search for one finds a realistic handful of cases.
PLACES = [
    a + b
    for a in "Al Berg Björk Dal Ek Fors Gran Hag Hult Lid Lund Mo Näs Ryd Sjö Sten Tor Ull Vik Ås".split()
    for b in "by torp holm backa bro ås hed strand mark ryd sta vik åker näs sund fors".split()
]
FIRST = "Eva Anna Lars Karin Per Maria Johan Lena Erik Sara Anders Elin Nils Ida Olof Emma".split()
LAST = "Ek Berg Lind Holm Nilsson Karlsson Andersson Svensson Lund Strand Björk Sjöberg".split()
ROLES = ("Miljöstrateg", "Enhetschef", "Utvecklingsledare", "Rektor", "Verksamhetschef")


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f+00")


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _copy(cur, table: str, columns: list[str], rows) -> int:
    """COPY text-format lines (already tab-joined, no tabs/newlines/backslashes inside)."""
    count = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= 20000:
                copy.write("\n".join(chunk) + "\n")
                count += len(chunk)
                chunk = []
        if chunk:
            copy.write("\n".join(chunk) + "\n")
            count += len(chunk)
    return count


def _reference_data(rng: random.Random) -> dict:
    """Steps 1 and 2: the directory and logins, through the real services."""
    from accounts.services import staff_user_create
    from directory.models import Area, CollaborationForm, ContactPerson, Municipality
    from directory.services import directory_import

    directory_import(folder=ROOT / "directory" / "data")
    existing = set(Municipality.objects.values_list("code", flat=True))
    codes = [f"{c:04d}" for c in range(100, 3000) if f"{c:04d}" not in existing]
    Municipality.objects.bulk_create(
        [
            Municipality(code=code, name=f"Kommun {code}")
            for code in codes[: MUNICIPALITIES - len(existing)]
        ]
    )
    areas = list(Area.objects.values_list("pk", flat=True))
    have = ContactPerson.objects.count()
    people = [
        ContactPerson(
            email=f"kontakt{i:05d}@bench.example",
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i:05d}",
            title="Universitetslektor",
            department="Bench",
            keywords=";".join(rng.sample(WORDS, 3)),
            languages="sv;en",
        )
        for i in range(CONTACTS - have)
    ]
    ContactPerson.objects.bulk_create(people, batch_size=2000)
    links = [
        ContactPerson.areas.through(contactperson_id=p.pk, area_id=rng.choice(areas))
        for p in ContactPerson.objects.filter(department="Bench").only("pk")
    ]
    ContactPerson.areas.through.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)

    coordinator = staff_user_create(
        email=COORDINATOR_EMAIL,
        role="coordinator",
        password=BENCH_PASSWORD,
        first_name="Bench",
        last_name="Koordinator",
    )
    contact_user = staff_user_create(email=CONTACT_EMAIL, role="contact", password=BENCH_PASSWORD)
    ContactPerson.objects.filter(email=CONTACT_EMAIL).update(user=contact_user)
    municipalities = list(Municipality.objects.order_by("pk").values_list("pk", flat=True))
    return {
        "municipalities": municipalities,
        "areas": areas,
        "forms": list(CollaborationForm.objects.values_list("pk", flat=True)),
        "contacts": list(ContactPerson.objects.order_by("pk").values_list("pk", flat=True)),
        "anna": ContactPerson.objects.get(email=CONTACT_EMAIL).pk,
        "coordinator": coordinator.pk,
    }


def _generate(n: int, ref: dict, rng: random.Random, now: datetime):
    """Step 3: rows for every table, as COPY lines. Yields (table, line)."""
    span = (now - START).total_seconds()
    # Growth: more cases in later years (sqrt skews the uniform draw towards the end).
    moments = sorted(START + timedelta(seconds=span * rng.random() ** 0.7) for _ in range(n))
    # Zipf-ish spread: a few large municipalities get most requests.
    muni = ref["municipalities"]
    muni_weights = [1 / (i + 1) ** 0.8 for i in range(len(muni))]
    muni_cum = _cumulative(muni_weights)
    contacts = ref["contacts"]
    coordinator = ref["coordinator"]
    per_year: dict[int, int] = {}
    event_id = assignment_id = outbox_id = link_id = form_link_id = 0
    cases, links, form_links, events, assignments, outbox = [], [], [], [], [], []
    year_ago = now - timedelta(days=365)
    for i, created in enumerate(moments, start=1):
        year = created.year
        per_year[year] = per_year.get(year, 0) + 1
        reference = f"AK-{year}-{per_year[year]:04d}"
        weights = OLD_WEIGHTS if created < year_ago else NEW_WEIGHTS
        state = rng.choices(STATES, weights)[0]
        path = PATHS[state]
        contact = None
        if path and path[0] == "assign_contact":
            # Anna gets a slice, so "My cases" has something to show.
            contact = ref["anna"] if rng.random() < 0.002 else rng.choice(contacts)
        t = created
        step_times = []
        for _ in path:
            t = t + timedelta(hours=rng.uniform(2, 24 * 20))
            step_times.append(t)
        if state in OPEN:
            # Open cases moved recently; seed() then makes exactly DUE_SHARE of all cases due.
            changed = max(now - timedelta(days=rng.uniform(0, 10)), created)
            step_times = [min(s, changed) for s in step_times]
        else:
            changed = step_times[-1] if step_times else created
            changed = min(changed, now)
        title_words = rng.sample(WORDS, 3)
        title = f"{title_words[0].capitalize()} och {title_words[1]} i {title_words[2]}"
        description = (
            " ".join(rng.choices(WORDS, k=rng.randint(15, 60))).capitalize()
            + f". Gäller {rng.choice(PLACES)}."
        )
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first.lower()}.{last.lower()}{i}@kommun.example".replace("ö", "o").replace(
            "å", "a"
        )
        token_hash = hashlib.sha256(f"bench-{i}".encode()).hexdigest()
        cases.append(
            "\t".join(
                (
                    str(i),
                    state,
                    reference,
                    f"{first} {last}",
                    rng.choice(ROLES),
                    email,
                    "",
                    title,
                    description,
                    "",
                    "sv",
                    _ts(created),
                    token_hash,
                    str(1 + len(path)),
                    _ts(created),
                    _ts(changed),
                    _ts(changed),
                    "f",
                    str(contact) if contact else "\\N",
                    str(muni[_pick(muni_cum, rng.random())]),
                )
            )
        )
        for area in rng.sample(ref["areas"], rng.randint(1, 2)):
            link_id += 1
            links.append(f"{link_id}\t{i}\t{area}")
        if rng.random() < 0.5:
            form_link_id += 1
            form_links.append(f"{form_link_id}\t{i}\t{rng.choice(ref['forms'])}")
        event_id += 1
        events.append(
            f"{event_id}\tcreated\t\t\treceived\trequester\t{{}}\tt\t{_ts(created)}\t\\N\t{i}"
        )
        for name, at in zip(path, step_times, strict=True):
            event_id += 1
            src, dst = TARGET[name]
            data = {"contact_id": contact, "contact_name": "Kontakt"} if contact else {}
            if name == "withdraw":
                events.append(
                    f"{event_id}\ttransition\t{name}\t{src}\t{dst}\trequester\t{{}}\tt\t{_ts(at)}\t\\N\t{i}"
                )
                continue
            if name == "record_meeting":
                data = {"date": at.date().isoformat(), "notes": "Bra möte."}
            events.append(
                f"{event_id}\ttransition\t{name}\t{src}\t{dst}\t\t{json.dumps(data, ensure_ascii=False)}\tt\t{_ts(at)}\t{coordinator}\t{i}"
            )
        if contact:
            assignment_id += 1
            assignments.append(f"{assignment_id}\t{_ts(step_times[0])}\t\\N\t{i}\t{contact}")
        notes = rng.choice((0, 0, 1, 2))
        if rng.random() < LONG_TIMELINE_SHARE:
            notes = LONG_TIMELINE_NOTES
        for k in range(notes):
            event_id += 1
            at = min(created + timedelta(hours=1 + k), now)
            text = " ".join(rng.choices(WORDS, k=12))
            events.append(
                f"{event_id}\tnote\t\t\t\t\t{json.dumps({'text': text}, ensure_ascii=False)}\tf\t{_ts(at)}\t{coordinator}\t{i}"
            )
        outbox_id += 1
        outbox.append(
            "\t".join(
                (
                    str(outbox_id),
                    f"receipt:{i}",
                    str(i),
                    "receipt",
                    "Du skickade in en förfrågan.",
                    email,
                    f"Vi har tagit emot din förfrågan {reference}",
                    "",
                    "",
                    "sv",
                    "t",
                    "sent",
                    "1",
                    _ts(created),
                    _ts(created),
                    _ts(created + timedelta(seconds=2)),
                    "",
                    _ts(created),
                )
            )
        )
        if len(cases) >= 20000:
            yield cases, links, form_links, events, assignments, outbox
            cases, links, form_links, events, assignments, outbox = [], [], [], [], [], []
    yield cases, links, form_links, events, assignments, outbox
    yield per_year


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return [x / total for x in out]


def _pick(cum: list[float], r: float) -> int:
    import bisect

    return min(bisect.bisect_left(cum, r), len(cum) - 1)


COLUMNS = {
    "cases_case": [
        "id",
        "state",
        "reference",
        "requester_name",
        "requester_role",
        "requester_email",
        "requester_phone",
        "title",
        "description",
        "timeframe",
        "language",
        "consent_at",
        "tracking_token_hash",
        "version",
        "created_at",
        "state_changed_at",
        "last_activity_at",
        "public",
        "contact_id",
        "municipality_id",
    ],
    "cases_case_areas": ["id", "case_id", "area_id"],
    "cases_case_forms": ["id", "case_id", "collaborationform_id"],
    "cases_caseevent": [
        "id",
        "kind",
        "transition",
        "from_state",
        "to_state",
        "actor_label",
        "data",
        "public",
        "created_at",
        "actor_id",
        "case_id",
    ],
    "cases_caseassignment": ["id", "assigned_at", "ended_at", "case_id", "contact_id"],
    "notifications_outboxmessage": [
        "id",
        "key",
        "case_id",
        "kind",
        "reason",
        "recipient",
        "subject",
        "body_text",
        "body_html",
        "language",
        "sensitive",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "created_at",
    ],
}


def _columns(cur, table: str) -> dict[str, bool]:
    cur.execute(
        "SELECT column_name, is_nullable = 'YES' FROM information_schema.columns"
        " WHERE table_name = %s",
        (table,),
    )
    return dict(cur.fetchall())


def _drop_secondary_indexes(cur, tables: list[str]) -> list[str]:
    """Drop indexes that back no constraint; returns their definitions to rebuild after COPY.

    Building an index once over sorted data is several times faster than updating it row by
    row, and the GIN search index would otherwise dominate the load.
    """
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint c WHERE c.conname = indexname)",
        (tables,),
    )
    found = cur.fetchall()
    for name, _ in found:
        cur.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def _defaults_for_other_columns(cur, tables: list[str]) -> list[str]:
    """Columns added by later migrations get their model default while we COPY.

    Django keeps defaults in Python, not in the schema, so a NOT NULL column this seeder does
    not know would make COPY fail. Returns the statements that drop the temporary defaults.
    """
    from django.apps import apps

    models = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
    restore = []
    for table in tables:
        for column, nullable in _columns(cur, table).items():
            if nullable or column in COLUMNS[table]:
                continue
            field = next(f for f in models[table]._meta.concrete_fields if f.column == column)
            value = field.get_db_prep_save(field.get_default(), connection=_django_connection())
            if isinstance(value, dict | list):
                value = json.dumps(value)
            cur.execute(
                f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {_literal(cur, value)}"
            )
            restore.append(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
    return restore


def _django_connection():
    from django.db import connection

    return connection


def _literal(cur, value) -> str:
    from psycopg import sql

    return sql.Literal(value).as_string(cur)


def seed(*, cases: int, seed_value: int = 20261127) -> dict:
    """Fill the (migrated, empty) database named by DATABASE_URL. Returns counts and timing."""
    _setup_django()
    import psycopg
    from django.db import connection

    started = time.monotonic()
    rng = random.Random(seed_value)
    ref = _reference_data(rng)
    now = datetime.now(UTC)
    params = connection.get_connection_params()
    dsn = {k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")}
    counts = dict.fromkeys(COLUMNS, 0)
    per_year: dict[int, int] = {}
    with psycopg.connect(**dsn) as conn, conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET synchronous_commit = off")
        tables = list(COLUMNS)
        restore = _defaults_for_other_columns(cur, tables)
        indexes = _drop_secondary_indexes(cur, tables)
        for batch in _generate(cases, ref, rng, now):
            if isinstance(batch, dict):
                per_year = batch
                break
            for table, rows in zip(tables, batch, strict=True):
                counts[table] += _copy(cur, table, COLUMNS[table], rows)
        cur.execute("SET session_replication_role = DEFAULT")
        for statement in restore:
            cur.execute(statement)
        cur.execute("SET maintenance_work_mem = '512MB'")
        for definition in indexes:
            cur.execute(definition)
        for table in tables:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        for year, last in per_year.items():
            cur.execute(
                "INSERT INTO cases_referencecounter (year, last) VALUES (%s, %s) "
                "ON CONFLICT (year) DO UPDATE SET last = EXCLUDED.last",
                (year, last),
            )
        # Exactly DUE_SHARE of all cases: open, and in that state for 30-60 days.
        cur.execute(
            "UPDATE cases_case SET state_changed_at = %s - (30 + random() * 30) * interval '1 day'"
            " WHERE id IN (SELECT id FROM cases_case WHERE state = ANY(%s) AND created_at < %s"
            " ORDER BY random() LIMIT %s)",
            (now, list(OPEN), now - timedelta(days=60), int(cases * DUE_SHARE)),
        )
        if "next_reminder_at" in _columns(cur, "cases_case"):
            # The reminder scan reads this due time: open cases are due 14 days after their
            # last change, so exactly the DUE_SHARE above is due now.
            cur.execute(
                "UPDATE cases_case SET next_reminder_at = state_changed_at + interval '14 days'"
                " WHERE state = ANY(%s)",
                (list(OPEN),),
            )
        conn.commit()
        conn.autocommit = True
        for table in tables:
            cur.execute(f"VACUUM ANALYZE {table}")
    return {
        "cases": counts["cases_case"],
        "events": counts["cases_caseevent"],
        "outbox": counts["notifications_outboxmessage"],
        "assignments": counts["cases_caseassignment"],
        "contacts": len(ref["contacts"]),
        "municipalities": len(ref["municipalities"]),
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=int(os.environ.get("BENCH_CASES", 100000)))
    args = parser.parse_args()
    print(json.dumps(seed(cases=args.cases)))


if __name__ == "__main__":
    main()
