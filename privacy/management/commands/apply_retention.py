from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from privacy import selectors
from privacy.services import retention_apply


class Command(BaseCommand):
    help = (
        "Anonymise requesters' personal data of cases that ended longer ago than "
        "RETENTION_MONTHS (RETENTION_MONTHS_BY_STATE) and remove old audit entries. "
        "--dry-run lists what would go and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what would go.")

    def handle(self, *args, dry_run: bool = False, **options):
        due = list(selectors.with_details(selectors.cases_due()))
        verb = "Would anonymise" if dry_run else "Anonymising"
        self.stdout.write(f"{verb} {len(due)} case(s):")
        for case in due:
            ended = timezone.localtime(case.state_changed_at).date().isoformat()
            self.stdout.write(
                f"  {case.reference}  {case.state:<9}  ended {ended}  {case.municipality.name}"
            )
        result = retention_apply(dry_run=dry_run, trigger="command")
        run = result.run
        if dry_run:
            self.stdout.write(f"Dry run {run.pk}: nothing changed.")
        else:
            removed = ", ".join(f"{k} {v}" for k, v in sorted(run.removed.items()))
            self.stdout.write(f"Run {run.pk}: {run.cases} case(s) anonymised ({removed}).")
            if run.failed:
                self.stderr.write(
                    f"Not anonymised (an eraser failed; see the log): {', '.join(run.failed)}"
                )
