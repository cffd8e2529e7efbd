from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from directory.selectors import active_directory_clear
from directory.services import directory_import
from workflows.defaults import reminder_rules_install
from workflows.models import ReminderRule
from workflows.selectors import rules_cache_clear

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _need(available: bool, what: str) -> None:
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not reachable")
    pytest.skip(f"{what} not reachable; set REQUIRE_SERVICES=1 to make this a failure")


@pytest.fixture
def postgres():
    _need(settings.POSTGRES_AVAILABLE, "PostgreSQL")


@pytest.fixture
def redis_url():
    _need(settings.REDIS_AVAILABLE, "Redis")
    import redis

    client = redis.Redis.from_url(settings.TEST_REDIS_URL)
    client.flushdb()
    yield settings.TEST_REDIS_URL
    client.flushdb()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _process_caches_cleared():
    # The per-process caches of the directory and the reminder rules would otherwise keep
    # rows of an earlier test (rolled back since) or miss a test's queryset.update().
    active_directory_clear()
    rules_cache_clear()
    # Counters in Django's cache (rate limits, receipts per address and day) start from zero.
    cache.clear()


@pytest.fixture
def directory(db):
    directory_import(folder=ROOT / "directory" / "data")
    # Data from migrations is gone after a transactional test flushes the tables.
    reminder_rules_install(ReminderRule)


@pytest.fixture
def coordinator(db):
    from tests.factories import make_user

    return make_user("coordinator")


@pytest.fixture
def registrar(db):
    from tests.factories import make_user

    return make_user("registrar")


@pytest.fixture
def contact_a(directory):
    from directory.models import ContactPerson

    return ContactPerson.objects.get(email="anna.lindqvist@hb.example")


@pytest.fixture
def contact_b(directory):
    from directory.models import ContactPerson

    return ContactPerson.objects.get(email="johan.ek@hb.example")


@pytest.fixture
def contact_user_a(contact_a):
    from tests.factories import make_contact_user

    return make_contact_user(contact_a)


@pytest.fixture
def contact_user_b(contact_b):
    from tests.factories import make_contact_user

    return make_contact_user(contact_b)


# --- A real SMTP sink ---------------------------------------------------------------------------


class SmtpSink:
    """aiosmtpd on a free port. `mode` makes it answer like a failing server."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.mode = "ok"  # "ok", "tempfail" (451), "permfail" (550)
        self.delay = 0.0
        self.port = free_port()
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
            if server.transport is None or server.transport.is_closing():
                return "421 Client gone"  # the sender died while waiting: nothing delivered
        if self.mode == "tempfail":
            return "451 4.3.0 Try again later"
        if self.mode == "permfail":
            return "550 5.1.1 No such user"
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 20.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return self.messages
            time.sleep(0.05)
        raise AssertionError(f"expected {count} emails, got {len(self.messages)}")


@pytest.fixture
def smtp_sink(settings):
    sink = SmtpSink()
    sink.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    yield sink
    sink.controller.stop()


def body_of(message) -> str:
    """The text/plain part of an email, decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


# --- A real Celery worker ---------------------------------------------------------------------


class Worker:
    def __init__(self, env: dict):
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                "--pool=prefork",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        return self

    def kill(self):
        """SIGKILL the whole worker (main process and children): a crash, not a shutdown."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker_factory(transactional_db, postgres, redis_url, smtp_sink):
    """Start real Celery workers on the test database, the test Redis and the SMTP sink."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "EMAIL_URL": smtp_sink.url,
        "SITE_URL": settings.SITE_URL,
        "OUTBOX_BACKOFF_SECONDS": "0.2",
    }
    workers: list[Worker] = []

    def start(**overrides: str) -> Worker:
        worker = Worker({**env, **overrides}).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


# --- A real OpenID Connect provider (single sign-on) -------------------------------------------


class OidcProvider:
    """oidc-provider-mock on a free port, in a thread: discovery, authorize (a form where the
    test picks the user), token, userinfo, JWKS and end-session, with RS256-signed ID tokens."""

    CLIENT_ID = "samverka-test"

    def __init__(self, url: str):
        self.url = url
        self.discovery_url = f"{url}/.well-known/openid-configuration"

    def set_user(self, sub: str, **claims) -> None:
        """The claims the provider vouches for when `sub` signs in (groups, email, names)."""
        from urllib.parse import quote

        import httpx

        response = httpx.put(f"{self.url}/users/{quote(sub, safe='')}", json=claims, timeout=5)
        assert response.status_code == 204, response.text


@pytest.fixture
def oidc_provider(settings, monkeypatch):
    import oidc_provider_mock

    # authlib refuses plain http unless told; the provider runs on loopback only.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with oidc_provider_mock.run_server_in_thread(port=0) as server:
        provider = OidcProvider(f"http://localhost:{server.server_port}")
        settings.OIDC_RP_CLIENT_ID = OidcProvider.CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = "test-client-secret"
        settings.OIDC_OP_DISCOVERY_URL = provider.discovery_url
        settings.OIDC_ROLE_MAP = {
            "samverka-coordinators": "coordinator",
            "samverka-registrars": "registrar",
            "samverka-admins": "admin",
        }
        settings.OIDC_CREATE_USERS = True
        yield provider
