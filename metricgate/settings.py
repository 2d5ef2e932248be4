"""Settings for Metric Gate, read from environment variables with working defaults.

Unset DATABASE_URL means a SQLite file next to manage.py; unset CELERY_BROKER_URL
means tasks run in-process. Bad values stop start-up with a clear message.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-not-secret-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "simple_history",
    "registry",
    "reviews",
    "signals",
    "api",
    "console",
    "pilot",
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
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "metricgate.urls"
WSGI_APPLICATION = "metricgate.wsgi.application"
ASGI_APPLICATION = "metricgate.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite by default; PostgreSQL (psycopg 3) when DATABASE_URL is set.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers
    # cannot both read the audit chain's head before either appends to it.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# A login-only app: guardian needs no anonymous user row.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hant", "繁體中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (the demo and the tests) WhiteNoise serves from finders.
WHITENOISE_USE_FINDERS = True

SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Metric Gate API",
    "DESCRIPTION": "Keeps AI-usage figures out of performance reviews.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's JavaScript and CSS are served from this app, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per shared vocabulary, however many fields use it.
    "ENUM_NAME_OVERRIDES": {
        "UseEnum": "registry.choices.Use",
        "PolicyStatusEnum": "registry.choices.PolicyStatus",
        "RiskTierEnum": "registry.choices.RiskTier",
        "SourceEnum": "registry.choices.Source",
        "ExceptionStatusEnum": "registry.models.ExceptionStatus",
        "ProposalStatusEnum": "reviews.models.ProposalStatus",
        "ScorecardStatusEnum": "reviews.models.ScorecardStatus",
        "SignalStatusEnum": "signals.models.SignalStatus",
        "DetectorRunStatusEnum": "signals.models.RunStatus",
    },
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: no broker configured means every task runs in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Locks that must hold across processes (detector runs) live in Redis when set.
REDIS_URL = env.str("REDIS_URL", default=CELERY_BROKER_URL or "")

# The gate's policy (DESIGN.md "The gate").
GATE_NON_WAIVABLE_USES = env.list(
    "GATE_NON_WAIVABLE_USES", default=["layoff_screen", "individual_leaderboard"]
)
EXCEPTION_MAX_DAYS = env.int("EXCEPTION_MAX_DAYS", default=90)

# Review thresholds for approving a proposal.
REVIEW_MIN_OUTCOME_LINKAGE = env.int("REVIEW_MIN_OUTCOME_LINKAGE", default=60)
REVIEW_MAX_GAMING_RISK = env.int("REVIEW_MAX_GAMING_RISK", default=40)
REVIEW_MIN_DATA_QUALITY = env.int("REVIEW_MIN_DATA_QUALITY", default=60)

# Diagnostics of workflows backed by fewer people are shown only in aggregate.
DIAGNOSTICS_MIN_CONTRIBUTORS = env.int("DIAGNOSTICS_MIN_CONTRIBUTORS", default=5)

# The gaming detector (DESIGN.md "Outcomes, diagnostics, gaming signals").
DETECTOR_RECENT_DAYS = env.int("DETECTOR_RECENT_DAYS", default=7)
DETECTOR_BASELINE_DAYS = env.int("DETECTOR_BASELINE_DAYS", default=28)
# A ratio needs this many baseline days with data, so new workflows stay quiet.
DETECTOR_MIN_BASELINE_DAYS = env.int("DETECTOR_MIN_BASELINE_DAYS", default=14)
DETECTOR_COST_SPIKE_RATIO = env.float("DETECTOR_COST_SPIKE_RATIO", default=2.0)
DETECTOR_COST_SPIKE_HIGH_RATIO = env.float(
    "DETECTOR_COST_SPIKE_HIGH_RATIO", default=4.0
)
DETECTOR_LOOP_REQUEST_RATIO = env.float("DETECTOR_LOOP_REQUEST_RATIO", default=5.0)
DETECTOR_LOOP_HIGH_REQUEST_RATIO = env.float(
    "DETECTOR_LOOP_HIGH_REQUEST_RATIO", default=10.0
)
# Tokens per request vary less than this (std dev / mean) in a replay loop.
DETECTOR_LOOP_MAX_VARIATION = env.float("DETECTOR_LOOP_MAX_VARIATION", default=0.05)
DETECTOR_LOOP_MIN_DAILY_REQUESTS = env.int(
    "DETECTOR_LOOP_MIN_DAILY_REQUESTS", default=50
)
DETECTOR_USAGE_QUANTILE = env.float("DETECTOR_USAGE_QUANTILE", default=0.75)
DETECTOR_QUALITY_DROP_HIGH = env.float("DETECTOR_QUALITY_DROP_HIGH", default=0.10)
DETECTOR_BATCH_SIZE = env.int("DETECTOR_BATCH_SIZE", default=500)
# Batches left pending this long (a killed worker) are resumed by the next run.
DETECTOR_STALE_MINUTES = env.int("DETECTOR_STALE_MINUTES", default=30)
# Shared secret for `Authorization: Worker <token>` on the sync endpoint.
DETECTOR_WORKER_TOKEN = env.str("DETECTOR_WORKER_TOKEN", default="")
# Vendor data still settling: the last N days of a source are provisional.
USAGE_PROVISIONAL_DAYS = {"copilot": env.int("COPILOT_PROVISIONAL_DAYS", default=3)}

# Notifications: console e-mail by default, SMTP through EMAIL_URL.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="metric-gate@localhost")
NOTIFY_WEBHOOK_URL = env.str("NOTIFY_WEBHOOK_URL", default="")
NOTIFY_WEBHOOK_SECRET = env.str("NOTIFY_WEBHOOK_SECRET", default="")
NOTIFY_WEBHOOK_MAX_ATTEMPTS = env.int("NOTIFY_WEBHOOK_MAX_ATTEMPTS", default=5)
NOTIFY_WEBHOOK_BACKOFF_SECONDS = env.float(
    "NOTIFY_WEBHOOK_BACKOFF_SECONDS", default=1.0
)
NOTIFY_WEBHOOK_TIMEOUT_SECONDS = env.float(
    "NOTIFY_WEBHOOK_TIMEOUT_SECONDS", default=5.0
)

# Pilot rollout (pilot app): reminders, escalation stages (days past the due
# date, one stage each), warnings before exceptions lapse, readiness minimum.
PILOT_REMINDER_DAYS = env.int("PILOT_REMINDER_DAYS", default=2)
PILOT_ESCALATION_DAYS = env.list("PILOT_ESCALATION_DAYS", cast=int, default=[1, 7])
PILOT_EXCEPTION_WARNING_DAYS = env.int("PILOT_EXCEPTION_WARNING_DAYS", default=7)
PILOT_SIGNAL_TRIAGE_DAYS = env.int("PILOT_SIGNAL_TRIAGE_DAYS", default=2)
PILOT_MIN_WORKFLOWS = env.int("PILOT_MIN_WORKFLOWS", default=3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}
