"""Build the report figures now, as the beat task does (`--full`: the nightly rebuild).

Used after loading data in bulk (the benchmark's seed) and after a restore; prints what was
built as one JSON line."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from reports import services, tasks
from reports.models import CaseFact, DailyFact, DailyLeadTime


class Command(BaseCommand):
    help = "Refresh the report figures from the case timeline (--full: rebuild them all)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Rebuild every figure.")
        parser.add_argument(
            "--period-days",
            type=int,
            default=services.FULL_PERIOD_DAYS,
            help="With --full: the days received rebuilt per transaction.",
        )

    def handle(self, *args, full: bool = False, period_days: int = 0, **options):
        if period_days < 1:
            raise CommandError("--period-days must be at least 1.")
        started = time.monotonic()
        # The tasks' own functions, run here: the same code as the beat schedule runs.
        if full:
            tasks.rebuild_report_figures(period_days=period_days)
        else:
            tasks.refresh_report_figures()
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
