from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from directory.services import directory_export


class Command(BaseCommand):
    help = "Write the directory as the CSV files import_directory reads."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        counts = directory_export(folder=folder)
        for name, n in counts.items():
            self.stdout.write(f"{name}: {n} rows")
