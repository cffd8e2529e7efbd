"""Move the keys of rest_framework.authtoken (stored in plaintext) into ApiToken as SHA-256
hashes, then drop the old table so no plaintext key stays in the database. The old keys keep
working until they expire (API_TOKEN_DAYS after this migration)."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def hash_existing_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user_id=user_id,
                name="API (migrated)",
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
                key_prefix=key[:8],
                created_at=created,
                expires_at=now + timedelta(days=settings.API_TOKEN_DAYS),
            )
            for key, user_id, created in rows
        ]
    )
    schema_editor.execute("DROP TABLE authtoken_token")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_api_tokens_and_sessions")]

    operations = [migrations.RunPython(hash_existing_tokens, migrations.RunPython.noop)]
