from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from inbound.services import mail_fetch


class Command(BaseCommand):
    help = "Fetch new email replies from INBOUND_IMAP_URL once, and print what became of them."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="At most this many messages.")

    def handle(self, *args, limit: int | None = None, **options):
        report = mail_fetch(limit=limit)
        total = sum(report.counts.values())
        self.stdout.write(f"Fetched {total} message(s): {report.line()}")
        if report.error:
            raise CommandError(f"Inbound mail: {report.error}")
