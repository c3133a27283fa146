"""Django settings for Polku.

Everything that differs between a laptop demo, CI and production comes from the environment:
``DATABASE_URL`` (default: the demo's SQLite file under ``var/``), ``POLKU_SECRET_KEY``,
``POLKU_PERSONAL_ID_KEY`` (keyed hash and encryption of identity codes), ``POLKU_DEBUG``.
The ``polku`` command and the web server read the same settings, so ``polku …`` after
``make demo`` works on the demo's data.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("POLKU_VAR_DIR", BASE_DIR / "var"))
DEMO_DATABASE_URL = f"sqlite:///{VAR_DIR / 'polku-demo.sqlite3'}"

# The demo keys are public by design; production must set its own (checked by ``manage.py check --deploy``).
SECRET_KEY = os.environ.get("POLKU_SECRET_KEY", "polku-demo-secret-key-not-for-production-use-0123456789")
PERSONAL_ID_KEY = os.environ.get("POLKU_PERSONAL_ID_KEY", "polku-demo-personal-id-key-not-for-production")
DEBUG = os.environ.get("POLKU_DEBUG", "0") == "1"
# Demo and test databases must never hold a real identity code: only the artificial range 900–999
# is accepted until a production deployment sets POLKU_ARTIFICIAL_IDS_ONLY=0.
ARTIFICIAL_IDS_ONLY = os.environ.get("POLKU_ARTIFICIAL_IDS_ONLY", "1") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("POLKU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

# Files that replace shipped rules and parameters (e.g. to read an unverified rule, domain-rules §9, another way
# until the law is checked); empty: the files shipped under polku/*/data/.
POLKU_PROCESS_RULES_FILE = os.environ.get("POLKU_PROCESS_RULES_FILE") or None
POLKU_SHARE_RULES_FILE = os.environ.get("POLKU_SHARE_RULES_FILE") or None
POLKU_COMPARISON_FILE = os.environ.get("POLKU_COMPARISON_FILE") or None
POLKU_IMPACT_PARAMETERS_FILE = os.environ.get("POLKU_IMPACT_PARAMETERS_FILE") or None
# Named system accounts: existing, active users without a staff role that may run maintenance commands (a nightly
# backup's dumpdata, say). Comma-separated usernames; none by default.
POLKU_SYSTEM_ACCOUNTS = frozenset(a.strip() for a in os.environ.get("POLKU_SYSTEM_ACCOUNTS", "").split(",") if a.strip())

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",  # Django's tasks API (backport for 5.2): @task, enqueue, results
    "django_tasks_db",  # its database backend: the queue is a table, run by `polku worker`
    "ninja",  # serves the API docs' Swagger UI from its own static files (no CDN)
    "polku.core",
    "polku.reference",
    "polku.access",
    "polku.people",
    "polku.timeline",
    "polku.simulator",
    "polku.municipal_share",
    "polku.kpi",
    "polku.public_statistics",
    "polku.casework",
    "polku.forecast",
    "polku.provision",
    "polku.exchange",
    "polku.jobs",
    "polku.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "polku.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "polku.web.context.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "polku.wsgi.application"

DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEMO_DATABASE_URL), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo server read while a simulation writes; the timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file, not shared-cache memory: shared cache locks tables without waiting, so
    # concurrent-writer tests would measure an artefact instead of the production locking.
    # One file per test process, so parallel runs in one checkout do not destroy each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"polku-test-{os.getpid()}.sqlite3")}

# Background jobs (polku.jobs): one queue table in the same database, on SQLite and PostgreSQL alike,
# run by `polku worker` (started beside the server by `make demo`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# One cache for the web server and the worker (files under var/): when an import in the worker drops the cached
# figures, the pages compute them afresh from the new facts, without a restart. The tests use a memory cache.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("suomi")), ("sv", _("svenska")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "polku" / "locale"]
FORMAT_MODULE_PATH = ["polku.formats"]  # sv and en as used in Finland: 31.3.2025, not 3/31/2025
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start if it is missing

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

# Logs must never carry a personal identity code: every handler masks anything shaped like one,
# including Django's own request and server logs, which are redefined here to use the masked handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": True,
    "filters": {"mask_personal_ids": {"()": "polku.core.logging.MaskPersonalIds"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_personal_ids"]},
    },
    "loggers": {
        name: {"handlers": ["console"], "level": level, "propagate": False}
        for name, level in (("django", "WARNING"), ("django.server", "INFO"), ("django.request", "WARNING"),
                            ("polku", os.environ.get("POLKU_LOG_LEVEL", "INFO")))
    },
    "root": {"handlers": ["console"], "level": os.environ.get("POLKU_LOG_LEVEL", "WARNING")},
}

if not ARTIFICIAL_IDS_ONLY and ("demo" in SECRET_KEY or "demo" in PERSONAL_ID_KEY):
    # Real identity codes must never be hashed or encrypted with the public demo keys.
    raise ImproperlyConfigured(
        "POLKU_ARTIFICIAL_IDS_ONLY=0 needs POLKU_SECRET_KEY and POLKU_PERSONAL_ID_KEY set to secret values.",
    )
