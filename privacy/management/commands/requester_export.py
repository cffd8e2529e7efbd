from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from privacy.services import requester_export


class Command(BaseCommand):
    help = "Write a zip of everything held about one email address (data.json, attachments/)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--output", required=True, help="Path of the zip to write.")

    def handle(self, *args, email: str, output: str, **options):
        content = requester_export(email=email, trigger="command")
        Path(output).write_bytes(content)
        self.stdout.write(f"Wrote {output} ({len(content)} bytes).")
