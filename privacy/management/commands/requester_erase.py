from __future__ import annotations

from django.core.management.base import BaseCommand

from privacy import selectors
from privacy.services import requester_erase


class Command(BaseCommand):
    help = (
        "Erase everything held about one email address (its cases are anonymised). "
        "Without --yes it only lists the cases."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--yes", action="store_true", help="Erase; otherwise only list.")

    def handle(self, *args, email: str, yes: bool = False, **options):
        cases = list(selectors.cases_of_requester(email=email))
        self.stdout.write(f"{len(cases)} case(s) from this address:")
        for case in cases:
            self.stdout.write(f"  {case.reference}  {case.state}")
        if not yes:
            self.stdout.write("Nothing changed (add --yes to erase).")
            return
        run = requester_erase(email=email, trigger="command")
        removed = ", ".join(f"{k} {v}" for k, v in sorted(run.removed.items()))
        self.stdout.write(f"Erased: run {run.pk}, {run.cases} case(s) anonymised ({removed}).")
