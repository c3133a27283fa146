"""Django settings for Polku.

Everything that differs between a laptop demo, CI and production comes from the environment:
``DATABASE_URL`` (default: the demo's SQLite file under ``var/``), ``POLKU_SECRET_KEY``,
``POLKU_PERSONAL_ID_KEY`` (keyed hash and encryption of identity codes), ``POLKU_DEBUG``.
The ``polku`` command and the web server read the same settings, so ``polku …`` after
``make demo`` works on the demo's data.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from polku.core import queues

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("POLKU_VAR_DIR", BASE_DIR / "var"))
DEMO_DATABASE_URL = f"sqlite:///{VAR_DIR / 'polku-demo.sqlite3'}"

# The demo keys are public by design; production must set its own (refused at start and by ``polku check``).
POLKU_DEMO_KEYS = ("polku-demo-secret-key-not-for-production-use-0123456789",
                   "polku-demo-personal-id-key-not-for-production")
SECRET_KEY = os.environ.get("POLKU_SECRET_KEY", POLKU_DEMO_KEYS[0])
PERSONAL_ID_KEY = os.environ.get("POLKU_PERSONAL_ID_KEY", POLKU_DEMO_KEYS[1])
# Encryption of identity codes, for key rotation (polku rotate-keys): secrets newest first, comma-separated; the first
# encrypts, all decrypt. Empty: POLKU_PERSONAL_ID_KEY alone encrypts (the HMAC look-up key is always that one).
PERSONAL_ID_ENCRYPTION_KEYS = [k.strip() for k in os.environ.get("POLKU_PERSONAL_ID_ENCRYPTION_KEYS", "").split(",")
                               if k.strip()]
DEBUG = os.environ.get("POLKU_DEBUG", "0") == "1"
# Demo and test databases must never hold a real identity code: only the artificial range 900–999
# is accepted until a production deployment sets POLKU_ARTIFICIAL_IDS_ONLY=0.
ARTIFICIAL_IDS_ONLY = os.environ.get("POLKU_ARTIFICIAL_IDS_ONLY", "1") == "1"
# Production mode is the one switch above: real identity codes. It turns on what the demo on http://127.0.0.1
# cannot use (Secure cookies, HSTS, the redirect to HTTPS) and refuses demo keys and debug (polku.core.checks).
POLKU_PRODUCTION = not ARTIFICIAL_IDS_ONLY


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value in {None, ""} else value == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("POLKU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

# Files that replace shipped rules and parameters (e.g. to read an unverified rule, domain-rules §9, another way
# until the law is checked); empty: the files shipped under polku/*/data/.
POLKU_PROCESS_RULES_FILE = os.environ.get("POLKU_PROCESS_RULES_FILE") or None
POLKU_SHARE_RULES_FILE = os.environ.get("POLKU_SHARE_RULES_FILE") or None
# Parts of the persons a national computation on PostgreSQL runs in side by side (polku.derived.parts), one connection
# and one busy database core each: by default one a core of this host, at most 4 (the database serves others too).
# 1: one connection.
POLKU_NATIONAL_PARTS = max(1, int(os.environ.get("POLKU_NATIONAL_PARTS", "0") or 0) or min(os.cpu_count() or 1, 4))
POLKU_COMPARISON_FILE = os.environ.get("POLKU_COMPARISON_FILE") or None
# An indicator page's figures come from the worker (polku.kpi.indicator_figures): the page shows a progress bar the
# first time and never waits for the engine. Off: computed in the page (the tests of the figures, without a worker).
POLKU_KPI_PAGE_WORKER = _env_flag("POLKU_KPI_PAGE_WORKER", True)
POLKU_IMPACT_PARAMETERS_FILE = os.environ.get("POLKU_IMPACT_PARAMETERS_FILE") or None
# The forecast bands' calibration (polku/forecast/bands.py); None: the one shipped in polku/forecast/data/.
POLKU_BAND_CALIBRATION_FILE = os.environ.get("POLKU_BAND_CALIBRATION_FILE") or None
POLKU_RETENTION_SCHEDULE_FILE = os.environ.get("POLKU_RETENTION_SCHEDULE_FILE") or None
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
    "csp",  # Content-Security-Policy (its system checks; the header comes from csp.middleware)
    "django_otp",  # second factor of local password accounts (polku.access.second_factor)
    "django_otp.plugins.otp_totp",
    "mozilla_django_oidc",  # staff sign-in through the municipality's identity provider (polku.access.oidc)
    "axes",  # failed logins: throttling and lockout per account and per address (polku.access.login_guard)
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
    "polku.employer_services",  # employer register, vacancies, competence profiles, matching, job offers
    "polku.exchange",
    "polku.jobs",
    "polku.open_data",  # open data without login: JSON-stat 2.0, CSV, a PxWeb-compatible API, the public page
    "polku.reports",  # the monthly report for the council: page, PDF, Excel, archive, e-mail link to subscribers
    "polku.privacy",  # the data subject's rights: subject access, retention schedule and runs, record of processing
    "polku.person_pages",
    "polku.portal",  # "/oma/": the job seeker's own portal
    "polku.start_pages",  # "/": the public landing page and each role's start page
    "polku.administration",  # "/yllapito/": rule sets, programmes and populations for an administrator
    "polku.web",
    "polku.cli",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "polku.core.security.SecurityHeadersMiddleware",  # Permissions-Policy; no-store to signed-in users
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "polku.core.bounds.RequestBoundsMiddleware",  # size, NUL and length bounds before CSRF or a view reads the request
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): a code was given this session
    "django.contrib.messages.middleware.MessageMiddleware",
    "polku.core.security.SessionTimeoutMiddleware",  # idle and absolute session limits
    "polku.portal.middleware.ClientConfinementMiddleware",  # a signed-in client reaches only their own portal
    "polku.access.second_factor.SecondFactorMiddleware",  # a password sign-in reaches nothing before its code
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the 429 page
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
            # {% load i18n %} loads Django's tags with each constant label translated once per language.
            "libraries": {"i18n": "polku.web.templatetags.kept_i18n"},
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
# run by `polku worker` (started beside the server by `make demo`); imports have a queue of their own, which a
# second worker serves (polku.core.queues).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": list(queues.ALL)}}

# E-mail: the monthly reports' notices to subscribers (a link, no figures, no one's data). The demo prints them on the
# console; production names an SMTP backend and its host (Django's EMAIL_* settings). Tests use Django's memory outbox.
EMAIL_BACKEND = os.environ.get("POLKU_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("POLKU_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("POLKU_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("POLKU_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("POLKU_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_flag("POLKU_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("POLKU_EMAIL_FROM", "polku@localhost")
# The municipality's text-message gateway for the portal's notifications (polku/portal/sms.py): "console" in the
# demo, "memory" in tests, or the dotted path of a class with send(number, text).
POLKU_SMS_BACKEND = os.environ.get("POLKU_SMS_BACKEND", "console")
# Neither sends anything anywhere: refused in production mode (below, and by polku.core.checks).
DEMO_SMS_BACKENDS = ("console", "memory", "polku.portal.sms.ConsoleBackend", "polku.portal.sms.MemoryBackend")
DEMO_EMAIL_BACKENDS = ("django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.locmem.EmailBackend",
                       "django.core.mail.backends.dummy.EmailBackend", "django.core.mail.backends.filebased.EmailBackend")
# The address links in e-mails point to (the server's own address as its users reach it).
POLKU_BASE_URL = os.environ.get("POLKU_BASE_URL", "http://127.0.0.1:8000")

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

# Brute-force protection (django-axes, polku.access.login_guard): an account is locked after
# AXES_FAILURE_LIMIT failed logins, a client address after POLKU_LOGIN_ADDRESS_FAILURE_LIMIT (over any accounts),
# until the cool-off has passed since the last failure. Failures and lockouts are kept in the database (admin:
# "Axes") and logged. The axes backend must come first: it refuses a locked login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "polku.access.oidc.StaffOidcBackend",  # does nothing unless POLKU_OIDC_ISSUER is set
    "polku.access.client_identity.ClientOidcBackend",  # the client portal: nothing unless POLKU_CLIENT_OIDC_ISSUER
]
AXES_HANDLER = "polku.access.login_guard.LoginGuardHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # order matters: LoginGuardHandler reads them so
AXES_FAILURE_LIMIT = int(os.environ.get("POLKU_LOGIN_FAILURE_LIMIT", "5"))
POLKU_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("POLKU_LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("POLKU_LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = False  # a success would also clear the address's failures against other accounts
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_HTTP_RESPONSE_CODE = 429  # Too Many Requests
AXES_LOCKOUT_CALLABLE = "polku.access.login_guard.lockout_response"
AXES_CLIENT_IP_CALLABLE = "polku.access.login_guard.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password"]  # never stored with the failed attempt
AXES_VERBOSE = False
# Behind a reverse proxy: the request.META key of the header the proxy sets to the client's address
# (e.g. HTTP_X_REAL_IP); empty: REMOTE_ADDR.
POLKU_CLIENT_IP_HEADER = os.environ.get("POLKU_CLIENT_IP_HEADER", "")
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Staff sign-in through the municipality's identity provider (OpenID Connect; polku.access.oidc). The provider's
# endpoints come from its discovery document; roles from its group claim through the admin's mapping table.
POLKU_OIDC_ISSUER = os.environ.get("POLKU_OIDC_ISSUER", "").rstrip("/")
POLKU_OIDC_GROUPS_CLAIM = os.environ.get("POLKU_OIDC_GROUPS_CLAIM", "groups")
OIDC_RP_CLIENT_ID = os.environ.get("POLKU_OIDC_CLIENT_ID", "polku")
OIDC_RP_CLIENT_SECRET = os.environ.get("POLKU_OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = os.environ.get("POLKU_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_AUTHENTICATE_CLASS = "polku.access.oidc.SignInView"
OIDC_CALLBACK_CLASS = "polku.access.oidc.CallbackView"
LOGIN_REDIRECT_URL_FAILURE = "/kirjaudu/?tunnistus=epaonnistui"
OIDC_TIMEOUT = 10
# The job seeker's own portal (/oma/): strong identification (Suomi.fi behind the municipality's broker in production)
POLKU_CLIENT_OIDC_ISSUER = os.environ.get("POLKU_CLIENT_OIDC_ISSUER", "").rstrip("/")
POLKU_CLIENT_OIDC_CLIENT_ID = os.environ.get("POLKU_CLIENT_OIDC_CLIENT_ID", "polku-oma")
POLKU_CLIENT_OIDC_CLIENT_SECRET = os.environ.get("POLKU_CLIENT_OIDC_CLIENT_SECRET", "")
POLKU_CLIENT_OIDC_ID_CLAIM = os.environ.get("POLKU_CLIENT_OIDC_ID_CLAIM", "hetu")
# A portal session ends sooner than a staff session: a phone is easily left open.
POLKU_PORTAL_SESSION_IDLE_MINUTES = int(os.environ.get("POLKU_PORTAL_SESSION_IDLE_MINUTES", "15"))
POLKU_PORTAL_SESSION_MAX_HOURS = int(os.environ.get("POLKU_PORTAL_SESSION_MAX_HOURS", "2"))
# How long before a booked time the client may still cancel or move it in the portal; later they call. The employment
# area's own practice (not a rule of law): set it to what the area tells its clients.
POLKU_PORTAL_CANCEL_NOTICE_HOURS = int(os.environ.get("POLKU_PORTAL_CANCEL_NOTICE_HOURS", "24"))
# Whether the client's "who viewed my data" names staff members (role and organisation are always shown). Unverified
# against the Act on the Organisation of Employment Services (380/2023) and the municipality's own practice.
POLKU_PORTAL_SHOW_STAFF_NAMES = os.environ.get("POLKU_PORTAL_SHOW_STAFF_NAMES", "1") == "1"
# A second factor (TOTP) for local password sign-ins: required in production mode, optional in the demo.
POLKU_REQUIRE_SECOND_FACTOR = _env_flag("POLKU_REQUIRE_SECOND_FACTOR", POLKU_PRODUCTION)
OTP_TOTP_ISSUER = "Polku"

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

# --- headers, cookies and sessions (issue 19) ---------------------------------------------------------------
# Content-Security-Policy (django-csp): scripts, styles, images and fonts only from Polku itself. No inline script,
# no inline event handler and no style attribute in any template (tests/core/test_security_headers.py checks).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: the empty favicon and the API docs' icons
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Request bounds (polku.core.bounds): a whole request at most POLKU_MAX_REQUEST_BYTES (a Kela invoice list fits), the
# bulk import under /tiedonsiirto/ and /api/exchange/ up to POLKU_MAX_IMPORT_BYTES (its files go to disk as they
# arrive); what is read into memory besides uploaded files (a JSON body, form fields) at most 512 KiB.
POLKU_MAX_REQUEST_BYTES = int(os.environ.get("POLKU_MAX_REQUEST_BYTES", str(20 * 1024 * 1024)))
POLKU_MAX_IMPORT_BYTES = int(os.environ.get("POLKU_MAX_IMPORT_BYTES", str(4 * 1024 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HTTPS in production: HSTS for a year (sent on HTTPS responses only), plain HTTP redirected (the health checks
# /terveys/ and /terveys/valmis/ excepted, for load balancers probing over HTTP). Behind a TLS-terminating proxy set
# POLKU_PROXY_SSL_HEADER to the request.META key of the header it sets to "https" (e.g. HTTP_X_FORWARDED_PROTO).
SECURE_HSTS_SECONDS = int(os.environ.get("POLKU_HSTS_SECONDS", str(365 * 24 * 3600) if POLKU_PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("POLKU_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = False
# Preloading is the municipality's decision for its whole domain (hard to undo), not Polku's: its warning is silenced.
# templates.W003: 'i18n' names two tag libraries on purpose — Django's, and ours that replaces it with every tag the
# same (polku.web.templatetags.kept_i18n); tests/web/test_kept_i18n.py checks that no other name is taken twice.
SILENCED_SYSTEM_CHECKS = ["security.W021", "templates.W003"]
SECURE_SSL_REDIRECT = _env_flag("POLKU_SSL_REDIRECT", POLKU_PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^terveys/"]  # liveness /terveys/ and readiness /terveys/valmis/
if os.environ.get("POLKU_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["POLKU_PROXY_SSL_HEADER"], "https")
# Cookies: never readable by scripts (the session), sent only over HTTPS outside the demo, and not on cross-site
# requests other than top-level navigation (SameSite=Lax: a link in an e-mail still finds the user signed in).
_SECURE_COOKIES = _env_flag("POLKU_SECURE_COOKIES", POLKU_PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _SECURE_COOKIES
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
CSRF_COOKIE_SECURE = _SECURE_COOKIES
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = _SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Sessions end after 30 minutes without a request and 12 hours after signing in however active
# (polku.core.security.SessionTimeoutMiddleware); the cookie itself lives no longer than the absolute limit.
POLKU_SESSION_IDLE_MINUTES = int(os.environ.get("POLKU_SESSION_IDLE_MINUTES", "30"))
POLKU_SESSION_MAX_HOURS = int(os.environ.get("POLKU_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = POLKU_SESSION_MAX_HOURS * 3600

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
                            ("polku", os.environ.get("POLKU_LOG_LEVEL", "INFO")), ("axes", "WARNING"))
    },
    "root": {"handlers": ["console"], "level": os.environ.get("POLKU_LOG_LEVEL", "WARNING")},
}

if POLKU_PRODUCTION and ("demo" in SECRET_KEY or "demo" in PERSONAL_ID_KEY
                         or any("demo" in key for key in PERSONAL_ID_ENCRYPTION_KEYS[:1])):
    # Real identity codes must never be hashed or encrypted with the public demo keys.
    raise ImproperlyConfigured(
        "POLKU_ARTIFICIAL_IDS_ONLY=0 needs POLKU_SECRET_KEY and POLKU_PERSONAL_ID_KEY set to secret values.",
    )
if POLKU_PRODUCTION and DEBUG:
    # Debug error pages show tracebacks with settings and request data: never with real persons.
    raise ImproperlyConfigured("POLKU_DEBUG=1 is refused in production mode (POLKU_ARTIFICIAL_IDS_ONLY=0).")
if POLKU_PRODUCTION and (POLKU_SMS_BACKEND in DEMO_SMS_BACKENDS or EMAIL_BACKEND in DEMO_EMAIL_BACKENDS):
    # Clients' notifications would never reach them, and their addresses would end up in the server's output.
    raise ImproperlyConfigured("Production mode (POLKU_ARTIFICIAL_IDS_ONLY=0) needs the municipality's gateways: set "
                               "POLKU_EMAIL_BACKEND (e.g. django.core.mail.backends.smtp.EmailBackend) and "
                               "POLKU_SMS_BACKEND (the dotted path of the text-message gateway's class).")
