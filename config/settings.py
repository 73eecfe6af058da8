"""Rapport settings. Everything that differs between machines comes from the environment.

The defaults run on one machine with nothing installed: SQLite, the in-memory channel layer,
local-memory cache and the offline demo provider. See the configuration table in README.md.
"""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_decimal, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "accounts.admin_site.RapportAdminConfig",  # django.contrib.admin, branded and limited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "accounts",
    "clients",
    "sessions_app",
    "conversations",
    "monitoring",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Takes the request's database connection from the pool first, or answers 503 (PostgreSQL).
    "config.middleware.DatabaseConnectionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns django-ratelimit's Ratelimited (a PermissionDenied) into RATELIMIT_VIEW's 429;
    # without it an over-limit request is an ordinary 403.
    "accounts.middleware.RatelimitMiddleware",
    # Students and teachers read the first-login notice before anything else (accounts).
    "accounts.middleware.NoticeMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "conversations.context_processors.provider_mode",
            ],
            # {{ amount|usd }} everywhere: the one money format (sessions_app/money.py).
            "builtins": ["sessions_app.templatetags.money"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")


SUPPORTED_ENGINES = ("django.db.backends.sqlite3", "django.db.backends.postgresql")


def _database_from_url(url: str) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL we understand: {error}"
        ) from None
    if config["ENGINE"] not in SUPPORTED_ENGINES:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a postgres:// or sqlite:// URL; {config['ENGINE']} is not "
            "supported."
        )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = SQLITE_OPTIONS
    else:
        config["OPTIONS"] = config.get("OPTIONS", {}) | {"pool": _postgres_pool()}
        # Off behind PgBouncer in transaction pooling (docs/deployment.md, Sizing).
        config["DISABLE_SERVER_SIDE_CURSORS"] = not env_bool("DATABASE_SERVER_SIDE_CURSORS", True)
    return config


def _postgres_pool() -> dict:
    """psycopg's pool, one per process, shared by every thread (docs/deployment.md, Sizing).

    Under ASGI each request runs its synchronous code on a thread of its own; with persistent
    connections each of those threads opened and kept one, until PostgreSQL ran out
    ("too many clients"). Now a thread borrows a connection and gives it back when its request
    ends, and a request that finds none free within DATABASE_POOL_TIMEOUT gets a 503
    (config/middleware.py). CONN_MAX_AGE is 0: Django refuses persistent connections with a pool.
    """
    minimum = env_int("DATABASE_POOL_MIN", 2)
    maximum = env_int("DATABASE_POOL_MAX", 10, minimum=1)
    if minimum > maximum:
        raise ImproperlyConfigured(
            f"DATABASE_POOL_MIN ({minimum}) must not be more than DATABASE_POOL_MAX ({maximum})."
        )
    timeout = env_float("DATABASE_POOL_TIMEOUT", 30.0, minimum=0.1)
    return {"min_size": minimum, "max_size": maximum, "timeout": timeout, "name": "rapport"}


# WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock when a
# transaction starts, so two writers queue behind the busy timeout instead of failing with
# "database is locked" halfway through.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}

if DATABASE_URL:
    DATABASES = {"default": _database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer, cache -------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "rapport")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"REDIS_URL must start with redis://, rediss:// or unix://, not {REDIS_URL!r}."
        )
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub: a group event is one PUBLISH, pushed to each process that has a
            # socket in the group. The list-based core layer pops one message per round trip
            # per process, and every reply.delta queued behind that: seconds under load
            # (docs/performance.md). Events in flight when a process dies are lost either way;
            # the stored history is what a reconnecting socket replays.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL}],
                "prefix": f"{REDIS_KEY_PREFIX}:asgi",
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
    SILENCED_SYSTEM_CHECKS: list[str] = []
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Without Redis there is one process by design, so a per-process cache is the shared cache.
    # django-ratelimit cannot know that and warns; the warning is right for any other setup.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_LINK_HOURS", 72, minimum=1) * 3600

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# No inline script or style anywhere, no eval: the pages keep their JS and CSS in static/, and
# htmx runs with eval and its injected indicator styles off (templates/base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
RATELIMIT_VIEW = "accounts.views.rate_limited"
RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY") or None
# Failed logins (site and admin share them; accounts/login_limits.py). Successes never count,
# so a class behind one address logs in together.
LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS = env_int(
    "LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS", 10, minimum=1
)  # a minute
LOGIN_FAILURES_PER_USERNAME = env_int("LOGIN_FAILURES_PER_USERNAME", 50, minimum=1)  # an hour
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 100, minimum=1)  # a minute

