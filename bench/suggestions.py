"""Benchmark: contact suggestions for one case against a directory of 5,000 contacts.

    .venv/bin/python bench/suggestions.py        # BENCH_CONTACTS=500 for a quick look

Uses its own SQLite file (or DATABASE_URL if set): migrates, imports the demo directory and
its vocabulary, adds synthetic contacts up to BENCH_CONTACTS (recombined keywords and areas of
the demo people) and a generated history of handled cases (four per contact) for the learned
profiles, then times `rank_contacts` for every request of both evaluation sets, including the
load query and fetching the contacts. Building the index and the profiles happens once per
directory change (and per minute of case changes) and is reported separately. Target: < 50 ms
per request.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/samverka-bench-suggestions.sqlite3")
N_CONTACTS = int(os.environ.get("BENCH_CONTACTS", "5000"))
HISTORY_PER_CONTACT = 4

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.selectors import contact_loads  # noqa: E402
from directory.evaluation import THEMES, generated_history  # noqa: E402
from directory.models import Area, ContactPerson  # noqa: E402
from directory.profiles import HandledCase, register_history_source  # noqa: E402
from directory.services import directory_import  # noqa: E402
from directory.suggestions import (  # noqa: E402
    build_index,
    build_profiles,
    get_index,
    get_profiles,
    rank_contacts,
)


def populate() -> None:
    call_command("migrate", verbosity=0)
    directory_import(folder=ROOT / "directory" / "data")
    demo = list(ContactPerson.objects.prefetch_related("areas").order_by("pk")[:36])
    areas = list(Area.objects.all())
    keywords = sorted({k for p in demo for k in p.keyword_list})
    bios = [p.bio_sv for p in demo]
    rng = random.Random(4)
    have = ContactPerson.objects.count()
    people = [
        ContactPerson(
            email=f"bench{i}@hb.example",
            name=f"Bench Person {i}",
            title=rng.choice(["Universitetslektor", "Docent", "Professor", "Adjunkt"]),
            department=rng.choice(["Pedagogik", "Vårdvetenskap", "Informatik", "Textil"]),
            keywords=";".join(rng.sample(keywords, 5)),
            bio_sv=rng.choice(bios),
            languages=rng.choice(["sv", "sv;en"]),
            max_active_cases=rng.randint(3, 8),
        )
        for i in range(have, N_CONTACTS)
    ]
    created = ContactPerson.objects.bulk_create(people, batch_size=500)
    through = ContactPerson.areas.through
    through.objects.bulk_create(
        [
            through(contactperson_id=p.pk, area_id=a.pk)
            for p in created
            for a in rng.sample(areas, rng.randint(1, 2))
        ],
        batch_size=2000,
    )


def history(ids: list[int]) -> list[HandledCase]:
    """HISTORY_PER_CONTACT generated handled cases per contact, over the last two years."""
    rng = random.Random(5)
    demo = generated_history({f"{p}@hb.example": 1 for p in THEMES}, cases=400)
    texts = [(c.title, c.text) for c in demo]
    today = timezone.localdate()
    return [
        HandledCase(
            reference=f"AK-2026-{n:05d}",
            contact_id=contact_id,
            title=title,
            text=text,
            stage=rng.choice(["meeting_held", "workshop", "project"]),
            handled_on=today - timedelta(days=rng.randint(0, 730)),
        )
        for n, (contact_id, (title, text)) in enumerate(
            (cid, rng.choice(texts)) for cid in ids for _ in range(HISTORY_PER_CONTACT)
        )
    ]


def rss_mb() -> float:
    """This process's resident memory (Linux), for what the index costs a web process."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def main() -> None:
    populate()
    requests = [
        *json.loads((ROOT / "directory" / "data" / "evaluation.json").read_text()),
        *json.loads((ROOT / "directory" / "data" / "evaluation_harder.json").read_text()),
    ]
    handled: list[HandledCase] = []
    register_history_source(lambda: handled)
    rss_before = rss_mb()
    started = time.perf_counter()
    index = build_index()
    build_ms = (time.perf_counter() - started) * 1000
    rss_index = rss_mb()
    handled.extend(history(list(index.docs)))
    rss_history = rss_mb()
    started = time.perf_counter()
    profiles = build_profiles(handled, index)
    profiles_ms = (time.perf_counter() - started) * 1000
    rss_profiles = rss_mb()
    get_index()  # warm the process cache like a running server
    get_profiles()
    timings = []
    cpu = []
    for _round in range(3):
        for item in requests:
            started = time.perf_counter()
            cpu_started = time.process_time()
            rank_contacts(
                title=item["title"],
                text=item["text"],
                language=item.get("language", "sv"),
                loads=contact_loads,
                limit=5,
            )
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
    timings.sort()
    cpu.sort()
    print(f"contacts: {len(index.docs)}, index terms: {len(index.exact)}")
    print(f"index build: {build_ms:.0f} ms (once per directory change)")
    print(
        f"profiles: {profiles.cases} handled cases, {len(profiles.exact)} terms, "
        f"built in {profiles_ms:.0f} ms (at most once a minute while cases move)"
    )
    print(
        f"memory (RSS): index +{rss_index - rss_before:.1f} MB, "
        f"profiles +{rss_profiles - rss_history:.1f} MB"
    )
    print(
        f"suggestions per request over {len(timings)} calls: "
        f"median {statistics.median(timings):.2f} ms, "
        f"p95 {timings[int(len(timings) * 0.95)]:.2f} ms, max {timings[-1]:.2f} ms "
        f"(target < 50 ms)"
    )
    # On a shared machine the wall time includes waiting for a CPU; this process's own time:
    print(
        f"CPU time per request: median {statistics.median(cpu):.2f} ms, "
        f"p95 {cpu[int(len(cpu) * 0.95)]:.2f} ms"
    )


if __name__ == "__main__":
    main()
