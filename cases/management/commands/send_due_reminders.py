from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.services.reminders import reminders_send_due


class Command(BaseCommand):
    help = "Run one reminder scan now (the periodic task's code) and print what it queued."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", help="Evaluate due times as of this moment, e.g. 2027-03-01T09:00"
        )

    def handle(self, *args, now: str | None = None, **options):
        moment = timezone.now()
        if now:
            parsed = parse_datetime(now)
            if parsed is None:
                raise CommandError(f"--now {now!r} is not a date and time like 2027-03-01T09:00")
            moment = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
        lines = reminders_send_due(now=moment)
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(f"{len(lines)} reminder(s) queued as of {moment.isoformat()}.")
