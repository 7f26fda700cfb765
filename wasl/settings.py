"""Settings, all from environment variables, with defaults that just work.

SQLite (WAL) under ./var/ is the default database; DATABASE_URL selects another
(`sqlite:////abs/path.sqlite3` or `postgres://user:password@host:port/name`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    """An integer setting; a value that is not a whole number at least `minimum` stops the
    start with a clear message rather than running with a limit nobody chose."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("WASL_VAR_DIR", Path.cwd() / "var")).resolve()

DEBUG = env_bool("DEBUG", False)
# PRODUCTION=1: a public server (secure cookies, HSTS, HTTPS redirect; see "Production" below),
# and `wasl serve` refuses to start with DEBUG on or with the development key. WASL_PRODUCTION
# is its former name, still understood.
PRODUCTION = env_bool("PRODUCTION", env_bool("WASL_PRODUCTION", False))
# Public, hence good for development only. Django's deployment check knows the prefix.
DEVELOPMENT_SECRET_KEY = "django-insecure-wasl-development-key-never-for-a-public-server-2026"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
# The key that seals the heads of the audit and message logs (wasl.chains), kept out of the
# database. Empty: derived from SECRET_KEY — set it on its own to rotate SECRET_KEY freely.
WASL_CHAIN_KEY = os.environ.get("WASL_CHAIN_KEY", "")
# Only for `wasl audit reseal` after a key change: the key that sealed the logs until now, so
# that their seals are checked before they are sealed anew (docs/deploy.md).
WASL_PREVIOUS_CHAIN_KEY = os.environ.get("WASL_PREVIOUS_CHAIN_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])


def database_from_url(url: str) -> dict[str, object]:
    """Turn DATABASE_URL into Django's DATABASES entry."""
    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if path.startswith("//"):  # sqlite:////abs/path -> /abs/path
            path = path[1:]
        elif path.startswith("/"):  # sqlite:///relative/path
            path = path[1:]
        return sqlite_database(Path(path))
    if parts.scheme in {"postgres", "postgresql", "pgsql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "postgres",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "60")),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(f"Unsupported DATABASE_URL scheme: {parts.scheme!r}")


def sqlite_database(path: Path) -> dict[str, object]:
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN,
    # so two writers queue on busy_timeout (`timeout`, in seconds) instead of failing on a lock
    # upgrade. Django's own backend; the pragmas run on every new connection.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Keep the connection across requests: opening one (connect, the PRAGMAs above,
        # Django's SQL functions) and closing it (a WAL checkpoint) cost more CPU than all
        # the rest of a simple API request.
        "CONN_MAX_AGE": int(os.environ.get("CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA temp_store=MEMORY;"
                "PRAGMA cache_size=-65536;"
            ),
        },
        "TEST": {"NAME": str(path.with_name(path.stem + "-test.sqlite3"))},
    }


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": database_from_url(os.environ["DATABASE_URL"])}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": sqlite_database(VAR_DIR / "wasl.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "wasl.audit",
    "wasl.directory",
    "wasl.registry",
    "wasl.inquiry",
    "wasl.exchange",
    "wasl.dashboards",
    "wasl.notifications",
    "wasl.reports",
    "wasl.inspections",
    "wasl.mail",
    "wasl.web",
    "wasl.demo",
]

MIDDLEWARE = [
    "wasl.web.middleware.ApiErrors",  # first, so that it sees every answer of /api/ last
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, before anything else runs
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "wasl.web.middleware.PrivateAnswers",  # Cache-Control: no-store on personal answers
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "wasl.urls"
WSGI_APPLICATION = "wasl.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wasl.web.context.workspace",
            ],
        },
    },
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", "العربية"), ("en", "English")]
TIME_ZONE = "Asia/Riyadh"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------------------
# `wasl collectstatic` copies them to STATIC_ROOT under names that carry a hash of their content
# (wasl.806620a86e4b.css); WhiteNoise serves them from the app server, those names with a
# far-future cache header. `wasl serve` refuses to start until they are collected. Not compressed
# here (Brotli over the API docs' scripts made collectstatic take minutes): the TLS proxy
# compresses. With DEBUG on (`make dev`) pages link the plain names, found in the apps' folders.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}

MEDIA_ROOT = Path(os.environ.get("WASL_MEDIA_ROOT", VAR_DIR / "media")).resolve()

