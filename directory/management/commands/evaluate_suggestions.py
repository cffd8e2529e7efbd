"""Measure the contact suggestions: top-1, top-3 and the precision of what is shown.

    manage.py evaluate_suggestions                 # the shipped sets and the history
    manage.py evaluate_suggestions my.json --history

A file is a JSON list of {"title", "text", "expect": [emails]} objects; optional "areas",
"forms" (slugs) and "language" are used when present. An empty "expect" means nobody fits.
See `directory.evaluation` for what each figure counts.

It ranks as if nobody had open cases, and without learned profiles for the sets: the figures
measure the matching alone and do not move with the database's cases (on the coordinator's
page, load lowers a busy person's score; see `cases.selectors.case_suggestions`). The history
evaluation learns from its own generated cases only.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from directory.evaluation import Figures, evaluate_history, evaluate_items
from directory.suggestions import get_index

DATA = Path(settings.BASE_DIR) / "directory" / "data"
SHIPPED = (DATA / "evaluation.json", DATA / "evaluation_harder.json")


class Command(BaseCommand):
    help = "Print top-1, top-3 and precision of the contact suggestions per evaluation set."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument(
            "--history",
            action="store_true",
            help="Also run the history evaluation (always run when no file is given).",
        )
        parser.add_argument("--verbose-misses", action="store_true", help="List every miss.")

    def handle(self, *args, files: list[Path], history: bool, verbose_misses: bool, **options):
        if not files:
            files, history = list(SHIPPED), True
        index = get_index()
        if not index.docs:
            raise CommandError("The directory has no active contact persons; import it first.")
        known = {d.email.lower() for d in index.docs.values()}
        for file in files:
            items = self._read(file)
            for number, item in enumerate(items, start=1):
                unknown = {str(e).strip().lower() for e in item["expect"]} - known
                if unknown:
                    self.stderr.write(f"item {number}: not in the directory: {', '.join(unknown)}")
            self._print(
                f"{file.name}: {len(items)} requests", evaluate_items(items, index), verbose_misses
            )
        if history:
            self._print(
                "history (directory only, nothing learned)",
                evaluate_history(index, learn=False),
                False,
            )
            self._print(
                "history (profiles learned from earlier cases only)",
                evaluate_history(index),
                verbose_misses,
            )

    def _read(self, file: Path) -> list[dict]:
        try:
            items = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        if not isinstance(items, list) or not items:
            raise CommandError(f"{file}: expected a non-empty JSON list")
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict) or not isinstance(item.get("expect"), list):
                raise CommandError(f"{file}: item {number}: needs an 'expect' list")
        return items

    def _print(self, title: str, figures: Figures, verbose_misses: bool) -> None:
        self.stdout.write(title)
        if verbose_misses:
            for line in figures.misses:
                self.stdout.write(f"  {line}")
        for line in figures.lines():
            self.stdout.write(f"  {line}")
