from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cases.services.demo import DEMO_PASSWORD, DEMO_USERS, demo_seed


class Command(BaseCommand):
    help = "Load the demo directory, demo logins and demo cases (DEBUG only; safe to repeat)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo refuses to run with DEBUG off (it creates known logins).")
        result = demo_seed()
        self.stdout.write(f"Demo ready: {result['cases_created']} new demo cases.")
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for email, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {role:12} {email}")
