"""Measure the contact suggestions against a file of requests with known right answers.

The file is a JSON list of {"municipality", "title", "text", "expect": [emails]} objects;
optional "areas", "forms" (slugs) and "language" are used when present. A hit at k is any
expected contact among the top k suggestions.

It ranks as if nobody had open cases: the figures measure the matching alone and do not move
with the database's current case load (on the coordinator's page, load lowers a busy
person's score; see `cases.selectors.case_suggestions`).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.suggestions import get_index, rank_contacts


class Command(BaseCommand):
    help = "Print top-1 and top-3 hit rates of the contact suggestions for a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--verbose-misses", action="store_true", help="List every miss.")

    def handle(self, *args, file: Path, verbose_misses: bool = False, **options):
        try:
            items = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        if not isinstance(items, list) or not items:
            raise CommandError(f"{file}: expected a non-empty JSON list")
        index = get_index()
        if not index.docs:
            raise CommandError("The directory has no active contact persons; import it first.")
        known = {d.email.lower() for d in index.docs.values()}
        top1 = top3 = 0
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict) or not isinstance(item.get("expect"), list):
                raise CommandError(f"item {number}: needs an 'expect' list")
            expect = {str(e).strip().lower() for e in item["expect"]}
            unknown = expect - known
            if unknown:
                self.stderr.write(f"item {number}: not in the directory: {', '.join(unknown)}")
            ranked = rank_contacts(
                title=str(item.get("title", "")),
                text=str(item.get("text", "")),
                area_slugs=item.get("areas") or (),
                form_slugs=item.get("forms") or (),
                language=str(item.get("language", "sv")),
                loads={},
                limit=3,
                index=index,
            )
            emails = [s.contact.email.lower() for s in ranked]
            hit1 = bool(emails[:1] and emails[0] in expect)
            hit3 = bool(expect & set(emails[:3]))
            top1 += hit1
            top3 += hit3
            if verbose_misses and not hit1:
                mark = "top-3" if hit3 else "MISS"
                self.stdout.write(
                    f"[{mark}] {item.get('title', '')!r}: expected {sorted(expect)}, got {emails}"
                )
        n = len(items)
        self.stdout.write(f"requests: {n}")
        self.stdout.write(f"top-1: {top1}/{n} = {top1 / n:.1%}")
        self.stdout.write(f"top-3: {top3}/{n} = {top3 / n:.1%}")
