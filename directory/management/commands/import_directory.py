from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory.services import DirectoryImportError, directory_import


class Command(BaseCommand):
    help = "Import municipalities, areas, forms and contacts from the CSV files in a folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        try:
            report = directory_import(folder=folder)
        except DirectoryImportError as exc:
            raise CommandError(f"Nothing was imported.\n{exc}") from exc
        for name, count in report.counts.items():
            self.stdout.write(f"{name}: {count} rows")
