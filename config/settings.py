"""Samverka settings: one module, driven by environment variables only.

Production differs from development only by environment. Every variable is documented in
README.md. A bad value fails at start-up with the variable's name.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Local state of the embedded defaults: SQLite, the broker's folders, mail files, beat's schedule.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))


def _env(name: str, cast, default):
    try:
        return cast(name, default=default)
    except (ValueError, ImproperlyConfigured, environ.ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"Environment variable {name} has a bad value: {exc}") from exc


DEBUG = _env("DEBUG", env.bool, True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Environment variable SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = _env("ALLOWED_HOSTS", env.list, ["127.0.0.1", "localhost", "testserver"])
# `make run` sets it to http://<RUN_ADDRESS> when unset; the default is runserver's own address.
SITE_URL = _env("SITE_URL", env.url, "http://127.0.0.1:8000").geturl().rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]
# Reverse proxies in front of the application whose X-Forwarded-For entries are trusted (each
# appends its peer's address): 0 = reached directly, the client is REMOTE_ADDR. Everything that
# counts per client (rate limits, lockout) uses config.client_ip.client_ip.
TRUSTED_PROXY_COUNT = _env("TRUSTED_PROXY_COUNT", env.int, 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("Environment variable TRUSTED_PROXY_COUNT must be 0 or more.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_fsm",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "accounts",
    "signin",
    "myaccount",
    "directory",
    "workflows",
    "notifications",
    "audit",
    "cases",
    "conversation",
    "privacy",
    "inbound",
    "activities",
    "reports",
    "liaisons",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.CachedCSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.SwedishFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.context.AuditContextMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "signin.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After the locale and the user are known (its 400 page is translated), before any view.
    "config.middleware.RejectNulMiddleware",
    "config.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the request into the page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
# Django's renderer, with the common widgets written in Python (config/widgets.py).
FORM_RENDERER = "config.widgets.WidgetRenderer"

# --- Database -------------------------------------------------------------------------------
# Without DATABASE_URL: SQLite under var/, in WAL mode with IMMEDIATE transactions and a busy
# timeout, so that a small office's simultaneous submissions queue instead of failing.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": _env("DATABASE_URL", env.db_url, f"sqlite:///{VAR_DIR / 'samverka.sqlite3'}")
}


# A database that accepts connections but never answers (hung, overloaded) must not hold web
# workers and /healthz for minutes: connecting gives up after DATABASE_CONNECT_TIMEOUT seconds
# (libpq's minimum is 2) and the server cancels a statement after DATABASE_STATEMENT_TIMEOUT
# seconds (0: never; for a long maintenance run such as seeding a large benchmark database).
DATABASE_CONNECT_TIMEOUT = _env("DATABASE_CONNECT_TIMEOUT", env.int, 3)
DATABASE_STATEMENT_TIMEOUT = _env("DATABASE_STATEMENT_TIMEOUT", env.float, 30.0)


def _tune_database(db: dict) -> dict:
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    else:
        db.setdefault("CONN_MAX_AGE", 60)
        db.setdefault("CONN_HEALTH_CHECKS", True)
        options = db.setdefault("OPTIONS", {})
        options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
        if DATABASE_STATEMENT_TIMEOUT:
            timeout_ms = round(DATABASE_STATEMENT_TIMEOUT * 1000)
            extra = f"-c statement_timeout={timeout_ms}"
            options["options"] = f"{options.get('options', '')} {extra}".strip()
    return db


_tune_database(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Sign-in --------------------------------------------------------------------------------
# django-axes counts failed sign-ins in the database (every web process and worker sees the
# same counts) and locks out per account and per client: the staff login, /admin/login/ and
# API tokens (accounts.authentication). The client is the same address every per-client limit
# uses (AXES_CLIENT_IP_CALLABLE). An administrator unlocks in the admin (Axes → access
# attempts) or with `manage.py axes_reset_username <email>` / `axes_reset_ip <address>`.
# Password sign-in goes through signin's backend (it refuses when LOCAL_PASSWORDS is off);
# single sign-on through the OpenID Connect backend (inactive while OIDC is not configured).
# axes' backend comes first: it refuses a locked-out account or client before either.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "signin.backends.LocalPasswordBackend",
    "signin.oidc.OIDCBackend",
]
LOGIN_FAILURE_LIMIT = _env("LOGIN_FAILURE_LIMIT", env.int, 5)
LOGIN_CLIENT_FAILURE_LIMIT = _env("LOGIN_CLIENT_FAILURE_LIMIT", env.int, 20)
LOGIN_LOCKOUT_MINUTES = _env("LOGIN_LOCKOUT_MINUTES", env.int, 15)
if min(LOGIN_FAILURE_LIMIT, LOGIN_CLIENT_FAILURE_LIMIT, LOGIN_LOCKOUT_MINUTES) < 1:
    raise ImproperlyConfigured(
        "Environment variables LOGIN_FAILURE_LIMIT, LOGIN_CLIENT_FAILURE_LIMIT and "
        "LOGIN_LOCKOUT_MINUTES must be at least 1."
    )
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = "accounts.lockout.lockout_parameters"
AXES_USERNAME_CALLABLE = "accounts.lockout.username_of"
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"  # TRUSTED_PROXY_COUNT decides
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_CALLABLE = "myaccount.lockout.lockout_response"
# A successful sign-in does not wipe the counts: an attacker with an account of their own could
# otherwise sign in between guesses to reset the client's and the victim's counters.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
# Successful sign-ins are in the audit log (with its retention); axes' own access log would keep
# every address forever.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# A signed-in staff user is signed out after this long without a request (the session list
# on /staff/account/ shows and ends the others).
STAFF_SESSION_IDLE_MINUTES = _env("STAFF_SESSION_IDLE_MINUTES", env.int, 8 * 60)
if STAFF_SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("Environment variable STAFF_SESSION_IDLE_MINUTES must be >= 1.")
# API tokens (accounts.ApiToken, stored as SHA-256 hashes) expire this many days after creation.
API_TOKEN_DAYS = _env("API_TOKEN_DAYS", env.int, 90)
if API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured("Environment variable API_TOKEN_DAYS must be at least 1.")
# Password reset links work this long (Django's PASSWORD_RESET_TIMEOUT, in seconds); a reset
# is asked at most this often per address and per client an hour (myaccount.views).
PASSWORD_RESET_TIMEOUT = _env("PASSWORD_RESET_MINUTES", env.int, 60) * 60
PASSWORD_RESET_PER_ADDRESS = 3
PASSWORD_RESET_PER_CLIENT = 10
# Municipal liaisons sign in by a one-time link (liaisons app): it works this long, once; it is
# asked at most this often per address and per client; a liaison's session ends after this long
# without a request.
LIAISON_LINK_MINUTES = _env("LIAISON_LINK_MINUTES", env.int, 15)
LIAISON_LINK_RATE_PER_ADDRESS = _env("LIAISON_LINK_RATE_PER_ADDRESS", env.str, "3/hour")
LIAISON_LINK_RATE_PER_CLIENT = _env("LIAISON_LINK_RATE_PER_CLIENT", env.str, "10/hour")
LIAISON_SESSION_IDLE_MINUTES = _env("LIAISON_SESSION_IDLE_MINUTES", env.int, 120)
if min(LIAISON_LINK_MINUTES, LIAISON_SESSION_IDLE_MINUTES) < 1:
    raise ImproperlyConfigured(
        "Environment variables LIAISON_LINK_MINUTES and LIAISON_SESSION_IDLE_MINUTES must be "
        "at least 1."
    )
for _rate_name in ("LIAISON_LINK_RATE_PER_ADDRESS", "LIAISON_LINK_RATE_PER_CLIENT"):
    _rate = globals()[_rate_name]
    if _rate and not re.fullmatch(r"\d+/(s|sec|m|min|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(
            f"Environment variable {_rate_name} has a bad value: {_rate!r} (expected e.g. 3/hour)"
        )

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (attachments) go through Django's storage API: under VAR_DIR/media by default,
# or to any S3-compatible store when AWS_STORAGE_BUCKET_NAME is set (django-storages; boto3
# reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_S3_ENDPOINT_URL names a non-AWS store).
# There is no MEDIA_URL: files are only ever served by a view that checks who asks
# (conversation.views), never from a public URL.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
_default_storage: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "location": env.str("AWS_LOCATION", default=""),
            # Private objects, and never a signed public URL handed out: the app streams them.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Attachment limits (README, "Conversation"): per file and per message.
ATTACHMENT_MAX_FILE_BYTES = _env("ATTACHMENT_MAX_FILE_BYTES", env.int, 10 * 1024 * 1024)
ATTACHMENT_MAX_MESSAGE_BYTES = _env("ATTACHMENT_MAX_MESSAGE_BYTES", env.int, 25 * 1024 * 1024)

# --- Email ----------------------------------------------------------------------------------
# Without EMAIL_URL, messages are written as files under var/mail/.
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(_env("EMAIL_URL", env.email_url, EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Samverka <samverka@hb.example>")

# --- Celery and the cache -------------------------------------------------------------------
# Without REDIS_URL the broker is kombu's filesystem transport: no server needed.
REDIS_URL = env.str("REDIS_URL", default="")
# One cache for every process (suggestions, the directory index generation, rate limits):
# Redis when configured, else each process's memory (the embedded default runs one web process).
CACHE_URL = env.str("CACHE_URL", default=REDIS_URL)
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        # Longer than any task can run, so an unacknowledged task is not redelivered while it
        # is still running; short socket timeouts so a dead Redis never hangs a web request.
        "visibility_timeout": 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
else:
    _broker_dir = VAR_DIR / "broker"
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when the broker is down: the outbox row is already committed and
# the sweep sends it later, so the web request must not wait.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_TIME_LIMIT = 300
# How often the report figures take in the case timeline's changes (README, "Reports").
REPORTS_REFRESH_SECONDS = _env("REPORTS_REFRESH_SECONDS", env.float, 300.0)
# The nightly full rebuild reads a year of cases per statement: at a million cases one can
# take longer than DATABASE_STATEMENT_TIMEOUT (seen: canceled at 30 s on a busy machine), so
# its transactions get their own limit (0: none).
REPORTS_STATEMENT_TIMEOUT = _env("REPORTS_STATEMENT_TIMEOUT", env.float, 900.0)
# The schedule lives here; each periodic task claims its tick in the database, so a second
# beat (by mistake or during a deploy) cannot make a tick fire twice.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "notifications.tasks.outbox_sweep", "schedule": 30.0},
    "reminder-scan": {"task": "cases.tasks.send_due_reminders", "schedule": 60.0},
    "coordinator-digest": {"task": "cases.tasks.send_digests", "schedule": 900.0},
    "activity-reminders": {"task": "activities.tasks.send_activity_reminders", "schedule": 300.0},
    "retention": {"task": "privacy.tasks.apply_retention", "schedule": 3600.0},
    # The report figures: the day's changes every few minutes (the pages say how fresh they
    # are), and a full rebuild once a day (it also catches edits without an event).
    "report-figures": {
        "task": "reports.tasks.refresh_report_figures",
        "schedule": REPORTS_REFRESH_SECONDS,
    },
    "report-figures-rebuild": {"task": "reports.tasks.rebuild_report_figures", "schedule": 86400.0},
}
# --- Inbound email (README, "Email replies") --------------------------------------------------
# INBOUND_IMAP_URL unset: inbound mail is off (no fetch task, no Reply-To on emails).
INBOUND_IMAP_URL = env.str("INBOUND_IMAP_URL", default="")
if INBOUND_IMAP_URL and not re.match(r"imaps?://[^/@]+@[^/]+", INBOUND_IMAP_URL):
    raise ImproperlyConfigured(
        "Environment variable INBOUND_IMAP_URL has a bad value "
        "(expected imaps://user:password@host:993/INBOX or imap://...)"
    )
INBOUND_PROCESSED_FOLDER = env.str("INBOUND_PROCESSED_FOLDER", default="Processed")
# Reply addresses are <INBOUND_REPLY_PREFIX>+<token>@<INBOUND_REPLY_DOMAIN>; the domain defaults
# to DEFAULT_FROM_EMAIL's.
INBOUND_REPLY_PREFIX = env.str("INBOUND_REPLY_PREFIX", default="svar")
if not re.fullmatch(r"[A-Za-z0-9._-]+", INBOUND_REPLY_PREFIX):
    raise ImproperlyConfigured(
        "Environment variable INBOUND_REPLY_PREFIX has a bad value: letters, digits, . _ - only"
    )
INBOUND_REPLY_DOMAIN = env.str(
    "INBOUND_REPLY_DOMAIN",
    default=DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "samverka.local",
)
# A case's reply address stops working this many days after the case ended (closed, declined,
# withdrawn); a reply after that goes to the unmatched queue.
INBOUND_REPLY_EXPIRY_DAYS = _env("INBOUND_REPLY_EXPIRY_DAYS", env.int, 180)
INBOUND_FETCH_SECONDS = _env("INBOUND_FETCH_SECONDS", env.float, 60.0)
# Messages handled per fetch (the rest wait for the next tick) and the IMAP socket timeout.
INBOUND_BATCH_SIZE = _env("INBOUND_BATCH_SIZE", env.int, 500)
INBOUND_IMAP_TIMEOUT = _env("INBOUND_IMAP_TIMEOUT", env.float, 30.0)
# Sender verification (inbound.authentication): the authserv-id of the receiving mail server's
# Authentication-Results headers (empty: not read), how many Received headers local delivery
# adds above that server's, and whether DKIM signatures are also checked here (DNS lookups).
INBOUND_AUTHSERV_ID = env.str("INBOUND_AUTHSERV_ID", default="").strip()
if INBOUND_AUTHSERV_ID and not re.fullmatch(r"[A-Za-z0-9._-]+", INBOUND_AUTHSERV_ID):
    raise ImproperlyConfigured(
        "Environment variable INBOUND_AUTHSERV_ID has a bad value: a host name, e.g. mx.hb.se"
    )
INBOUND_AUTHSERV_HOPS = _env("INBOUND_AUTHSERV_HOPS", env.int, 0)
if INBOUND_AUTHSERV_HOPS < 0:
    raise ImproperlyConfigured("Environment variable INBOUND_AUTHSERV_HOPS must be 0 or more.")
INBOUND_DKIM_VERIFY = _env("INBOUND_DKIM_VERIFY", env.bool, False)
# /healthz calls the fetch "stale" when it has not succeeded for this long (it runs every
# INBOUND_FETCH_SECONDS).
INBOUND_STALE_AFTER_SECONDS = _env("INBOUND_STALE_AFTER_SECONDS", env.int, 900)
# Automatic replies, bounces and discarded unmatched emails are deleted (row and stored email)
# this many days after they came (discarded: after a coordinator discarded them).
INBOUND_IGNORED_RETENTION_DAYS = _env("INBOUND_IGNORED_RETENTION_DAYS", env.int, 90)
if INBOUND_IGNORED_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(
        "Environment variable INBOUND_IGNORED_RETENTION_DAYS must be at least 1."
    )
if INBOUND_IMAP_URL:
    CELERY_BEAT_SCHEDULE["inbound-fetch"] = {
        "task": "inbound.tasks.fetch_mail",
        "schedule": INBOUND_FETCH_SECONDS,
    }
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Periodic tasks have a queue of their own, so a backlog of deliveries never delays the
# reminder scan, the sweep or their tick (which /healthz reads). Every worker consumes both
# (`-Q celery,periodic`; also the default when -Q is not given, since both are listed here).
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name) for name in ("celery", "periodic")
]
CELERY_TASK_ROUTES = {
    "notifications.tasks.outbox_sweep": {"queue": "periodic"},
    "cases.tasks.send_due_reminders": {"queue": "periodic"},
    "cases.tasks.send_digests": {"queue": "periodic"},
    "activities.tasks.send_activity_reminders": {"queue": "periodic"},
    "privacy.tasks.apply_retention": {"queue": "periodic"},
    "reports.tasks.refresh_report_figures": {"queue": "periodic"},
    "inbound.tasks.fetch_mail": {"queue": "periodic"},
}

# Outbox delivery (README, "Reminders and notifications"): the first back-off and its cap; how
# long temporary failures (SMTP 4xx, no connection) are retried before a message fails; how
# long a "sending" claim is trusted without its worker's heartbeat; how long the sweep leaves
# fresh messages to their own task, and a message it enqueued before enqueuing it again.
OUTBOX_BACKOFF_SECONDS = _env("OUTBOX_BACKOFF_SECONDS", env.float, 30.0)
OUTBOX_BACKOFF_MAX_SECONDS = _env("OUTBOX_BACKOFF_MAX_SECONDS", env.float, 3600.0)
OUTBOX_RETRY_PERIOD_SECONDS = _env("OUTBOX_RETRY_PERIOD_SECONDS", env.int, 3 * 24 * 3600)
OUTBOX_CLAIM_TIMEOUT_SECONDS = _env("OUTBOX_CLAIM_TIMEOUT_SECONDS", env.int, 60)
if OUTBOX_CLAIM_TIMEOUT_SECONDS < 1:
    raise ImproperlyConfigured("Environment variable OUTBOX_CLAIM_TIMEOUT_SECONDS must be >= 1.")
OUTBOX_SWEEP_GRACE_SECONDS = _env("OUTBOX_SWEEP_GRACE_SECONDS", env.int, 60)
OUTBOX_REQUEUE_SECONDS = _env("OUTBOX_REQUEUE_SECONDS", env.int, 600)

# --- Samverka -------------------------------------------------------------------------------
# Case reference format: {prefix}, {year} and {number} are filled in; the number is a per-year
# sequence allocated without races.
CASE_REFERENCE_FORMAT = env.str("CASE_REFERENCE_FORMAT", default="{prefix}-{year}-{number:04d}")
CASE_REFERENCE_PREFIX = env.str("CASE_REFERENCE_PREFIX", default="AK")
ORGANISATION_NAME = env.str("ORGANISATION_NAME", default="Högskolan i Borås")
INBOX_PAGE_SIZE = 25
# Signed action links in the assignment email (accept, hand back, "we have met") stop working
# after this many days; any change to the case before that also makes them unusable.
SIGNED_LINK_MAX_AGE_DAYS = _env("SIGNED_LINK_MAX_AGE_DAYS", env.int, 14)
if SIGNED_LINK_MAX_AGE_DAYS < 1:
    raise ImproperlyConfigured("Environment variable SIGNED_LINK_MAX_AGE_DAYS must be at least 1.")
# BENCH_ENDPOINTS=1 adds /bench/ok, a bare view through the full stack: the benchmark's ceiling.
BENCH_ENDPOINTS = _env("BENCH_ENDPOINTS", env.bool, False)

REST_FRAMEWORK = {
    # Token first: an anonymous API call then gets 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    # JSON only in production: the browsable API (HTML forms for every endpoint) is a
    # development aid, not something to offer anonymous visitors.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
# Anonymous API submissions per client address, e.g. "10/hour"; empty turns the limit off.
API_SUBMIT_RATE = env.str("API_SUBMIT_RATE", default="10/hour")
# The public HTML form: valid submissions per client address (e.g. "10/hour"; empty: no
# limit), the least seconds between showing the form and sending it (0: no check), and how many
# receipt emails one address gets per day (0: no cap; later requests are stored, not mailed).
FORM_SUBMIT_RATE = env.str("FORM_SUBMIT_RATE", default="10/hour")
for _rate_name, _rate in (
    ("API_SUBMIT_RATE", API_SUBMIT_RATE),
    ("FORM_SUBMIT_RATE", FORM_SUBMIT_RATE),
):
    if _rate and not re.fullmatch(r"\d+/(s|sec|m|min|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(
            f"Environment variable {_rate_name} has a bad value: {_rate!r} (expected e.g. 10/hour)"
        )
FORM_MIN_FILL_SECONDS = _env("FORM_MIN_FILL_SECONDS", env.float, 3.0)
RECEIPTS_PER_ADDRESS_PER_DAY = _env("RECEIPTS_PER_ADDRESS_PER_DAY", env.int, 3)
SPECTACULAR_SETTINGS = {
    "TITLE": "Samverka API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Collaboration requests from municipalities and their handling.\n\n"
        "Authenticate with `Authorization: Token <key>` or a staff session. A staff user creates "
        "and revokes their tokens on /staff/account/ (or `manage.py create_api_token <email>`); "
        "tokens expire (90 days by default). Too many failed sign-ins or wrong tokens from one "
        "client answer 429 with code `locked_out` for a while. Every error has the shape "
        '`{"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}`; '
        "messages follow `Accept-Language` (sv, en)."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI's assets are served from drf-spectacular-sidecar: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "workflows.models.State",
        "TransitionNameEnum": "workflows.definition.TRANSITION_NAMES",
        # Named, so that `check --deploy` reports no enum-name collision ("kind" is also the
        # reminder rules' field) and the schema's name does not change with its values.
        "CaseEventKindEnum": "cases.models.EventKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Transport security and headers -------------------------------------------------------
# Served over https (SITE_URL) with DEBUG off: cookies only over TLS, http redirected to https,
# and browsers told to use https only (HSTS) for a year. Behind TRUSTED_PROXY_COUNT proxies
# that terminate TLS, their X-Forwarded-Proto says whether the client used https (the proxy
# must set it, overwriting what a client sent). Each can be set by env; README lists them.
_HTTPS = SITE_URL.startswith("https://") and not DEBUG
SESSION_COOKIE_SECURE = _env("SESSION_COOKIE_SECURE", env.bool, _HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = _env("SECURE_SSL_REDIRECT", env.bool, _HTTPS)
# A load balancer's plain-http probe of /healthz must not be answered with a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = _env("SECURE_HSTS_SECONDS", env.int, 31_536_000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env("SECURE_HSTS_INCLUDE_SUBDOMAINS", env.bool, True)
# The preload flag alone changes nothing: the domain's owner must also submit it to the list.
SECURE_HSTS_PRELOAD = _env("SECURE_HSTS_PRELOAD", env.bool, True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT > 0 else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts, styles, images and fonts from our own origin
# only; no inline script or style anywhere (templates load static files). The one inline
# <style> Django's admin writes (a change list without actions) carries the request's nonce
# (templates/admin/change_list.html); the nonce is in the header only on pages that use it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Powerful browser features no page of ours uses, switched off for every page.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

# /healthz shows its figures (outbox backlog, failures) to signed-in staff and to callers that
# send `Authorization: Bearer <HEALTH_TOKEN>`; anonymous callers get the status only.
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")

# --- Reminders ------------------------------------------------------------------------------
# Office hours in TIME_ZONE (Europe/Stockholm): reminders and digests go out only within them.
OFFICE_HOURS_START = _env("OFFICE_HOURS_START", env.int, 8)
OFFICE_HOURS_END = _env("OFFICE_HOURS_END", env.int, 17)
if not 0 <= OFFICE_HOURS_START < OFFICE_HOURS_END <= 24:
    raise ImproperlyConfigured("OFFICE_HOURS_START must be before OFFICE_HOURS_END (0-24).")
REMINDER_BATCH_SIZE = _env("REMINDER_BATCH_SIZE", env.int, 500)

# --- Data protection (docs/privacy.md) ------------------------------------------------------
# Requesters' personal data is anonymised this many months after a case ended (closed,
# declined, withdrawn); RETENTION_MONTHS_BY_STATE overrides it per outcome, e.g.
# "closed=36,declined=12,withdrawn=12". The hourly job (privacy.tasks.apply_retention) does it.
RETENTION_MONTHS = _env("RETENTION_MONTHS", env.int, 24)
if RETENTION_MONTHS < 1:
    raise ImproperlyConfigured("Environment variable RETENTION_MONTHS must be at least 1.")
RETENTION_MONTHS_BY_STATE = _env("RETENTION_MONTHS_BY_STATE", env.dict, {})
for _state, _months in list(RETENTION_MONTHS_BY_STATE.items()):
    if (
        _state not in ("closed", "declined", "withdrawn")
        or not str(_months).isdigit()
        or not int(_months)
    ):
        raise ImproperlyConfigured(
            "Environment variable RETENTION_MONTHS_BY_STATE has a bad value: "
            f"{_state}={_months} (expected closed|declined|withdrawn=<months, at least 1>)"
        )
    RETENTION_MONTHS_BY_STATE[_state] = int(_months)
# The audit log's client address: the same trusted-proxy rule as the rate limits and lockout.
AUDIT_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
# Audit entries older than this are removed by the same job.
AUDIT_RETENTION_DAYS = _env("AUDIT_RETENTION_DAYS", env.int, 730)
if AUDIT_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("Environment variable AUDIT_RETENTION_DAYS must be at least 1.")
# --- Sign-in: single sign-on (OpenID Connect) and two-factor (README, "Single sign-on") --------
# Off while OIDC_RP_CLIENT_ID is unset. The provider's endpoints come from its discovery
# document (OIDC_OP_DISCOVERY_URL) or are given one by one (OIDC_OP_*_ENDPOINT).


def _flag(name: str, default: bool) -> bool:
    """A yes/no variable; anything but 1/0, true/false, yes/no, on/off stops start-up (a
    security switch must not read a typo as "off")."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"Environment variable {name} has a bad value: {raw!r} (use 1 or 0)")


OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_DISCOVERY_URL = env.str("OIDC_OP_DISCOVERY_URL", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_OP_LOGOUT_ENDPOINT = env.str("OIDC_OP_LOGOUT_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_CREATE_USERS = _flag("OIDC_CREATE_USERS", False)
OIDC_ROLE_CLAIM = env.str("OIDC_ROLE_CLAIM", default="groups")


def _role_map(raw: str) -> dict[str, str]:
    """Parse "samverka-coordinators=coordinator,samverka-admins=admin" to {group: role}."""
    roles = {"coordinator", "contact", "registrar", "admin"}  # accounts.models.Role
    mapping = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        group, _sep, role = (part.strip() for part in pair.partition("="))
        if not group or role not in roles:
            raise ImproperlyConfigured(
                f"Environment variable OIDC_ROLE_MAP has a bad value: {pair!r} "
                f"(expected group=role, role one of {', '.join(sorted(roles))})"
            )
        mapping[group] = role
    return mapping


# Empty: roles stay managed in Samverka (the admin). Set: each sign-in takes the role from the
# claim, and an account none of whose groups maps to a role is refused.
OIDC_ROLE_MAP = _role_map(env.str("OIDC_ROLE_MAP", default=""))
if OIDC_RP_CLIENT_ID:
    if not OIDC_RP_CLIENT_SECRET:
        raise ImproperlyConfigured("Environment variable OIDC_RP_CLIENT_SECRET must be set.")
    _endpoints = ("AUTHORIZATION", "TOKEN", "USER")
    if not OIDC_OP_DISCOVERY_URL and not all(
        globals()[f"OIDC_OP_{e}_ENDPOINT"] for e in _endpoints
    ):
        raise ImproperlyConfigured(
            "Environment variable OIDC_OP_DISCOVERY_URL (or OIDC_OP_AUTHORIZATION_ENDPOINT, "
            "OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_USER_ENDPOINT) must be set with OIDC_RP_CLIENT_ID."
        )
# Library settings (mozilla-django-oidc) that are not the deployment's choice.
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # the hint for ending the provider's session on logout
OIDC_TIMEOUT = 10
OIDC_CREATE_USER = OIDC_CREATE_USERS
LOGIN_REDIRECT_URL_FAILURE = "login"
# LOCAL_PASSWORDS=0: only single sign-on; the password form, the admin's login and password
# reset refuse.
LOCAL_PASSWORDS = _flag("LOCAL_PASSWORDS", True)
# Administrators (role admin or superusers) who sign in with a password confirm a TOTP code
# (enrolled on their first sign-in); after single sign-on only with ADMIN_TOTP_AFTER_SSO, since
# the identity provider does its own multi-factor authentication.
ADMIN_TOTP_REQUIRED = _flag("ADMIN_TOTP_REQUIRED", True)
ADMIN_TOTP_AFTER_SSO = _flag("ADMIN_TOTP_AFTER_SSO", False)
OTP_TOTP_ISSUER = "Samverka"
