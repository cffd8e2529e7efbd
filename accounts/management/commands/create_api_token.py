from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token for a staff user and print it once: "
        "create_api_token <email> [--name ...] [--days N]. Only its hash is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="manage.py")
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, email: str, name: str, days: int | None, **options):
        user = User.objects.filter(username=email.strip().lower(), is_active=True).first()
        if user is None:
            raise CommandError(f"No active staff user {email!r}.")
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        token, key = api_token_create(user=user, name=name, days=days)
        self.stderr.write(
            f"Token {token.name!r} for {user.email}, expires {token.expires_at:%Y-%m-%d}."
        )
        self.stdout.write(key)
