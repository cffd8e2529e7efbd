"""Settings for the test suite: the real settings, pointed at the test services.

TEST_DATABASE_URL (default: local PostgreSQL) and TEST_REDIS_URL (default: local Redis, db 15).
A service that is not reachable makes the tests that need it skip, unless REQUIRE_SERVICES=1,
where it is a failure (see tests/conftest.py).
"""

import os
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from config.settings import *  # noqa: F403
from config.settings import VAR_DIR, _tune_database, env

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


POSTGRES_AVAILABLE = reachable(TEST_DATABASE_URL, 5432)
REDIS_AVAILABLE = reachable(TEST_REDIS_URL, 6379)

if POSTGRES_AVAILABLE:
    DATABASES = {"default": _tune_database(env.db_url_config(TEST_DATABASE_URL))}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES = {
        "default": _tune_database(env.db_url_config(f"sqlite:///{VAR_DIR / 'test.sqlite3'}"))
    }

CELERY_BROKER_URL = TEST_REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 1,
    "socket_timeout": 3,
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SITE_URL = "http://testserver"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Attachments of the tests go to a folder of their own, removed with the temporary files.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="samverka-test-media-"))

# The administrators' second factor is on in production (ADMIN_TOTP_REQUIRED); the tests of
# other features sign administrators in with force_login and test what comes after. The tests of
# the second factor (tests/signin/) switch it on.
ADMIN_TOTP_REQUIRED = False

# The public form's abuse checks would turn the suite's many quick submissions from one
# address into "too fast" and 429 answers; tests/security turns them on where they are tested.
FORM_MIN_FILL_SECONDS = 0
FORM_SUBMIT_RATE = ""