# --- Internationalisation, time -------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone.") from None
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# In development WhiteNoise serves straight from the app folders, so nothing needs collecting.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (favicon.ico), served there by WhiteNoise.
WHITENOISE_ROOT = BASE_DIR / "public"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- The model and its limits ---------------------------------------------------------------
ANTHROPIC_API_KEY = env_str("ANTHROPIC_API_KEY")
ANTHROPIC_BASE_URL = env_str("ANTHROPIC_BASE_URL") or None
LLM_MODEL = env_str("LLM_MODEL", "claude-haiku-5-5")
# Prices for a model missing from conversations/llm/pricing.py, USD per million tokens:
# "input,cache_write_5m,cache_write_1h,cache_read,output". Empty: only the table's models run.
LLM_MODEL_PRICES = env_str("LLM_MODEL_PRICES")
LLM_MAX_TOKENS = env_int("LLM_MAX_TOKENS", 400, minimum=16)
# Off only to measure what caching saves (make bench); leave it on.
LLM_PROMPT_CACHING = env_bool("LLM_PROMPT_CACHING", True)
LLM_CONTEXT_TOKEN_BUDGET = env_int("LLM_CONTEXT_TOKEN_BUDGET", 6000, minimum=500)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 2)
LLM_TIMEOUT_SECONDS = env_int("LLM_TIMEOUT_SECONDS", 60, minimum=1)
# The model coder (a small tool call beside each reply that codes the student's turn): its model
# (empty: the session's own), its output budget, and how long it may take before the turn keeps
# the deterministic coder's codes.
LLM_CODER_MODEL = env_str("LLM_CODER_MODEL")
LLM_CODER_MAX_TOKENS = env_int("LLM_CODER_MAX_TOKENS", 100, minimum=16)
LLM_CODER_TIMEOUT_SECONDS = env_int("LLM_CODER_TIMEOUT_SECONDS", 15, minimum=1)
DEMO_REPLY_DELAY_MS = env_int("DEMO_REPLY_DELAY_MS", 30)
# A streaming reply's process renews its lease; one that lapses means the process died.
REPLY_LEASE_SECONDS = env_int("REPLY_LEASE_SECONDS", 20, minimum=3)

LIMIT_MESSAGES_PER_MINUTE = env_int("LIMIT_MESSAGES_PER_MINUTE", 12, minimum=1)
LIMIT_USER_DAILY_TOKENS = env_int("LIMIT_USER_DAILY_TOKENS", 400_000, minimum=1)
LIMIT_GLOBAL_REQUESTS_PER_MINUTE = env_int("LIMIT_GLOBAL_REQUESTS_PER_MINUTE", 1000, minimum=1)
LIMIT_GLOBAL_TOKENS_PER_MINUTE = env_int("LIMIT_GLOBAL_TOKENS_PER_MINUTE", 2_000_000, minimum=1)
LIMIT_SESSION_COST_USD = env_decimal("LIMIT_SESSION_COST_USD", "0.05")
MESSAGE_MAX_CHARS = 4000
# Flood guards, shared through the cache: frames one user may send per second over all their
# sockets before they get "too_fast" errors, and how many sockets one user may hold open.
SOCKET_FRAMES_PER_SECOND = env_int("SOCKET_FRAMES_PER_SECOND", 10, minimum=1)
SOCKETS_PER_USER = env_int("SOCKETS_PER_USER", 3, minimum=1)

SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 120, minimum=1)
# The first-login notice (accounts): how long transcripts are kept, and whom to ask.
NOTICE_RETENTION = env_str(
    "NOTICE_RETENTION",
    "until the end of the academic year; then they are deleted",
)
NOTICE_CONTACT = env_str("NOTICE_CONTACT", "your course teacher")
SUPPORT_TEXT = env_str(
    "SUPPORT_TEXT",
    "If you are going through something difficult yourself, please talk to someone you trust "
    "or contact your institution's student support service.",
)

# --- Monitoring -----------------------------------------------------------------------------
# `manage.py prune_errors` deletes ErrorEvents older than this.
ERROR_RETENTION_DAYS = env_int("ERROR_RETENTION_DAYS", 90, minimum=1)
# `manage.py purge_expired` deletes sessions (transcripts, reviews, feedback) that ended longer
# ago than this. docs/privacy.md.
DATA_RETENTION_DAYS = env_int("DATA_RETENTION_DAYS", 365, minimum=1)

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])
# Staff events are warnings and errors logged with a kind (monitoring/logging.py): the loggers
# that report them let warnings through whatever LOG_LEVEL quiets on the console.
_STAFF_EVENTS_LEVEL = LOG_LEVEL if LOG_LEVEL in ("DEBUG", "INFO") else "WARNING"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refusals_on_one_line": {"()": "config.logging_filters.RefusalsOnOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "level": LOG_LEVEL},
        # Unhandled errors, and warnings that name their kind, become ErrorEvents for
        # /monitor/errors/ (monitoring/logging.py says where each is written).
        "error_events": {"class": "monitoring.logging.DatabaseHandler", "level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"handlers": ["error_events"], "filters": ["refusals_on_one_line"]},
        "conversations": {"handlers": ["error_events"], "level": _STAFF_EVENTS_LEVEL},
        "config.middleware": {"handlers": ["error_events"], "level": _STAFF_EVENTS_LEVEL},
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
        "anthropic": {"level": "WARNING"},
    },
}
