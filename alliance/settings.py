"""Alliance settings: one file, configured only from environment variables.

With nothing set, Alliance runs in its embedded mode: a SQLite database, a secret key and
written mail, all inside ALLIANCE_DATA_DIR. See the README for every variable.
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from alliance.lib.env import (
    DATABASE_FILE,
    allowed_hosts_default,
    data_dir_default,
    envbool,
    envdatabase,
    envemail,
    envint,
    envlist,
    envsecret,
    envstr,
    listen_address,
    mail_domain,
    served_base_url,
)

BASE_DIR = Path(__file__).resolve().parent

DATA_DIR = Path(envstr("ALLIANCE_DATA_DIR") or data_dir_default(BASE_DIR)).resolve()
# Only its owner may enter it: it holds the database, the secret key and written mail. A
# directory made by an earlier release (with the umask's mode) is closed on start too.
try:
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
except OSError as error:
    raise ImproperlyConfigured(
        f"ALLIANCE_DATA_DIR: cannot make the data directory {DATA_DIR} ({error.strerror}); "
        "set ALLIANCE_DATA_DIR to a directory this user may write"
    ) from None
if DATA_DIR.stat().st_uid == os.getuid() and DATA_DIR.stat().st_mode & 0o077:
    DATA_DIR.chmod(0o700)

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envsecret("ALLIANCE_SECRET_KEY", DATA_DIR / "secret_key")

# By default the address `alliance serve` prints for HOST and PORT, so the links the demo
# prints and mail carries lead to the server started with the same variables.
BASE_URL = (envstr("ALLIANCE_BASE_URL") or served_base_url(*listen_address())).rstrip("/")
# A derived base URL suits `serve` and the demo on one machine; a deployment must name the
# address people open, or emailed links may lead to an internal host (`check --deploy`).
BASE_URL_DERIVED = not envstr("ALLIANCE_BASE_URL")
_base = urlsplit(BASE_URL)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", allowed_hosts_default(BASE_URL))
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must not be '*': Alliance would answer to any Host a request names. "
        "List the names it is reached by, e.g. ALLOWED_HOSTS=alliance.example.org,localhost"
    )
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [f"{_base.scheme}://{_base.netloc}"])
# What mail calls this installation: in subjects ("[Alliance] ...") and account mails.
SITE_NAME = " ".join(envstr("ALLIANCE_SITE_NAME", "Alliance").split()) or "Alliance"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "alliance.core",
    "alliance.accounts",
    "alliance.alliances",
    "alliance.starting",
    "alliance.terms",
    "alliance.conversations",
    "alliance.feedback",
    "alliance.outbox",
    "alliance.tending",
    "alliance.closing",
    "alliance.record",
    "alliance.webhooks",
    "alliance.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed for every browser that accepts it (Django's mitigation of BREACH
    # included); static files come compressed ahead of time from whitenoise, above.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "alliance.accounts.middleware.UserTimezoneMiddleware",
]

ROOT_URLCONF = "alliance.urls"
WSGI_APPLICATION = "alliance.wsgi.application"

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
                "alliance.core.context_processors.site",
                "alliance.core.context_processors.time_zone_question",
            ],
        },
    },
]

# Databases: SQLite in the data directory unless DATABASE_URL says otherwise.
_sqlite_path = DATA_DIR / DATABASE_FILE
DATABASES = {"default": envdatabase("DATABASE_URL", f"sqlite:///{_sqlite_path}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] == str(_sqlite_path):
        # Made here, readable by its owner only, before SQLite makes it with the umask's
        # mode; SQLite gives its -wal and -shm files the database file's mode.
        _sqlite_path.touch(mode=0o600, exist_ok=True)
    # Kept open between requests, as PostgreSQL's: opening one, with its pragmas and
    # functions, cost a web request about as much CPU as the rest of a kept page.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web process read while the worker writes; IMMEDIATE takes the
        # write lock at the start of a transaction, so two writers queue up instead of
        # one failing halfway with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: rate limits (allauth's sign-in lockout among them) count in it, so it is shared
# by every process: a table in the database (made by `alliance migrate`), or Redis when
# REDIS_URL is set, e.g. redis://127.0.0.1:6379/0
REDIS_URL = envstr("REDIS_URL")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "alliance_cache",
            # Django culls a third of the entries past MAX_ENTRIES (300 by default): a flood
            # of sign-in attempts under many names must not push a lockout out early.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# Rendered pieces of pages, kept under keys made of what they show (alliance.core.fragments):
# nothing is ever invalidated, so each process keeps its own, in memory.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "alliance-fragments",
    "TIMEOUT": 6 * 60 * 60,
    # A form or a term of about 1 kB; a dashboard card of 1 kB, their page's cards of 25;
    # an alliance or conversation page of 10 to 30 kB. Longer than 32 kB, a piece is kept
    # compressed (fragments.MAX_KEPT_LENGTH): at most about 64 MB in all, per process.
    "OPTIONS": {"MAX_ENTRIES": 2_000},
}
# The tests set it: each kept piece is rendered again and must be the same.
FRAGMENTS_VERIFY = False

AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, reading the signed-in person with a prepared query.
AUTHENTICATION_BACKENDS = [
    "alliance.accounts.backends.ModelBackend",
    "alliance.accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts (django-allauth): email and password, verified email.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = envstr("ALLIANCE_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Tell a person by mail when their password or addresses change, in case it was not them.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_ADAPTER = "alliance.accounts.adapter.AccountAdapter"
# False: only a still-valid invitation link opens sign-up, for one account per link.
OPEN_SIGNUP = envbool("ALLIANCE_OPEN_SIGNUP", True)
ACCOUNT_SIGNUP_FORM_CLASS = "alliance.accounts.forms.SignupExtraForm"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "alliance.lib.staticfiles.HashedStaticFilesStorage"},
}
# Serve straight from the package when nobody ran collectstatic (`alliance serve` runs it).
WHITENOISE_USE_FINDERS = True

# Email: written to files in the data directory unless EMAIL_URL names a server,
# e.g. smtp://user:password@mail.example.org:587/?tls=True (file: writes to DATA_DIR/mail)
_email = envemail("EMAIL_URL", "file:")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    # Written mail holds sign-in links: files only their owner can read.
    EMAIL_BACKEND = "alliance.lib.filebased.EmailBackend"
EMAIL_FILE_PATH = (
    str(DATA_DIR / "mail")
    if (envstr("EMAIL_URL") or "file:") == "file:"
    else _email["EMAIL_FILE_PATH"]
)
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", f"Alliance <alliance@{mail_domain(BASE_URL)}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work: django-tasks with its database backend; `alliance worker` runs it.
TASKS = {
    "default": {
        "BACKEND": envstr("ALLIANCE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

INVITATION_DAYS = envint("ALLIANCE_INVITATION_DAYS", 14)

# Limits on what one person can do (edge-b): how far ahead a typed date may lie, and how
# many invitation emails one party, and one alliance, may send.
DATE_HORIZON_DAYS = envint("ALLIANCE_DATE_HORIZON_DAYS", 730)
INVITATIONS_PER_HOUR = envint("ALLIANCE_INVITATIONS_PER_HOUR", 20)
INVITATIONS_PER_ALLIANCE_PER_DAY = envint("ALLIANCE_INVITATIONS_PER_ALLIANCE_PER_DAY", 50)
INVITATION_RESEND_MINUTES = envint("ALLIANCE_INVITATION_RESEND_MINUTES", 10)

# The outbox (alliance.outbox): every email is a row that `alliance worker` sends.
# A claim older than this many seconds belongs to a worker that died; the mail is due again.
OUTBOX_CLAIM_TIMEOUT = envint("ALLIANCE_OUTBOX_CLAIM_TIMEOUT", 300)
# Attempts before a message is marked failed (retries back off from 1 minute to 6 hours).
OUTBOX_MAX_ATTEMPTS = envint("ALLIANCE_OUTBOX_MAX_ATTEMPTS", 8)
# Tests only: send each message as it is queued, so tests read it in `mail.outbox`.
OUTBOX_SEND_IMMEDIATELY = False
# Days before a party who has not answered gets a gentle reminder (and as many again
# before the second and last one).
NUDGE_DAYS = envint("ALLIANCE_NUDGE_DAYS", 2)
# The hour of the morning, in each person's own time zone, when their daily digest goes
# out (0 to 23).
DIGEST_HOUR = envint("ALLIANCE_DIGEST_HOUR", 7)
if not 0 <= DIGEST_HOUR <= 23:
    raise ImproperlyConfigured(
        f"ALLIANCE_DIGEST_HOUR must be an hour from 0 to 23, not {DIGEST_HOUR}"
    )
# Rows a periodic job (reminders, nudges) handles per step; the worker sends mail and
# notices a stop signal between steps.
PERIODIC_CHUNK_SIZE = envint("ALLIANCE_PERIODIC_CHUNK_SIZE", 500)

# Webhooks (alliance.webhooks): deliveries are queued like mail and sent by `alliance worker`.
# Endpoints on private, loopback, link-local or reserved addresses are refused unless this
# says otherwise (tests do; so may an installation whose receivers live on its own network).
WEBHOOKS_ALLOW_PRIVATE = envbool("ALLIANCE_WEBHOOKS_ALLOW_PRIVATE", False)
# Seconds a receiver has to connect and answer each read.
WEBHOOKS_TIMEOUT = envint("ALLIANCE_WEBHOOKS_TIMEOUT", 5)
# Attempts before a delivery fails (retries back off from 1 minute to 6 hours).
WEBHOOKS_MAX_ATTEMPTS = envint("ALLIANCE_WEBHOOKS_MAX_ATTEMPTS", 8)
# Deliveries failed in a row (every attempt spent) before the endpoint is turned off and
# its owner told by email.
WEBHOOKS_DISABLE_AFTER = envint("ALLIANCE_WEBHOOKS_DISABLE_AFTER", 5)
# A claim older than this many seconds belongs to a worker that died: the delivery is due
# again (with the same webhook-id, by which receivers recognise a repeat).
WEBHOOKS_CLAIM_TIMEOUT = envint("ALLIANCE_WEBHOOKS_CLAIM_TIMEOUT", 120)
# Days the log keeps a settled delivery (delivered, failed or not sent) and its attempts.
WEBHOOKS_KEEP_DAYS = envint("ALLIANCE_WEBHOOKS_KEEP_DAYS", 30)

# A person's copy of all their data (alliance.record.takeout): the zip files wait in
# DATA_DIR/copies for this many days, for one download each.
DATA_COPY_DIR = DATA_DIR / "copies"
DATA_COPY_DAYS = envint("ALLIANCE_DATA_COPY_DAYS", 7)
# A build whose claim has not moved (one alliance written) for this many seconds belongs
# to a worker that died: another builds it again. Tries before the request is failed.
DATA_COPY_CLAIM_TIMEOUT = envint("ALLIANCE_DATA_COPY_CLAIM_TIMEOUT", 600)
DATA_COPY_MAX_ATTEMPTS = 3

# Django's database sessions, read with a prepared query (alliance.accounts.sessions).
SESSION_ENGINE = "alliance.accounts.sessions"

# Security: secure cookies and HSTS whenever the site is served over HTTPS.
_https = _base.scheme == "https"
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", _https)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if _https else 0)
# Both bind every subdomain of the site's domain to HTTPS for as long as max-age says (and
# preload for much longer): the operator's decision, never made for them.
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
if envbool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# `check --deploy` would ask for both HSTS options above; they stay the operator's choice.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
# django-csp: scripts and styles only from our own files, nothing inline, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
}
