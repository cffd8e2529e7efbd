"""Build the report figures now, as the beat task does (`--full`: the nightly rebuild).

Used after loading data in bulk (the benchmark's seed) and after a restore; prints what was
built as one JSON line."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand

from reports import tasks
from reports.models import CaseFact, DailyFact, DailyLeadTime


class Command(BaseCommand):
    help = "Refresh the report figures from the case timeline (--full: rebuild them all)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Rebuild every figure.")

    def handle(self, *args, full: bool = False, **options):
        started = time.monotonic()
        # The tasks' own functions, run here: the same code as the beat schedule runs.
        (tasks.rebuild_report_figures if full else tasks.refresh_report_figures)()
        self.stdout.write(
            json.dumps(
                {
                    "full": full,
                    "seconds": round(time.monotonic() - started, 1),
                    "case_facts": CaseFact.objects.count(),
                    "daily_rows": DailyFact.objects.count(),
                    "lead_time_rows": DailyLeadTime.objects.count(),
                }
            )
        )