# Request limits: a 10 MB subject is refused before it reaches a service.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Sizes checked before and while an upload is read (wasl.registry.attachments).
FILE_UPLOAD_HANDLERS = [
    "wasl.registry.attachments.UploadLimits",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
# A longer address (path and query) is refused under /api/ with a JSON 414
# (wasl/web/middleware.py); 64 KB leaves room for a search of 10,000 Arabic letters, refused
# with its own clear error.
WASL_MAX_URL_BYTES = env_int("WASL_MAX_URL_BYTES", 64 * 1024)
# A longer request header field (name and value) is refused with a 431: JSON under /api/, the
# "request not understood" page elsewhere (wasl/web/middleware.py). `wasl serve` lets gunicorn
# pass fields up to twice this (at least 32 KB) so that Django answers them; past that,
# gunicorn's own plain 400.
WASL_MAX_HEADER_BYTES = env_int("WASL_MAX_HEADER_BYTES", 8 * 1024)
WASL_ATTACHMENT_MAX_BYTES = int(os.environ.get("WASL_ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024))
# A request sent with an Idempotency-Key holds its key this long at most (a request that
# died with its process frees it then); above `wasl serve --timeout`.
WASL_IDEMPOTENCY_HOLD_SECONDS = int(os.environ.get("WASL_IDEMPOTENCY_HOLD_SECONDS", 60))

# --- Guessing: sign-in lock-out and the public inquiry's limiter ---------------------------------
# Sign-in (staff pages and the admin): after LOCK_AFTER failures in a row an account is locked
# for LOCK_SECONDS, doubled at each further failure up to LOCK_MAX_SECONDS (wasl/web/signin.py).
# Failures are forgotten after FORGET_SECONDS without one.
WASL_SIGNIN_LOCK_AFTER = env_int("WASL_SIGNIN_LOCK_AFTER", 5)
WASL_SIGNIN_LOCK_SECONDS = env_int("WASL_SIGNIN_LOCK_SECONDS", 60)
WASL_SIGNIN_LOCK_MAX_SECONDS = env_int("WASL_SIGNIN_LOCK_MAX_SECONDS", 15 * 60)
WASL_SIGNIN_FORGET_SECONDS = env_int("WASL_SIGNIN_FORGET_SECONDS", 24 * 60 * 60)
# The public inquiry (wasl/inquiry/throttle.py): per window, attempts per address, and failed
# attempts per address about one reference.
WASL_INQUIRY_THROTTLE_WINDOW = env_int("WASL_INQUIRY_THROTTLE_WINDOW", 600)
WASL_INQUIRY_THROTTLE_PER_CLIENT = env_int("WASL_INQUIRY_THROTTLE_PER_CLIENT", 30)
WASL_INQUIRY_THROTTLE_PER_REFERENCE = env_int("WASL_INQUIRY_THROTTLE_PER_REFERENCE", 10)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Production, behind a TLS proxy -------------------------------------------------------------
# The proxy ends TLS and forwards plain HTTP; its X-Forwarded-Proto header tells Django a request
# came over HTTPS. Trusted only when asked for (TRUST_X_FORWARDED_PROTO=1): without a proxy that
# sets the header on every request, a client could claim HTTPS. (`wasl serve` tells gunicorn to
# trust no such header itself, so this is the one switch.)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Sent on HTTPS answers only (Django's SecurityMiddleware): browsers then refuse plain HTTP.
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# ---------------------------------------------------------------------------------------------
# Background work (Django's tasks API, the `django-tasks` backport). Tasks are rows of the
# database (`django-tasks-db`): no broker to install. `wasl worker` runs them, and the periodic
# jobs of `wasl/worker/schedule.py`. The tests run tasks inline (tests/conftest.py).
INSTALLED_APPS += ["django_tasks", "django_tasks_db", "wasl.worker"]
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# How long an idle worker waits before it looks for new tasks again: a letter queued while it
# waits leaves within this time.
WASL_WORKER_POLL_SECONDS = float(os.environ.get("WASL_WORKER_POLL_SECONDS", "0.2"))

# ---------------------------------------------------------------------------------------------
# Tawasul, the citizen's portal (wasl/portal). Citizens and residents sign in through the
# national single sign-on, an OpenID Connect provider: its issuer (discovery at
# ISSUER/.well-known/openid-configuration) and this relying party's client id and secret. Out of
# production the defaults name the demo provider of `make demo` (python -m wasl.portal.provider
# on 127.0.0.1:8001); in production an unset issuer leaves the portal's sign-in closed.
INSTALLED_APPS += ["wasl.portal", "wasl.portal.eservices", "wasl.portal.jalsa"]
WASL_OIDC_ISSUER = os.environ.get(
    "WASL_OIDC_ISSUER", "" if PRODUCTION else "http://127.0.0.1:8001"
).rstrip("/")
WASL_OIDC_CLIENT_ID = os.environ.get("WASL_OIDC_CLIENT_ID", "" if PRODUCTION else "wasl-demo")
# (The demo provider accepts any client secret.)
WASL_OIDC_CLIENT_SECRET = os.environ.get(
    "WASL_OIDC_CLIENT_SECRET", "" if PRODUCTION else "wasl-demo-secret"
)
WASL_OIDC_SCOPES = os.environ.get("WASL_OIDC_SCOPES", "openid profile phone")
# The claim that carries the national ID / iqama number: the person's key in Wasl.
WASL_OIDC_ID_CLAIM = os.environ.get("WASL_OIDC_ID_CLAIM", "national_id")
# A portal session ends this long after sign-in, and sooner after this long without a request.
WASL_PORTAL_SESSION_SECONDS = env_int("WASL_PORTAL_SESSION_SECONDS", 60 * 60)
WASL_PORTAL_IDLE_SECONDS = env_int("WASL_PORTAL_IDLE_SECONDS", 15 * 60)
# The files of an e-service draft nobody has touched for this many days are deleted (the
# worker's job eservices.sweep_draft_files, daily); the draft keeps its other answers.
WASL_PORTAL_DRAFT_FILES_DAYS = env_int("WASL_PORTAL_DRAFT_FILES_DAYS", 30)
# Demo only: a one-time code sent to a demo phone, shown at /portal/demo-phone/. Never in
# production, whatever the variable says.
WASL_PORTAL_DEMO_CODES = env_bool("WASL_PORTAL_DEMO_CODES", not PRODUCTION) and not PRODUCTION
