"""MQIS settings. Every setting comes from the environment; see docs/settings.md."""

import os
from pathlib import Path

import dj_database_url
import plotly

from mqis.lib.env import SettingError, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("MQIS_DATA_DIR", str(Path.cwd() / "var")))

DEBUG = env_bool("MQIS_DEBUG", False)
SECRET_KEY = env_str("MQIS_SECRET_KEY", "")
if not SECRET_KEY:
    # A stable key per data directory, so sessions survive restarts of the demo.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = DATA_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = env_list("MQIS_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("MQIS_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "mqis.accounts",
    "mqis.registry",
    "mqis.returns",
    "mqis.oversight",
    "mqis.api",
    # Before mqis.alerts: a saved return is scored before the alert rules read the score.
    "mqis.risk",
    "mqis.alerts",
    "mqis.forecasts",
    "mqis.opendata",
    "mqis.reports",
    "mqis.jobs",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs page's JavaScript from the package, not a CDN
]

MIDDLEWARE = [
    "mqis.lib.timing.ServerTimingMiddleware",  # first, so it times everything below it
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mqis.urls"
WSGI_APPLICATION = "mqis.wsgi.application"

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
                "mqis.accounts.context.role",
                "mqis.alerts.context.inbox",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{DATA_DIR / 'mqis.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _default_sqlite)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("MQIS_DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file, not memory, so a worker started by a test can open the same database.
    # One file per test run, so runs side by side do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-mqis-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Dashboards cache their computed content in each process's memory, keyed by a data
# version read from the database on every request, so a saved return shows at once.
# An entry is a page's content, up to about 300 KB: 500 of them stay under 150 MB.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "mqis",
        "OPTIONS": {"MAX_ENTRIES": 500},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Plotly's JavaScript ships inside the Python package: nothing is fetched from a CDN.
    ("vendor/plotly", Path(plotly.__file__).parent / "package_data"),
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("MQIS_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = env_str("MQIS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("MQIS_FROM_EMAIL", "MQIS <mqis@localhost>")
EMAIL_HOST = env_str("MQIS_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("MQIS_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("MQIS_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("MQIS_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("MQIS_EMAIL_USE_TLS", False)
# Where MQIS is served, for links in e-mails (no trailing slash).
MQIS_BASE_URL = env_str("MQIS_BASE_URL", "http://127.0.0.1:8000")
# How many hours before a return's deadline providers who have not sent it are reminded.
MQIS_REMINDER_HOURS_BEFORE = env_int("MQIS_REMINDER_HOURS_BEFORE", 24)

# Largest upload MQIS accepts, in megabytes; larger files are refused before they are read.
MQIS_MAX_UPLOAD_MB = env_int("MQIS_MAX_UPLOAD_MB", 40)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Background work: django-tasks with its database backend, run by `mqis worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MQIS_ALERT_EVALUATION_SECONDS = env_int("MQIS_ALERT_EVALUATION_SECONDS", 300)
MQIS_REMINDER_CHECK_SECONDS = env_int("MQIS_REMINDER_CHECK_SECONDS", 900)
MQIS_DELIVERY_RETRY_SECONDS = env_int("MQIS_DELIVERY_RETRY_SECONDS", 15)
MQIS_WEBHOOK_BACKOFF_SECONDS = env_int("MQIS_WEBHOOK_BACKOFF_SECONDS", 10)
MQIS_WEBHOOK_MAX_ATTEMPTS = env_int("MQIS_WEBHOOK_MAX_ATTEMPTS", 8)
MQIS_DELIVERY_LEASE_SECONDS = env_int("MQIS_DELIVERY_LEASE_SECONDS", 60)

# Forecasts (mqis.forecasts): the fewest usable weeks of returns a forecast is made from,
# and how often the worker remakes them.
MQIS_FORECAST_MIN_WEEKS = env_int("MQIS_FORECAST_MIN_WEEKS", 12)
MQIS_FORECAST_REFRESH_SECONDS = env_int("MQIS_FORECAST_REFRESH_SECONDS", 86400)
MQIS_RISK_SCORING_SECONDS = env_int("MQIS_RISK_SCORING_SECONDS", 3600)

# Weekly market reports (mqis.reports): the hour on Monday (Europe/London) from which
# subscribers are e-mailed the week's report.
MQIS_REPORT_SEND_HOUR = env_int("MQIS_REPORT_SEND_HOUR", 7)
if not 0 <= MQIS_REPORT_SEND_HOUR <= 23:
    raise SettingError(f"MQIS_REPORT_SEND_HOUR must be an hour from 0 to 23, not {MQIS_REPORT_SEND_HOUR}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MQIS_LOG_LEVEL", "WARNING")},
}
