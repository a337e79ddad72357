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
                        rq (Redis, worker `ducha rqworker default --job-class django_tasks_rq.Job`) or immediate
  DUCHA_REDIS_URL       default redis://127.0.0.1:6379/0 (for rq)
  EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL, EMAIL_TIMEOUT,
  DEFAULT_FROM_EMAIL, EMAIL_BACKEND (default: SMTP when EMAIL_HOST is set, else the console)
  DUCHA_SMS_GATEWAY_URL, DUCHA_SMS_GATEWAY_TOKEN   SMS gateway adapter (JSON POST {phone, text})
  DUCHA_WEBHOOK_URL, DUCHA_WEBHOOK_STYLE            default group robot (wecom|dingtalk) besides those in the admin
  DUCHA_SITE_URL        the address put in messages' links (default http://127.0.0.1:8000)
  DUCHA_ARCHIVE_DIR, DUCHA_ARCHIVE_FONDS, DUCHA_ARCHIVE_RECEIVER   the archive dossiers (see below)
  DUCHA_FIELD_KEY       32 hex digits: the SM4 key sealing reporters' names and phones (default: derived from
                        the secret key, for development)
  DUCHA_CLUE_RATE_PER_SOURCE, DUCHA_CLUE_RATE_GLOBAL   public clue limits "count/seconds" (0 lifts a limit)
  DUCHA_CLUE_CAPTCHA    0 lifts the public form's picture code (imports and load tests); default on
  DUCHA_PDF_ENGINE      host:port of each PDF engine `ducha pdf_engine` runs, comma-separated (default
                        127.0.0.1:2003,127.0.0.1:2005; empty: no PDF)
"""

from __future__ import annotations

import os
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
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs page's assets locally (no CDN)
    "django_htmx",
    "js_lib_htmx",  # htmx 2, served from the package's static files
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "captcha",  # django-simple-captcha: the public clue form's offline picture code
    "ducha.common",
    "ducha.orgs",
    "ducha.workcalendar",
    "ducha.audit",
    "ducha.items",
    "ducha.reminders",
    "ducha.inspections",
    "ducha.documents",
    "ducha.evaluation",
    "ducha.accountability",
    "ducha.clues",
    "ducha.workbench",
    "ducha.api",
    "ducha.devtools",
    "ducha.config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) serve PostgreSQL, the production database; SQLite builds them without the extra
# columns, which is fine for the embedded default.
SILENCED_SYSTEM_CHECKS = ["models.W039", "models.W040"]
AUTH_USER_MODEL = "orgs.User"
# ModelBackend with the user's unit and government loaded in the same query (ducha.orgs.backends).
AUTHENTICATION_BACKENDS = ["ducha.orgs.backends.UserBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DUCHA_LOG_LEVEL", "INFO")},
}

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
# Public submissions: at most this many per sending address, and in all, in a window ("count/seconds"; "0": no limit).
DUCHA_CLUE_RATE_PER_SOURCE = os.environ.get("DUCHA_CLUE_RATE_PER_SOURCE", "5/3600")
DUCHA_CLUE_RATE_GLOBAL = os.environ.get("DUCHA_CLUE_RATE_GLOBAL", "3000/3600")
DUCHA_CLUE_CAPTCHA = env_bool("DUCHA_CLUE_CAPTCHA", default=True)
DUCHA_CLUE_PHOTO_MAX_BYTES = int(os.environ.get("DUCHA_CLUE_PHOTO_MAX_BYTES", str(5 * 1024 * 1024)))
DUCHA_CLUE_PHOTOS_MAX = int(os.environ.get("DUCHA_CLUE_PHOTOS_MAX", "6"))
# A new clue is compared with the clues of this many days before it.
DUCHA_CLUE_DUPLICATE_DAYS = int(os.environ.get("DUCHA_CLUE_DUPLICATE_DAYS", "180"))
# The router learns from at most this many of the government's latest routing decisions.
DUCHA_CLUE_ROUTING_EXAMPLES = int(os.environ.get("DUCHA_CLUE_ROUTING_EXAMPLES", "20000"))
# EarlyWarning's uniqueness treats "no township" as one value (nulls_distinct=False): PostgreSQL enforces it; SQLite
# cannot, and the analytics write through update_or_create there.
SILENCED_SYSTEM_CHECKS = ["models.W047"]
CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 10
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.random_char_challenge"
