"""Settings, read from the environment only: production needs no code edit.

Variables (all optional on a development machine):
  DATABASE_URL          default sqlite:///<project>/var/ducha.sqlite3
  DUCHA_SECRET_KEY      required when DUCHA_DEBUG is off
  DUCHA_DEBUG           "1"/"true" to enable debug (default on only when no secret key is given)
  DUCHA_ALLOWED_HOSTS   comma-separated (default 127.0.0.1,localhost)
  DUCHA_TIME_ZONE       default Asia/Shanghai
  DUCHA_MEDIA_ROOT      upload storage folder (default <var>/media)
  DUCHA_VAR_DIR         where the embedded database, uploads and static files live (default ./var)
Background work and notifications (see docs/deployment.md):
  DUCHA_TASKS_BACKEND   db (default: django-tasks-db on the same database, worker `ducha db_worker`),
                        rq (Redis, worker `ducha rqworker default --job-class django_tasks_rq.Job
                        --with-scheduler`) or immediate
  DUCHA_REDIS_URL       default redis://127.0.0.1:6379/0 (for rq)
  EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL, EMAIL_TIMEOUT,
  DEFAULT_FROM_EMAIL, EMAIL_BACKEND (default: SMTP when EMAIL_HOST is set, else the console)
  DUCHA_SMS_GATEWAY_URL, DUCHA_SMS_GATEWAY_TOKEN   SMS gateway adapter (JSON POST {phone, text})
  DUCHA_WEBHOOK_URL, DUCHA_WEBHOOK_STYLE            default group robot (wecom|dingtalk) besides those in the admin
  DUCHA_SITE_URL        the address put in messages' links (default http://127.0.0.1:8000)
  DUCHA_ARCHIVE_DIR, DUCHA_ARCHIVE_FONDS, DUCHA_ARCHIVE_RECEIVER   the archive dossiers (see below)
  DUCHA_FIELD_KEYS      "3:<32 hex>,2:<32 hex>": the SM4 keys sealing personal data at rest (users' phones,
                        reporters' names and phones), by version; the first seals, the others still unseal.
                        Rotate with `ducha rotate_field_key` (its --help gives the steps; ducha.common.crypto)
  DUCHA_FIELD_KEY       32 hex digits: the older single key, still valid as version 1 (with neither set: a key
                        derived from the secret key, version 1, for development)
  DUCHA_CLUE_RATE_PER_SOURCE, DUCHA_CLUE_RATE_GLOBAL   public clue limits "count/seconds" (0 lifts a limit)
  DUCHA_CLUE_CAPTCHA    0 lifts the public form's picture code (imports and load tests); default on
  DUCHA_JOB_FILE_HOURS  how long a background job's file is kept (default 72)
  DUCHA_EXPORT_INLINE_ROWS   exports up to this many rows download at once, larger ones run as a job (5000)
  DUCHA_IMPORT_INLINE_ROWS   ledger imports up to this many rows are checked and imported at once, larger
                             ones in background jobs (500)
  Security (docs/security.md): DUCHA_SESSION_IDLE_SECONDS, DUCHA_SESSION_MAX_SECONDS, DUCHA_LOCKOUT_FAILURES,
  DUCHA_LOCKOUT_MINUTES, DUCHA_PROXY_COUNT, DUCHA_PASSWORD_MAX_AGE_DAYS, DUCHA_OTP_REQUIRED_ROLES, DUCHA_TOKEN_DAYS,
  DUCHA_UPLOAD_QUOTA_BYTES, DUCHA_HSTS_SECONDS, DUCHA_SSL_REDIRECT, DUCHA_PROXY_SSL_HEADER, DUCHA_API_DOCS_PUBLIC,
  DUCHA_AUDIT_ANCHOR_DIR, DUCHA_AUDIT_RETENTION_DAYS, DUCHA_BACKUP_DIR, DUCHA_BACKUP_KEY
  DUCHA_PDF_ENGINE      host:port of each PDF engine `ducha pdf_engine` runs, comma-separated (default
                        127.0.0.1:2003,127.0.0.1:2005; empty: no PDF)
Operations (docs/deployment.md, "Health, readiness, metrics and logs"): DUCHA_LOG_FORMAT (text|json),
  DUCHA_LOG_LEVEL, DUCHA_METRICS_ALLOW, DUCHA_METRICS_TOKEN; PROMETHEUS_MULTIPROC_DIR (read by prometheus_client)
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DUCHA_VAR_DIR", Path.cwd() / "var")).resolve()

SECRET_KEY = os.environ.get("DUCHA_SECRET_KEY", "")
DEBUG = env_bool("DUCHA_DEBUG", default=not SECRET_KEY)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DUCHA_SECRET_KEY must be set when DUCHA_DEBUG is off.")
    SECRET_KEY = "ducha-development-only-insecure-key"

ALLOWED_HOSTS = env_list("DUCHA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DUCHA_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "ducha.config.apps.StaticFilesConfig",  # django.contrib.staticfiles, leaving out most of ECharts' dist
    "ninja",  # serves the API docs page's assets locally (no CDN)
    "django_htmx",
    "js_lib_htmx",  # htmx 2, served from the package's static files
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "captcha",  # django-simple-captcha: the public clue form's offline picture code
    "axes",  # lockout after failed sign-ins (django-axes)
    "django_otp",  # the second factor: TOTP authenticators and one-time recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",  # Content-Security-Policy (django-csp)
    "ducha.common",
    "ducha.orgs",
    "ducha.workcalendar",
    "ducha.audit",
    "ducha.jobs",
    "ducha.items",
    "ducha.reminders",
    "ducha.inspections",
    "ducha.documents",
    "ducha.evaluation",
    "ducha.accountability",
    "ducha.clues",
    "ducha.workbench",
    "ducha.api",
    "ducha.ops",
    "ducha.devtools",
    "ducha.config",
]

MIDDLEWARE = [
    # First: the request id and the request metrics around everything else; /healthz, /readyz and /metrics are
    # answered here, before sessions, sign-in rules, the HTTPS redirect and the Host check (ducha.ops.views).
    "ducha.ops.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Read-your-writes with a replica: whoever has just written reads from the primary (ducha.common.replica).
    "ducha.common.replica.ReplicaPinMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Idle and absolute session limits, the password that must be changed, the second factor that must be given.
    "ducha.orgs.middleware.SessionSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # `Cache-Control: no-store` on every response for a signed-in user.
    "ducha.common.middleware.NoStoreMiddleware",
    # Refusals (403) and downloads written to the audit log as security events.
    "ducha.audit.middleware.SecurityAuditMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "ducha.config.urls"
WSGI_APPLICATION = "ducha.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ducha.workbench.context_processors.inbox",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'ducha.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL") or _default_sqlite, conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if not os.environ.get("DATABASE_URL"):
        VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded default must work on a bare checkout
    # IMMEDIATE transactions take the write lock up front, so concurrent writers (web + worker) wait for each
    # other instead of failing mid-transaction; WAL lets readers go on while one writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# A PostgreSQL streaming replica for the ledger's and the dashboard's reads (ducha.common.replica): unset, every
# read goes to the primary. A user who has just written reads from the primary for the sticky seconds; a replica
# down or behind by more than the lag is left out, checked every few seconds per process.
DUCHA_REPLICA_URL = os.environ.get("DUCHA_REPLICA_URL", "").strip()
DUCHA_REPLICA_STICKY_SECONDS = int(os.environ.get("DUCHA_REPLICA_STICKY_SECONDS", "15"))
DUCHA_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("DUCHA_REPLICA_MAX_LAG_SECONDS", "5"))
DUCHA_REPLICA_CHECK_SECONDS = float(os.environ.get("DUCHA_REPLICA_CHECK_SECONDS", "2"))
if DUCHA_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DUCHA_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ducha.common.replica.ReplicaRouter"]

# The cache: one process's memory on the embedded default; Redis in production (DUCHA_CACHE_URL), shared by every
# app node and worker so that what one invalidates, all stop serving (docs/deployment.md).
DUCHA_CACHE_URL = os.environ.get("DUCHA_CACHE_URL", "").strip()
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": DUCHA_CACHE_URL,
        "KEY_PREFIX": os.environ.get("DUCHA_CACHE_PREFIX", "ducha"),
    }
    if DUCHA_CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ducha"}
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) serve PostgreSQL, the production database; SQLite builds them without the extra
# columns, which is fine for the embedded default.
SILENCED_SYSTEM_CHECKS = ["models.W039", "models.W040"]
AUTH_USER_MODEL = "orgs.User"
# ModelBackend with the user's unit and government loaded in the same query (ducha.orgs.backends).
# The lockout backend first (django-axes: refuses a locked account or address before any password is checked).
AUTHENTICATION_BACKENDS = ["ducha.orgs.backends.LockoutBackend", "ducha.orgs.backends.UserBackend"]

# 等保 L3 身份鉴别: at least 10 characters of three kinds, not like the user name, not a common password, not one
# of the last five (ducha.orgs.passwords).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "ducha.orgs.passwords.CharacterClassValidator", "OPTIONS": {"classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "ducha.orgs.passwords.HistoryValidator", "OPTIONS": {"count": 5}},
]

LANGUAGE_CODE = "zh-hans"
# The interface is Chinese whatever language a browser asks for: no LocaleMiddleware, one language.
LANGUAGES = [("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("DUCHA_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end libraries installed from npm by `make install` (package-lock.json); never committed, never a CDN.
NODE_MODULES = Path(os.environ.get("DUCHA_NODE_MODULES", PACKAGE_DIR.parent / "node_modules"))
STATICFILES_DIRS: list = [PACKAGE_DIR / "static"]
if (NODE_MODULES / "echarts").is_dir():
    STATICFILES_DIRS.append(("vendor/echarts", NODE_MODULES / "echarts" / "dist"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DUCHA_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DUCHA_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# --- Security (等保 2.0 level 3; docs/security.md) -------------------------------------------------------------
# Sessions: signed out after this long without a request (a page warns a minute before), and this long after
# signing in whatever happens (the cookie's own age).
DUCHA_SESSION_IDLE_SECONDS = int(os.environ.get("DUCHA_SESSION_IDLE_SECONDS", "900"))
DUCHA_SESSION_MAX_SECONDS = int(os.environ.get("DUCHA_SESSION_MAX_SECONDS", str(12 * 3600)))
DUCHA_SESSION_WARN_SECONDS = int(os.environ.get("DUCHA_SESSION_WARN_SECONDS", "60"))
SESSION_COOKIE_AGE = DUCHA_SESSION_MAX_SECONDS
SESSION_COOKIE_SAMESITE = "Lax"
# Lockout (django-axes): this many failures lock the account, and separately the source address, for this long, on
# every sign-in path (the pages, the administration, the API's token issue). The office lifts a lockout.
AXES_FAILURE_LIMIT = int(os.environ.get("DUCHA_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DUCHA_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# Sign-ins are in the audit log (ducha.orgs.security); django-axes need not log each one again.
AXES_VERBOSE = False
# Behind N reverse proxies the client's address is the Nth from the right of X-Forwarded-For (0: REMOTE_ADDR).
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("DUCHA_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
# The address as ducha.orgs.security.client_ip reads it (REMOTE_ADDR, or the Nth from the right of X-Forwarded-For
# behind N proxies): django-ipware is not installed, and without this every client behind a proxy would be one.
AXES_CLIENT_IP_CALLABLE = "ducha.orgs.security.client_ip"
# A lockout lasts AXES_COOLOFF_TIME from the failure that caused it: attempts refused meanwhile neither count nor
# extend it (so nobody can keep an account locked for ever by guessing on), and the office can lift it sooner.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# 429 with the code `locked_out`: the locked page, or JSON under /api/.
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "ducha.orgs.security.lockout_response"
# Passwords: expire after this many days (0: never; production default 90); how many earlier ones may not return.
DUCHA_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("DUCHA_PASSWORD_MAX_AGE_DAYS", "0" if DEBUG else "90"))
DUCHA_PASSWORD_HISTORY = 5
# The second factor (TOTP) is required for these roles; the others may bind one. Development (DEBUG) requires
# none by default, so the demo county signs in with a password only.
DUCHA_OTP_REQUIRED_ROLES = env_list("DUCHA_OTP_REQUIRED_ROLES", "" if DEBUG else "office,leader,admin")
OTP_TOTP_ISSUER = "督查督办"
# API tokens expire after this many days (at most DUCHA_TOKEN_MAX_DAYS).
DUCHA_TOKEN_DAYS = int(os.environ.get("DUCHA_TOKEN_DAYS", "90"))
DUCHA_TOKEN_MAX_DAYS = 365
# Uploads: what one user may store in all.
DUCHA_UPLOAD_QUOTA_BYTES = int(os.environ.get("DUCHA_UPLOAD_QUOTA_BYTES", str(2 * 1024**3)))
# Transport: HSTS and the redirect to HTTPS in production. Behind a TLS-terminating proxy that sets it, name the
# header the proxy uses (e.g. "X-Forwarded-Proto"); the proxy must overwrite any value a client sends.
SECURE_HSTS_SECONDS = int(os.environ.get("DUCHA_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("DUCHA_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
SECURE_SSL_REDIRECT = env_bool("DUCHA_SSL_REDIRECT", default=not DEBUG)
# The balancer's health checks and the metrics collector speak plain HTTP to the node (ducha.ops answers them before
# SecurityMiddleware anyway; this keeps them so if the middleware order changes).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
_proxy_header = os.environ.get("DUCHA_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https") if _proxy_header else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4): scripts and styles from this site's own files only — no inline script,
# style element or style attribute, no eval (htmx runs with allowEval off and its indicator styles in ducha.css,
# base.html's htmx-config). Images may be data: URIs (the favicon placeholder, the API docs' icons, a QR code).
# Nothing may frame a page (frame-ancestors 'none', with X-Frame-Options DENY for old browsers); the one exception
# is the issued PDF, framed by its own print page (documents.document_pdf replaces frame-ancestors with 'self').
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# The API's documentation pages: public in development, behind sign-in in production.
DUCHA_API_DOCS_PUBLIC = env_bool("DUCHA_API_DOCS_PUBLIC", default=DEBUG)
# Audit: the daily anchors of the hash chain are written here; events are kept at least this many days (never
# fewer than 180, 等保 L3).
DUCHA_AUDIT_ANCHOR_DIR = Path(os.environ.get("DUCHA_AUDIT_ANCHOR_DIR", VAR_DIR / "audit-anchors"))
DUCHA_AUDIT_RETENTION_DAYS = max(180, int(os.environ.get("DUCHA_AUDIT_RETENTION_DAYS", "180")))
# Backups (`ducha backup`, `ducha restore`): where archives go, and the key sealing their manifest (default: derived
# from the secret key; set it so a restore on another machine can check the archive).
DUCHA_BACKUP_DIR = Path(os.environ.get("DUCHA_BACKUP_DIR", VAR_DIR / "backups"))
DUCHA_BACKUP_KEY = os.environ.get("DUCHA_BACKUP_KEY", "")

# --- Operations: logs and metrics (docs/deployment.md, "Health, readiness, metrics and logs") --------------------
# The console's log lines: `text` (the message alone, as before) or `json` (one object a line for a collector:
# timestamp, level, logger, message, request_id and the record's extra fields; ducha.ops.logging).
DUCHA_LOG_FORMAT = os.environ.get("DUCHA_LOG_FORMAT", "text").strip().lower()
if DUCHA_LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("DUCHA_LOG_FORMAT must be text or json.")
DUCHA_LOG_LEVEL = os.environ.get("DUCHA_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The id of the request being handled on every record (X-Request-ID; ducha.ops.middleware).
    "filters": {"request_id": {"()": "ducha.ops.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(message)s"},
        "json": {"()": "ducha.ops.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": DUCHA_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": DUCHA_LOG_LEVEL},
    "loggers": {
        # django-axes reports every sign-in at INFO; the audit log has them (ducha.orgs.security).
        "axes": {"level": "WARNING"},
        # In JSON, gunicorn's own lines too, once a worker has loaded Django: its errors (at gunicorn's --log-level),
        # and its access log (written when gunicorn's `accesslog` is set, e.g. "-"), each request's method, path,
        # status and duration as fields.
        **(
            {
                "gunicorn.error": {"handlers": ["console"], "propagate": False},
                "gunicorn.access": {"handlers": ["console"], "propagate": False},
            }
            if DUCHA_LOG_FORMAT == "json"
            else {}
        ),
    },
}
# /metrics answers these addresses (comma-separated CIDRs; the client's address as ducha.orgs.security.client_ip
# reads it, so behind DUCHA_PROXY_COUNT proxies the one the nearest proxy saw) and whoever sends
# `Authorization: Bearer <DUCHA_METRICS_TOKEN>` (when set); anyone else gets 404.
DUCHA_METRICS_ALLOW = os.environ.get("DUCHA_METRICS_ALLOW", "127.0.0.1/32,::1/128")
DUCHA_METRICS_TOKEN = os.environ.get("DUCHA_METRICS_TOKEN", "")

# --- Domain settings -------------------------------------------------------------------------------------------
# Item number pattern; {year} and {seq} are filled in at approval. Sequential per government and year.
DUCHA_ITEM_NUMBER_PATTERN = os.environ.get("DUCHA_ITEM_NUMBER_PATTERN", "督〔{year}〕{seq}号")
# Deadline when neither a date nor a working-day count is given and no DeadlineRule matches (002 art. 7(2)).
DUCHA_DEFAULT_DEADLINE_WORKDAYS = int(os.environ.get("DUCHA_DEFAULT_DEADLINE_WORKDAYS", "15"))
# The dashboard's figures are cached per user this long (seconds; 0 = always counted live).
DUCHA_DASHBOARD_CACHE_SECONDS = int(os.environ.get("DUCHA_DASHBOARD_CACHE_SECONDS", "300"))
# Yellow light this many working days before the due date.
DUCHA_YELLOW_WORKDAYS = int(os.environ.get("DUCHA_YELLOW_WORKDAYS", "3"))
# Attachments on reports and decisions.
DUCHA_ATTACHMENT_MAX_BYTES = int(os.environ.get("DUCHA_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
DUCHA_ATTACHMENT_EXTENSIONS = env_list(
    "DUCHA_ATTACHMENT_EXTENSIONS", "pdf,doc,docx,xls,xlsx,wps,et,ofd,txt,jpg,jpeg,png,zip"
)
# Uploads (issue 17): a multipart body is refused before it is read when it declares more than
# DUCHA_UPLOAD_REQUEST_MAX_BYTES (default: five files at the attachment limit and the form's fields), and reading
# stops as soon as one file passes DUCHA_UPLOAD_FILE_MAX_BYTES (the largest file any form takes); each path then
# checks its own limit, the content against the extension and the uploader's quota (ducha.common.uploads).
DUCHA_UPLOAD_FORM_OVERHEAD_BYTES = 1024 * 1024
DUCHA_UPLOAD_FILE_MAX_BYTES = int(
    os.environ.get("DUCHA_UPLOAD_FILE_MAX_BYTES", str(DUCHA_ATTACHMENT_MAX_BYTES))
)
DUCHA_UPLOAD_REQUEST_MAX_BYTES = int(
    os.environ.get(
        "DUCHA_UPLOAD_REQUEST_MAX_BYTES",
        str(5 * DUCHA_UPLOAD_FILE_MAX_BYTES + DUCHA_UPLOAD_FORM_OVERHEAD_BYTES),
    )
)
FILE_UPLOAD_HANDLERS = [
    "ducha.common.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Files up to this size stay in memory while a request is handled; larger ones go to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The form's other fields (not files) together.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Background tasks, reminders and notifications ------------------------------------------------------------
# The same task code runs on every backend; only this setting changes (docs/deployment.md).
DUCHA_TASKS_BACKEND = os.environ.get("DUCHA_TASKS_BACKEND", "db").strip().lower()
DUCHA_REDIS_URL = os.environ.get("DUCHA_REDIS_URL", "redis://127.0.0.1:6379/0")
_TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if DUCHA_TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"DUCHA_TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[DUCHA_TASKS_BACKEND], "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": DUCHA_REDIS_URL, "DEFAULT_TIMEOUT": 300}}

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ducha@localhost")

# Links in messages point here.
DUCHA_SITE_URL = os.environ.get("DUCHA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Reminders go out on working days during these office hours (one due on a rest day, at night or before the start
# waits for the next working day's start); "working hours" (not signed for) count inside them.
DUCHA_REMINDER_OFFICE_HOURS = os.environ.get("DUCHA_REMINDER_OFFICE_HOURS", "09:00-17:00")
# How many earlier working days a sweep still catches up on when earlier sweeps were missed.
DUCHA_REMINDER_CATCHUP_WORKDAYS = int(os.environ.get("DUCHA_REMINDER_CATCHUP_WORKDAYS", "1"))
# How often `ducha scheduler` runs the sweep.
DUCHA_SWEEP_INTERVAL_SECONDS = int(os.environ.get("DUCHA_SWEEP_INTERVAL_SECONDS", "300"))
# How often `ducha scheduler` recounts the dashboard's summary table (0: never; then cron runs
# `ducha dashboard_rollup`).
DUCHA_DASHBOARD_ROLLUP_INTERVAL_SECONDS = int(
    os.environ.get("DUCHA_DASHBOARD_ROLLUP_INTERVAL_SECONDS", "900")
)
# Channels a user has until they choose (the inbox is always on).
DUCHA_NOTIFY_DEFAULT_CHANNELS = env_list("DUCHA_NOTIFY_DEFAULT_CHANNELS", "email")
# Delivery retries: attempts in all, and the first wait (doubled after each failure).
DUCHA_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DUCHA_DELIVERY_MAX_ATTEMPTS", "5"))
DUCHA_DELIVERY_BACKOFF_SECONDS = int(os.environ.get("DUCHA_DELIVERY_BACKOFF_SECONDS", "60"))
DUCHA_NOTIFY_TIMEOUT_SECONDS = float(os.environ.get("DUCHA_NOTIFY_TIMEOUT_SECONDS", "10"))
DUCHA_SMS_GATEWAY_URL = os.environ.get("DUCHA_SMS_GATEWAY_URL", "")
DUCHA_SMS_GATEWAY_TOKEN = os.environ.get("DUCHA_SMS_GATEWAY_TOKEN", "")
DUCHA_WEBHOOK_URL = os.environ.get("DUCHA_WEBHOOK_URL", "")
DUCHA_WEBHOOK_STYLE = os.environ.get("DUCHA_WEBHOOK_STYLE", "wecom")

# Official documents. The PDF engine: unoserver keeping one LibreOffice loaded (`ducha pdf_engine`), reached over
# XML-RPC; run by the system's Python, which has LibreOffice's `uno` (Debian: python3-uno).
# Comma-separated: conversions are spread over the engines, one LibreOffice each (about one per core).
DUCHA_PDF_ENGINE = os.environ.get("DUCHA_PDF_ENGINE", "127.0.0.1:2003,127.0.0.1:2005")
DUCHA_PDF_TIMEOUT_SECONDS = int(os.environ.get("DUCHA_PDF_TIMEOUT_SECONDS", "60"))
# How long a conversion waits for an engine being started again (recycled) before it is refused.
DUCHA_PDF_WAIT_SECONDS = float(os.environ.get("DUCHA_PDF_WAIT_SECONDS", "15"))
DUCHA_PDF_PYTHON = os.environ.get("DUCHA_PDF_PYTHON", "/usr/bin/python3")
# `ducha pdf_engine` starts each engine afresh after this many conversions (0: never).
DUCHA_PDF_RECYCLE_AFTER = int(os.environ.get("DUCHA_PDF_RECYCLE_AFTER", "300"))
# The 催办通知单 turns red past this many working days overdue, or once the item has been chased this many times.
DUCHA_CHASE_RED_OVERDUE_WORKDAYS = int(os.environ.get("DUCHA_CHASE_RED_OVERDUE_WORKDAYS", "10"))
DUCHA_CHASE_RED_AFTER_CHASES = int(os.environ.get("DUCHA_CHASE_RED_AFTER_CHASES", "2"))

# The archive dossiers (`ducha archive export`, documents/archive/): where they are written, the 全宗号 the archives
# gave each government ("示范县人民政府=G012;示范市人民政府=G001", or one number for a single government; unset:
# a provisional G<id>) and the archives' name printed as the 接收单位.
DUCHA_ARCHIVE_DIR = Path(os.environ.get("DUCHA_ARCHIVE_DIR", VAR_DIR / "archive"))
_fonds = os.environ.get("DUCHA_ARCHIVE_FONDS", "").strip()
DUCHA_ARCHIVE_FONDS: str | dict[str, str] | None = (
    dict(pair.split("=", 1) for pair in _fonds.split(";") if "=" in pair)
    if "=" in _fonds
    else (_fonds or None)
)
DUCHA_ARCHIVE_RECEIVER = os.environ.get("DUCHA_ARCHIVE_RECEIVER", "")

# --- 互联网+督查: the public clue channel ---------------------------------------------------------------------
DUCHA_FIELD_KEY = os.environ.get("DUCHA_FIELD_KEY", "")
DUCHA_FIELD_KEYS = os.environ.get("DUCHA_FIELD_KEYS", "")
# Public submissions: at most this many per sending address, and in all, in a window ("count/seconds"; "0": no limit).
DUCHA_CLUE_RATE_PER_SOURCE = os.environ.get("DUCHA_CLUE_RATE_PER_SOURCE", "5/3600")
DUCHA_CLUE_RATE_GLOBAL = os.environ.get("DUCHA_CLUE_RATE_GLOBAL", "3000/3600")
DUCHA_CLUE_CAPTCHA = env_bool("DUCHA_CLUE_CAPTCHA", default=True)

# Background jobs (ducha.jobs): how long a finished job's file is kept, and how many rows an export may have to be
# written at once in the request (more: a background job with a progress bar).
DUCHA_JOB_FILE_HOURS = int(os.environ.get("DUCHA_JOB_FILE_HOURS", "72"))
DUCHA_EXPORT_INLINE_ROWS = int(os.environ.get("DUCHA_EXPORT_INLINE_ROWS", "5000"))
DUCHA_IMPORT_INLINE_ROWS = int(os.environ.get("DUCHA_IMPORT_INLINE_ROWS", "500"))
DUCHA_CLUE_PHOTO_MAX_BYTES = int(os.environ.get("DUCHA_CLUE_PHOTO_MAX_BYTES", str(5 * 1024 * 1024)))
DUCHA_CLUE_PHOTOS_MAX = int(os.environ.get("DUCHA_CLUE_PHOTOS_MAX", "6"))
# A new clue is compared with the clues of this many days before it.
DUCHA_CLUE_DUPLICATE_DAYS = int(os.environ.get("DUCHA_CLUE_DUPLICATE_DAYS", "180"))
# The router learns from at most this many of the government's latest routing decisions.
DUCHA_CLUE_ROUTING_EXAMPLES = int(os.environ.get("DUCHA_CLUE_ROUTING_EXAMPLES", "20000"))
# EarlyWarning's uniqueness treats "no township" as one value (nulls_distinct=False): PostgreSQL enforces it; SQLite
# cannot, and the analytics write through update_or_create there.
SILENCED_SYSTEM_CHECKS.append("models.W047")
CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 10
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.random_char_challenge"
