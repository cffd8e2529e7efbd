from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import staff_user_create


class Command(BaseCommand):
    help = "Create or update a staff user: create_staff_user <email> --role <role> [--password ...]"

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password", default=None)

    def handle(self, *args, email: str, role: str, password: str | None, **options):
        try:
            user = staff_user_create(email=email, role=role, password=password)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{user.email} ({user.get_role_display()})")
