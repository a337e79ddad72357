"""Settings, read from the environment only: production needs no code edit.

Variables (all optional on a development machine):
  DATABASE_URL          default sqlite:///<project>/var/ducha.sqlite3
  DUCHA_SECRET_KEY      required when DUCHA_DEBUG is off
  DUCHA_DEBUG           "1"/"true" to enable debug (default on only when no secret key is given)
  DUCHA_ALLOWED_HOSTS   comma-separated (default 127.0.0.1,localhost)
  DUCHA_TIME_ZONE       default Asia/Shanghai
  DUCHA_MEDIA_ROOT      upload storage folder (default <var>/media)
  DUCHA_VAR_DIR         where the embedded database, uploads and static files live (default ./var)
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
    "ducha.common",
    "ducha.orgs",
    "ducha.workcalendar",
    "ducha.audit",
    "ducha.items",
    "ducha.reminders",
    "ducha.inspections",
    "ducha.api",
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
AUTH_USER_MODEL = "orgs.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
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
# Yellow light this many working days before the due date.
DUCHA_YELLOW_WORKDAYS = int(os.environ.get("DUCHA_YELLOW_WORKDAYS", "3"))
# Attachments on reports and decisions.
DUCHA_ATTACHMENT_MAX_BYTES = int(os.environ.get("DUCHA_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
DUCHA_ATTACHMENT_EXTENSIONS = env_list(
    "DUCHA_ATTACHMENT_EXTENSIONS", "pdf,doc,docx,xls,xlsx,wps,et,ofd,txt,jpg,jpeg,png,zip"
)
