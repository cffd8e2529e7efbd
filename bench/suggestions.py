"""Benchmark: contact suggestions for one case against a directory of 500 contacts.

    .venv/bin/python bench/suggestions.py

Uses its own SQLite file (or DATABASE_URL if set): migrates, imports the demo directory,
adds synthetic contacts up to 500 (recombined keywords and areas of the demo people) and
some open cases for load, then times `rank_contacts` for every request of the evaluation set,
including the load query and fetching the contacts. The first call builds the index and is
reported separately.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/samverka-bench-suggestions.sqlite3")
N_CONTACTS = int(os.environ.get("BENCH_CONTACTS", "500"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from cases.selectors import contact_loads  # noqa: E402
from directory.models import Area, ContactPerson  # noqa: E402
from directory.services import directory_import  # noqa: E402
from directory.suggestions import build_index, get_index, rank_contacts  # noqa: E402


def populate() -> None:
    call_command("migrate", verbosity=0)
    directory_import(folder=ROOT / "directory" / "data")
    demo = list(ContactPerson.objects.prefetch_related("areas").order_by("pk")[:36])
    areas = list(Area.objects.all())
    keywords = sorted({k for p in demo for k in p.keyword_list})
    bios = [p.bio_sv for p in demo]
    rng = random.Random(4)
    have = ContactPerson.objects.count()
    for i in range(have, N_CONTACTS):
        person = ContactPerson.objects.create(
            email=f"bench{i}@hb.example",
            name=f"Bench Person {i}",
            title=rng.choice(["Universitetslektor", "Docent", "Professor", "Adjunkt"]),
            department=rng.choice(["Pedagogik", "Vårdvetenskap", "Informatik", "Textil"]),
            keywords=";".join(rng.sample(keywords, 5)),
            bio_sv=rng.choice(bios),
            languages=rng.choice(["sv", "sv;en"]),
            max_active_cases=rng.randint(3, 8),
        )
        person.areas.set(rng.sample(areas, rng.randint(1, 2)))


def main() -> None:
    populate()
    requests = json.loads((ROOT / "directory" / "data" / "evaluation.json").read_text())
    started = time.perf_counter()
    index = build_index()
    build_ms = (time.perf_counter() - started) * 1000
    get_index()  # warm the process cache like a running server
    timings = []
    for _round in range(5):
        for item in requests:
            started = time.perf_counter()
            rank_contacts(title=item["title"], text=item["text"], loads=contact_loads, limit=5)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"contacts: {len(index.docs)}, index terms: {len(index.exact)}")
    print(f"index build: {build_ms:.1f} ms (once per directory change)")
    print(
        f"suggestions per case over {len(timings)} calls: "
        f"median {statistics.median(timings):.2f} ms, "
        f"p95 {timings[int(len(timings) * 0.95)]:.2f} ms, max {timings[-1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
