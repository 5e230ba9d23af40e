"""Settings, read from the environment. SQLite by default; DATABASE_URL selects PostgreSQL."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from officeactions.env import (
    env_bool,
    env_cache,
    env_float,
    env_int,
    env_json,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
DATA_DIR = Path(env_str("OFFICEACTIONS_DATA_DIR", str(PROJECT_DIR / "var")))


DEBUG = env_bool("OFFICEACTIONS_DEBUG", False)
SECRET_KEY = env_str("OFFICEACTIONS_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_str("PYTEST_VERSION", ""):
        raise ImproperlyConfigured(
            "Set OFFICEACTIONS_SECRET_KEY (or OFFICEACTIONS_DEBUG=true for local development)."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("OFFICEACTIONS_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "officeactions.accounts",
    "officeactions.audit",
    "officeactions.cases",
    "officeactions.intake",
    "officeactions.enforcement",
    "officeactions.legal",
    "officeactions.events",
    "officeactions.transparency",
    "officeactions.backup",
    "officeactions.appeals",
    "officeactions.checkuser",
    "officeactions.sanctions",
    "officeactions.bancheck",
    "officeactions.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # our CSS and scripts, in any mode
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "officeactions.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while locked out
    "django.contrib.auth.backends.ModelBackend",
]
# Failed sign-ins (wrong password or wrong second-factor code) per username and address.
AXES_FAILURE_LIMIT = env_int("OFFICEACTIONS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("OFFICEACTIONS_LOGIN_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Production (not debug) is served over HTTPS: HSTS, secure cookies, redirect to https.
HTTPS = env_bool("OFFICEACTIONS_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("OFFICEACTIONS_HSTS_PRELOAD", True)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env_bool("OFFICEACTIONS_BEHIND_TLS_PROXY", False)
    else None
)
SESSION_COOKIE_AGE = 8 * 3600  # a working day; staff sign in again after it
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Nothing inline, nothing from elsewhere: styles and scripts are our own static files.
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

ROOT_URLCONF = "officeactions.urls"
WSGI_APPLICATION = "officeactions.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{DATA_DIR / 'officeactions.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # Wait for a busy writer instead of failing at once; IMMEDIATE takes the write lock at BEGIN
    # so that two transitions cannot both read the old state.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DATABASES["default"]["TEST"] = {"NAME": env_str("OFFICEACTIONS_TEST_DB_NAME", "") or None}
SERIALIZATION_MODULES = {"exactjsonl": "officeactions.backup.serializer"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (Index.include) exist on PostgreSQL only; SQLite builds the plain index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

MEDIA_ROOT = DATA_DIR / "media"  # uploaded documents; served only through permission checks
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# The project's own CSS and scripts (officeactions/static), beside each app's.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served by the app itself (WhiteNoise), straight from the source folders: nothing to collect.
# (It also serves STATIC_ROOT, where `collectstatic` may put them, and warns if that is absent.)
WHITENOISE_USE_FINDERS = True
# A read-only deployment: collectstatic made it, or the finders serve alone.
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "officeactions.accounts.authentication.ApiTokenAuthentication",
        "officeactions.accounts.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "officeactions.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Office Actions Desk API",
    "DESCRIPTION": "Cases, reviews and the audit trail of office actions.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from our own static files: the docs page works with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two API fields are called "kind": an action kind and the kind of a modification.
    "ENUM_NAME_OVERRIDES": {"ModificationKindEnum": "officeactions.appeals.api.MODIFICATION_KINDS"},
}

TASKS = {
    "default": {
        "BACKEND": env_str("OFFICEACTIONS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("OFFICEACTIONS_LOG_LEVEL", "INFO")},
    # httpx logs every URL at INFO, and our URLs name users: keep it to warnings.
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # one line per sign-in otherwise, naming the account
    },
}

# Operators may change the catalog's review numbers here without touching workflow code,
# e.g. OFFICEACTIONS_REVIEW_OVERRIDES='{"global_ban": {"approvals": 4}}'.
OFFICEACTIONS_REVIEW_OVERRIDES: dict[str, dict[str, Any]] = env_json(
    "OFFICEACTIONS_REVIEW_OVERRIDES", {}
)

# The office's calendar: business days and week-long targets are counted in this time zone.
OFFICEACTIONS_TIME_ZONE = env_str("OFFICEACTIONS_TIME_ZONE", "America/Los_Angeles")
# Public reports show any count below this (and any count of a confidential kind) as
# "fewer than N": a small count can identify a person.
OFFICEACTIONS_SMALL_COUNT_THRESHOLD = env_int("OFFICEACTIONS_SMALL_COUNT_THRESHOLD", 5, minimum=0)
# Where links in emails point.
OFFICEACTIONS_PUBLIC_URL = env_str("OFFICEACTIONS_PUBLIC_URL", "http://127.0.0.1:8000")
# The same requester sending the same text within this many minutes is one request.
OFFICEACTIONS_DUPLICATE_WINDOW_MINUTES = env_int(
    "OFFICEACTIONS_DUPLICATE_WINDOW_MINUTES", 15, minimum=0
)
# Parameters of the abusive-requester lock-out rule (officeactions.policy.intake.LockoutRule).
OFFICEACTIONS_LOCKOUT_RULE: dict[str, Any] = env_json("OFFICEACTIONS_LOCKOUT_RULE", {})

# Email: printed to the console unless an SMTP host is configured.
_smtp_host = env_str("OFFICEACTIONS_EMAIL_HOST", "")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp_host,
                "port": env_int("OFFICEACTIONS_EMAIL_PORT", 587, minimum=1, maximum=65535),
                "username": env_str("OFFICEACTIONS_EMAIL_USER", ""),
                "password": env_str("OFFICEACTIONS_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("OFFICEACTIONS_EMAIL_TLS", True),
            },
        }
        if _smtp_host
        else {
            "BACKEND": env_str(
                "OFFICEACTIONS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
            )
        }
    )
}
DEFAULT_FROM_EMAIL = env_str("OFFICEACTIONS_FROM_EMAIL", "office-actions@localhost")

# Public endpoints are rate-limited per client address. The counters live in the cache: per
# process by default (locmem://); with several web processes, a shared one (redis://host:port/db,
# or db://table, whose table `officeactions migrate` creates) makes the limit hold across them.
CACHES = {"default": env_cache("OFFICEACTIONS_CACHE_URL", "locmem://")}
# Public submissions share commits through one writer thread per process (group commit).
OFFICEACTIONS_INTAKE_BATCHING = env_bool("OFFICEACTIONS_INTAKE_BATCHING", True)
# Stored submissions are filed (case, audit entry, email) by a task that starts this many
# seconds after it is queued and serves every batch stored meanwhile; 0 queues one per batch.
OFFICEACTIONS_INTAKE_FILING_DELAY = env_float("OFFICEACTIONS_INTAKE_FILING_DELAY", 0.5, minimum=0)
# How often the worker files whatever was left unfiled (a lost race, a clock far off).
OFFICEACTIONS_INTAKE_SWEEP_SECONDS = env_int("OFFICEACTIONS_INTAKE_SWEEP_SECONDS", 60, minimum=1)
OFFICEACTIONS_PUBLIC_RATE = env_str("OFFICEACTIONS_PUBLIC_RATE", "20/minute")
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"public": OFFICEACTIONS_PUBLIC_RATE}
# How many proxies stand in front; 0 means clients are told apart by the connection's address,
# never by an X-Forwarded-For header they could write themselves.
REST_FRAMEWORK["NUM_PROXIES"] = env_int("OFFICEACTIONS_NUM_PROXIES", 0, minimum=0)
# Bodies larger than this are refused before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

# The wikis office actions take effect on (see officeactions/enforcement/wikis.py);
# scripts/wiki writes this file for the local wikis.
OFFICEACTIONS_WIKI_REGISTRY = env_str(
    "OFFICEACTIONS_WIKI_REGISTRY", str(DATA_DIR / "wikis" / "wikis.json")
)
# Re-apply an office action that someone else reverted on a wiki (the incident is always kept).
OFFICEACTIONS_REVERT_REAPPLY = env_bool("OFFICEACTIONS_REVERT_REAPPLY", True)
OFFICEACTIONS_REVERT_WATCH_SECONDS = env_int("OFFICEACTIONS_REVERT_WATCH_SECONDS", 60, minimum=1)
# Operations still pending this long after they were planned or last tried belong to a worker
# that stopped; they are queued again (and checked this often).
OFFICEACTIONS_ENFORCEMENT_STALE_SECONDS = env_int(
    "OFFICEACTIONS_ENFORCEMENT_STALE_SECONDS", 120, minimum=1
)
# The ban check (officeactions.bancheck): how often a process compares its index with the
# database at most (the bound on how late it sees a change), whether it also listens for
# PostgreSQL NOTIFY, and how long an API token's permission is remembered between requests.
OFFICEACTIONS_BANCHECK_POLL_SECONDS = env_float(
    "OFFICEACTIONS_BANCHECK_POLL_SECONDS", 1.0, minimum=0
)
OFFICEACTIONS_BANCHECK_LISTEN = env_bool("OFFICEACTIONS_BANCHECK_LISTEN", True)
OFFICEACTIONS_BANCHECK_TOKEN_SECONDS = env_float(
    "OFFICEACTIONS_BANCHECK_TOKEN_SECONDS", 30.0, minimum=0
)

# Accepted DMCA takedowns per uploader at which account termination is proposed for review.
OFFICEACTIONS_REPEAT_INFRINGER_THRESHOLD = env_int(
    "OFFICEACTIONS_REPEAT_INFRINGER_THRESHOLD", 3, minimum=1
)
# Attachments to DMCA notices: at most this many, each at most this large.
OFFICEACTIONS_MAX_ATTACHMENTS = 5
OFFICEACTIONS_MAX_ATTACHMENT_BYTES = env_int(
    "OFFICEACTIONS_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024, minimum=1
)

# Photographs on event bans (shown to designated organisers): at most this large.
OFFICEACTIONS_MAX_PHOTO_BYTES = env_int("OFFICEACTIONS_MAX_PHOTO_BYTES", 2 * 1024 * 1024, minimum=1)
# Where an appealable event ban (no expiry, not irrevocable) may be appealed.
OFFICEACTIONS_EVENT_BAN_APPEALS_ADDRESS = env_str(
    "OFFICEACTIONS_EVENT_BAN_APPEALS_ADDRESS", "ca@wikimedia.org"
)
# Staff CheckUser results are purged this many days after the check (the audit trail stays).
OFFICEACTIONS_CHECKUSER_RETENTION_DAYS = env_int(
    "OFFICEACTIONS_CHECKUSER_RETENTION_DAYS", 90, minimum=0
)
OFFICEACTIONS_CHECKUSER_PURGE_SECONDS = env_int(
    "OFFICEACTIONS_CHECKUSER_PURGE_SECONDS", 3600, minimum=1
)
