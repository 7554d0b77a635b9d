"""Settings shared by every environment; the modules beside this one adjust them.

Everything that differs between machines comes from the environment (see env.py).
With nothing set, RVU Edge runs on an SQLite file under var/ and runs Celery tasks
in-process, so a first look needs no services at all.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("RVUEDGE_VAR_DIR") or BASE_DIR / "var")
DATA_DIR = BASE_DIR / "data"

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "accounts",
    "codes",
    "logs",
    "benchmarks",
    "pwa",
]

# The three that set security headers come first, so even SecurityMiddleware's redirect to HTTPS
# carries them; production puts WhiteNoise right below them, so static files get them too.
MIDDLEWARE = [
    "rvuedge.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "rvuedge.middleware.RejectDeeplyNestedJsonMiddleware",
]

# Headers on every response, in every environment; production adds the HTTPS-only ones (HSTS,
# secure cookies). Most are Django's defaults, written out because tests/test_security.py holds to them.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Not CSRF_COOKIE_HTTPONLY: allauth's headless browser client reads the CSRF token from its cookie.

# Content-Security-Policy (rvuedge.middleware.SecurityHeadersMiddleware). No inline script: the admin,
# allauth's pages and the browsable API load theirs from /static/ (the browsable API loses its code
# colours and a few inline layout touches, none needed to use it).
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Sources added for one view, by URL name. The Swagger page (/api/docs/, served split so that its
# start-up script is a file of its own) keeps one fixed <style> block, allowed by its hash;
# tests/test_security.py fails if a drf-spectacular upgrade changes it.
RVUEDGE_CSP_VIEW_ADDITIONS = {
    "api-docs": {"style-src": ["'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"]},
}

ROOT_URLCONF = "rvuedge.urls"
WSGI_APPLICATION = "rvuedge.wsgi.application"

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
            ],
        },
    },
]


def _database_from_url(url: str) -> dict:
    # Persistent connections suit gunicorn's few long-lived workers (production sets
    # 60 s); under the threaded dev server each thread would keep one open forever.
    config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Several writers (threads of the dev server) must queue, not fail with
        # "database is locked": take the write lock up front and wait for it.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["CONN_MAX_AGE"] = 0
    return config


DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'rvuedge.sqlite3'}"
DATABASES = {"default": _database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


def _site_origin(name: str, default: str) -> str:
    origin = (env_str(name) or default).rstrip("/")
    parts = urlsplit(origin)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
        raise ImproperlyConfigured(f"{name}={origin!r} is not an origin such as https://rvuedge.example.org.")
    return origin


def _throttle_rate(name: str, default: str) -> str:
    # DRF would only notice a malformed rate on the first request it throttles.
    rate = env_str(name) or default
    if not re.fullmatch(r"[0-9]+/(s|sec|m|min|h|hour|d|day)", rate):
        raise ImproperlyConfigured(f"{name}={rate!r} is not a rate such as 60/min.")
    return rate


# django-allauth: email is the login; there is no username.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# "optional" lets a new account in before it confirms its address, so a first local look
# needs no mailbox. A deployment requires confirmation with ACCOUNT_EMAIL_VERIFICATION=mandatory;
# the production settings choose their own default.
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "optional")
# Mail the owner whenever their password, email addresses or second factors change.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Counted in the default cache (below). "5/5m" lets five hits through in any five minutes
# and refuses the sixth. Every login attempt takes one from login_failed before the password
# is checked and a correct password gives it back, so only failures add up: per client IP
# (password spraying) and per email address (guessing one account from many addresses).
# allauth's own defaults stay for the rest (e.g. one verification email per address per 3 min).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "10/m/ip,50/h/ip",
    "reset_password": "10/m/ip,5/h/key",  # key: the address, so nobody can flood a mailbox
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    "manage_email": "10/m/user",
}
HEADLESS_CLIENTS = ("app", "browser")
# Links in emails point at the PWA on this origin, never at the request's Host header, so a
# forged Host cannot turn a password reset link towards another site.
RVUEDGE_SITE_ORIGIN = _site_origin("RVUEDGE_SITE_ORIGIN", "http://127.0.0.1:8000")
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": f"{RVUEDGE_SITE_ORIGIN}/app/#/account/verify-email/{{key}}",
    "account_reset_password": f"{RVUEDGE_SITE_ORIGIN}/app/#/account/password/reset",
    "account_reset_password_from_key": f"{RVUEDGE_SITE_ORIGIN}/app/#/account/password/reset/key/{{key}}",
    "account_signup": f"{RVUEDGE_SITE_ORIGIN}/app/#/account/signup",
}
# TOTP apps plus single-use recovery codes; headless serves them under /_allauth/{client}/v1/.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "RVU Edge"
# The admin sends people to allauth's login (rvuedge/urls.py), so it gets the same limits and MFA.
LOGIN_URL = "account_login"
# Only staff sign in through the HTML pages (the app uses the headless API): land them in the admin.
LOGIN_REDIRECT_URL = "/admin/"

# Rate limits key on the client's address. X-Forwarded-For is believed only for the hops our
# own proxies appended: with 0, the peer address counts and a client's header is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# Mail goes to the console until EMAIL_HOST names an SMTP server.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") if EMAIL_HOST_USER else ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10  # seconds: a stalled mail server must not hold a login or signup request
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "RVU Edge <no-reply@localhost>")

# The rate limits above and DRF's throttles count here. Only Redis is shared by every worker
# process; LocMemCache gives each process its own count, which multiplies the limits.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.SessionTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rvuedge.pagination.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "COERCE_DECIMAL_TO_STRING": True,
    # Generous enough for a phone syncing a day's logs; a script hammering the API is slowed.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _throttle_rate("THROTTLE_ANON_RATE", "60/min"),
        "user": _throttle_rate("THROTTLE_USER_RATE", "600/min"),
    },
    # Unset, DRF would take the client's own X-Forwarded-For at its word.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "RVU Edge API",
    "VERSION": "1",
    "DESCRIPTION": (
        "Work RVUs (wRVUs) from the CMS Medicare Physician Fee Schedule: search codes, "
        "log procedures and read your totals.\n\n"
        "**No patient data.** A procedure log holds a code, a date of service, modifiers, "
        "units, the setting and an optional short note. Never enter patient names, medical "
        "record numbers, dates of birth or any other patient identifier.\n\n"
        "Authenticate with the session cookie (browser) or with the `X-Session-Token` "
        "header issued by `POST /_allauth/app/v1/auth/login`."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A log's setting and a profile's default setting share one list of choices.
    "ENUM_NAME_OVERRIDES": {
        "SettingEnum": "logs.models.Setting",
        "LeaveKindEnum": "logs.models.Leave.Kind",
        "BenchmarkSetKindEnum": "benchmarks.models.BenchmarkSet.Kind",
    },
}

# Celery: with no broker configured, tasks run in-process so nothing else is needed.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT * 5 // 6
# Redis redelivers an unacknowledged task (acks_late) after this long, which is how
# a task whose worker died runs again. It must exceed the longest task (the hard
# time limit above), or a slow task would be handed to a second worker meanwhile.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 60 * 60)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT.")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# Largest release file an admin may import (the 2026 ZIP is about 4 MB; leave room).
RVUEDGE_MAX_RELEASE_BYTES = env_int("RVUEDGE_MAX_RELEASE_BYTES", 100 * 1024 * 1024)

# A recompute re-credits logs in chunks of about this many, one transaction each; a
# chunk of 50,000 takes a few seconds on PostgreSQL, far inside the task time limit.
RVUEDGE_RECOMPUTE_CHUNK_LOGS = env_int("RVUEDGE_RECOMPUTE_CHUNK_LOGS", 50_000)
# Rest after each chunk (milliseconds), to leave a busy database to interactive users.
RVUEDGE_RECOMPUTE_CHUNK_PAUSE = env_int("RVUEDGE_RECOMPUTE_CHUNK_PAUSE_MS", 0) / 1000

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "codes": {"level": LOG_LEVEL},
        "logs": {"level": LOG_LEVEL},
        "accounts": {"level": LOG_LEVEL},
        "benchmarks": {"level": LOG_LEVEL},
        "django.request": {"level": "ERROR"},
    },
}

RVUEDGE_DEMO_MODE = env_bool("RVUEDGE_DEMO_MODE", False)
