"""Django settings for proxvps, read from the environment.

Everything an operator sets comes from environment variables so one settings module serves the demo, the tests
and production: `DATABASE_URL` picks the database (an SQLite file in the data directory by default,
`postgres://...` in production), `PROXVPS_DATA_DIR` holds what the control plane keeps on disk, and
`PROXVPS_SECRET_KEY` / `PROXVPS_ENCRYPTION_KEYS` the keys.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from proxvps.keys import load_or_create_secret_key


def _flag(name: str) -> bool:
    """An on/off setting: 1, true, yes or on (any case) is on; anything else, or unset, is off."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("PROXVPS_DATA_DIR", ".proxvps")).resolve()

SECRET_KEY = os.environ.get("PROXVPS_SECRET_KEY") or load_or_create_secret_key(DATA_DIR)
# Fernet keys (comma-separated, newest first) for secrets at rest; derived from SECRET_KEY when unset.
ENCRYPTION_KEYS = [k.strip() for k in os.environ.get("PROXVPS_ENCRYPTION_KEYS", "").split(",") if k.strip()]
DEBUG = os.environ.get("PROXVPS_DEBUG", "") == "1"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("PROXVPS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
# The public URL clients and mails link to (SPEC S22: direct links honour it).
PUBLIC_URL = os.environ.get("PROXVPS_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "proxvps.inventory",
    "proxvps.ipam",
    "proxvps.api",
    "proxvps.worker",
    "proxvps.mail",
    "proxvps.web",
    "django_htmx",
    # Staff sign-in lock-out after repeated failures (SPEC S21); its middleware comes last.
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "proxvps.urls"
WSGI_APPLICATION = "proxvps.wsgi.application"

# django-ninja's Swagger UI page and files, used from its package (see proxvps.api.docs) rather than by listing
# ninja as an app: an app is imported by every process as it starts, and ninja brings pydantic and its whole API
# machinery, 0.13 s of CPU at each worker and cron start that need none of it. find_spec imports nothing.
_ninja = importlib.util.find_spec("ninja")
if _ninja is None or _ninja.origin is None:
    raise ImproperlyConfigured("django-ninja is not installed.")
NINJA_FILES = Path(_ninja.origin).parent

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [NINJA_FILES / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "proxvps.web.context.provider",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'proxvps.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the worker share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so tests that start worker processes can share the test database with them.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    # A server that went away is found out in seconds, not at the kernel's TCP timeout, and a connection kept from
    # before an outage is checked before it is used again, so the first request after a restart does not fail.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Staff sign in to the console (/staff/) with a Django user; axes counts failures first and refuses a locked-out
# username from this address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("PROXVPS_STAFF_SIGN_IN_ATTEMPTS", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("PROXVPS_STAFF_LOCKOUT_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/locked.html"
AXES_VERBOSE = False
# A staff session ends after this many seconds without a request (the console sets it at sign-in).
PROXVPS_STAFF_SESSION_SECONDS = int(os.environ.get("PROXVPS_STAFF_SESSION_SECONDS", "28800"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The client area's languages (SPEC S17), offered by its language switch; the catalogs come with the translations.
LANGUAGES = [
    ("ar", "العربية"),
    ("az", "Azərbaycanca"),
    ("ca", "Català"),
    ("cs", "Čeština"),
    ("da", "Dansk"),
    ("de", "Deutsch"),
    ("en", "English"),
    ("es", "Español"),
    ("et", "Eesti"),
    ("fa", "فارسی"),
    ("fr", "Français"),
    ("he", "עברית"),
    ("hr", "Hrvatski"),
    ("hu", "Magyar"),
    ("it", "Italiano"),
    ("mk", "Македонски"),
    ("nb", "Norsk"),
    ("nl", "Nederlands"),
    ("pl", "Polski"),
    ("ro", "Română"),
    ("ru", "Русский"),
    ("sv", "Svenska"),
    ("tr", "Türkçe"),
    ("uk", "Українська"),
    ("zh-hans", "中文"),
]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("PROXVPS_TIME_ZONE", "UTC")
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATICFILES_DIRS = [NINJA_FILES / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Hashed, compressed names once `collectstatic` has run (production, `make demo`, the browser tests); before that the
# files are found in the apps and served by their plain names (see proxvps.web.storage).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "proxvps.web.storage.StaticStorage"},
}
WHITENOISE_USE_FINDERS = True
# Pages send Referer to their own site only, so Chromium sends a real Origin with a form post (CSRF checks it).
SECURE_REFERRER_POLICY = "same-origin"

# Process-local cache: a VM's status (30 s) and its graphs' samples per timeframe (SPEC S17).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "proxvps"}}

# The provider the client area is branded for: its name, and a logo (an absolute URL or a path under STATIC_URL).
PROXVPS_PROVIDER_NAME = os.environ.get("PROXVPS_PROVIDER_NAME", "proxvps")
PROXVPS_PROVIDER_LOGO = os.environ.get("PROXVPS_PROVIDER_LOGO", "")

# Mail (SPEC S19) goes out through SMTP: STARTTLS on the plain port (PROXVPS_SMTP_TLS=1) or TLS from the first
# byte (PROXVPS_SMTP_SSL=1, usually port 465), never both. The timeout bounds how long a delivery waits for a
# server that does not answer; the message then stays in the outbox and the worker tries again.
EMAIL_BACKEND = os.environ.get("PROXVPS_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("PROXVPS_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PROXVPS_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("PROXVPS_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PROXVPS_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _flag("PROXVPS_SMTP_TLS")
EMAIL_USE_SSL = _flag("PROXVPS_SMTP_SSL")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set PROXVPS_SMTP_TLS (STARTTLS) or PROXVPS_SMTP_SSL (implicit TLS), not both.")
EMAIL_TIMEOUT = float(os.environ.get("PROXVPS_SMTP_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("PROXVPS_MAIL_FROM", "proxvps@localhost")

# The worker (SPEC S15, S16): how soon a step looks again at a Proxmox task it started, how long a migration may
# run and how many times one is tried before the VM stays on the template's node, where VMIDs start, and how long
# a failed step waits before it is tried again.
PROXVPS_TASK_POLL_SECONDS = float(os.environ.get("PROXVPS_TASK_POLL_SECONDS", "0.5"))
PROXVPS_MIGRATE_ATTEMPTS = int(os.environ.get("PROXVPS_MIGRATE_ATTEMPTS", "3"))
PROXVPS_MIGRATE_TIMEOUT_SECONDS = float(os.environ.get("PROXVPS_MIGRATE_TIMEOUT_SECONDS", "1800"))
PROXVPS_VMID_START = int(os.environ.get("PROXVPS_VMID_START", "100"))
PROXVPS_RETRY_SECONDS = float(os.environ.get("PROXVPS_RETRY_SECONDS", "30"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "proxvps.redaction.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("PROXVPS_LOG_LEVEL", "WARNING")},
}
