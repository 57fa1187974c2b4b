"""EditAI settings. Every value comes from the environment (see .env.example) with a safe local
default; typed readers in editai.env refuse values they cannot use."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from editai.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("EDITAI_DEBUG", False)
# The local default key is fine for a laptop and refused nowhere; production sets its own.
SECRET_KEY = env_str("EDITAI_SECRET_KEY", "editai-local-development-key-change-me-in-production")
ALLOWED_HOSTS = env_list("EDITAI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("EDITAI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    # Before drf_spectacular, so that its `spectacular` command is the scope-aware one.
    "editai.apps.EditAIConfig",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "profiles",
    "costs",
    "library",
    "publishing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that the profile scope wraps the view and the response rendering only.
    "profiles.middleware.ProfileMiddleware",
]

ROOT_URLCONF = "editai.urls"
WSGI_APPLICATION = "editai.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# PostgreSQL everywhere. Without DATABASE_URL, scripts/db.sh runs a local cluster that listens on
# a unix socket whose folder is derived from this checkout's path (the same rule as the script).
_LOCAL_PG_SOCKET = "/tmp/.editai-pg-" + hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:10]  # noqa: S108,S324
_DATABASE_URL = env_str("DATABASE_URL")
if _DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(_DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env_str("EDITAI_DB_NAME", "editai"),
            "USER": "editai",
            "HOST": _LOCAL_PG_SOCKET,
            "CONN_MAX_AGE": 60,
        }
    }
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".var" / "static"

# Media of profile P lives under MEDIA_ROOT/P/..., job workspaces under TEMP_ROOT/P/<job>/.
MEDIA_ROOT = Path(env_str("EDITAI_MEDIA_ROOT", str(BASE_DIR / ".var" / "media")))
MEDIA_URL = "media/"
TEMP_ROOT = Path(env_str("EDITAI_TEMP_ROOT", str(BASE_DIR / ".var" / "tmp")))
UPLOAD_MAX_BYTES = env_int("EDITAI_UPLOAD_MAX_BYTES", 2 * 1024**3, minimum=1)
# Uploads stream to disk above this size instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024**2
FILE_UPLOAD_TEMP_DIR = None

# Media storage: local disk under MEDIA_ROOT by default. S3_BUCKET switches it to S3-compatible
# object storage (django-storages), so web processes and workers on different machines share
# media without sharing a disk. Empty keys: boto3's own credential chain (instance role, AWS_*).
S3_BUCKET = env_str("S3_BUCKET")
S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL")  # empty: AWS itself; else MinIO, Ceph, R2...
S3_ACCESS_KEY_ID = env_str("S3_ACCESS_KEY_ID")
S3_SECRET_ACCESS_KEY = env_str("S3_SECRET_ACCESS_KEY")
S3_REGION = env_str("S3_REGION", "us-east-1")
S3_PREFIX = env_str("S3_PREFIX").strip("/")  # a folder inside the bucket ("" = its root)
# Self-hosted servers usually need path-style URLs (no per-bucket DNS name); AWS prefers virtual.
S3_ADDRESSING_STYLE = env_str("S3_ADDRESSING_STYLE", "path" if S3_ENDPOINT_URL else "auto")
if S3_ADDRESSING_STYLE not in ("auto", "path", "virtual"):
    raise ImproperlyConfigured(f"S3_ADDRESSING_STYLE must be auto, path or virtual, got {S3_ADDRESSING_STYLE!r}")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "access_key": S3_ACCESS_KEY_ID or None,
            "secret_key": S3_SECRET_ACCESS_KEY or None,
            "region_name": S3_REGION or None,
            "addressing_style": None if S3_ADDRESSING_STYLE == "auto" else S3_ADDRESSING_STYLE,
            "location": S3_PREFIX,
            "signature_version": "s3v4",
            "default_acl": None,  # private objects: files are served through the API's ownership checks
            "file_overwrite": False,  # like local disk: a name in use gets a fresh one, nothing is clobbered
            "max_memory_size": 8 * 1024**2,  # an S3File read spills to disk above this
        },
    }

# Encryption of secrets at rest (Postiz keys). Comma-separated Fernet keys, newest first; the
# first encrypts, all decrypt (MultiFernet), so keys rotate with `manage.py rotate_secrets`.
# Without a key, one is derived from SECRET_KEY (local installs only).
FIELD_ENCRYPTION_KEYS = env_list("EDITAI_FIELD_ENCRYPTION_KEYS", [])

# Paths that run without a profile scope (no X-Profile-Id needed). /admin/ is handled apart.
PROFILE_EXEMPT_PREFIXES = (
    "/api/v1/health/",
    "/api/v1/providers/",
    "/api/v1/auth/",
    "/api/v1/profiles/",
    "/api/schema/",
    "/api/docs/",
    "/static/",
    "/api-auth/",
)
PROFILE_EXEMPT_EXACT = ("/", "/api/v1/")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "profiles.authentication.MiddlewareJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("EDITAI_PAGE_SIZE", 50, minimum=1),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "editai.schema.EditAIAutoSchema",
    "EXCEPTION_HANDLER": "editai.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": env_str("EDITAI_AUTH_THROTTLE", "30/min")},
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("EDITAI_JWT_ACCESS_MINUTES", 15, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("EDITAI_JWT_REFRESH_DAYS", 7, minimum=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "EditAI API",
    "DESCRIPTION": (
        "Turn a product video into 9:16 clips with voiceover and captions, and publish them per "
        "store. Profile-scoped operations take the store in the X-Profile-Id header (the user's "
        "default profile when omitted)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI served from this install (no CDN: it must work offline).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# django-q2: ORM broker on PostgreSQL by default; REDIS_URL switches to Redis.
Q_CLUSTER = {
    "name": "editai",
    # Jobs one worker machine runs at once (each render is one ffmpeg of EDITAI_FFMPEG_THREADS).
    "workers": env_int("EDITAI_WORKERS", 2, minimum=1),
    "timeout": env_int("EDITAI_TASK_TIMEOUT", 3600, minimum=10),
    "retry": env_int("EDITAI_TASK_RETRY", 3660, minimum=11),
    "max_attempts": 1,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 1000,
    "poll": 0.5,
    "label": "Tasks",
}
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Providers. Local ones are the defaults when no key is set.
GEMINI_API_KEY = env_str("GEMINI_API_KEY")
# Video analysis with Gemini (library.providers.analysis.gemini). An empty base URL means the
# SDK's own default; tests point it at a loopback fake.
GEMINI_MODEL = env_str("GEMINI_MODEL", "gemini-2.5-flash")
GEMINI_BASE_URL = env_str("GEMINI_BASE_URL")
GEMINI_TIMEOUT = env_float("GEMINI_TIMEOUT", 120.0)  # seconds per HTTP call
GEMINI_MAX_RETRIES = env_int("GEMINI_MAX_RETRIES", 3, minimum=0)  # on 429 / 5xx / timeouts
GEMINI_BATCH_FRAMES = env_int("GEMINI_BATCH_FRAMES", 16, minimum=1)  # frames per request
# Thinking tokens are billed as output; a budget keeps a request's cost bounded (-1: the model's own).
GEMINI_THINKING_BUDGET = env_int("GEMINI_THINKING_BUDGET", 1024, minimum=-1)
ELEVENLABS_API_KEY = env_str("ELEVENLABS_API_KEY")
# An empty base URL means the SDK's own default (tests point it at a loopback fake).
ELEVENLABS_BASE_URL = env_str("ELEVENLABS_BASE_URL")
ELEVENLABS_TIMEOUT = env_float("ELEVENLABS_TIMEOUT", 120.0)  # seconds per HTTP call
ELEVENLABS_MODEL = env_str("ELEVENLABS_MODEL", "eleven_multilingual_v2")
ELEVENLABS_VOICE_ID = env_str("ELEVENLABS_VOICE_ID", "JBFqnCBsd6RMkjVDRZzb")  # a stock voice
ESPEAK_BINARY = env_str("EDITAI_ESPEAK", "espeak-ng")
ESPEAK_VOICE = env_str("EDITAI_ESPEAK_VOICE", "en-us")
# Postiz (per profile URL and key). POST /posts is throttled per organization and hour by
# Postiz (30 on the stock self-hosted install): jobs pace themselves under this budget.
POSTIZ_TIMEOUT = env_float("EDITAI_POSTIZ_TIMEOUT", 30.0)
POSTIZ_POSTS_PER_HOUR = env_int("EDITAI_POSTIZ_POSTS_PER_HOUR", 30, minimum=1)
POSTIZ_RATE_WINDOW_SECONDS = env_float("EDITAI_POSTIZ_RATE_WINDOW_SECONDS", 3600.0)
POSTIZ_INTEGRATIONS_CACHE_SECONDS = env_int("EDITAI_POSTIZ_INTEGRATIONS_CACHE_SECONDS", 300, minimum=0)
FFMPEG_BINARY = env_str("EDITAI_FFMPEG", "ffmpeg")
FFPROBE_BINARY = env_str("EDITAI_FFPROBE", "ffprobe")
# Every ffmpeg call gets a timeout of BASE + FACTOR x the media's duration (seconds).
FFMPEG_TIMEOUT_BASE = env_float("EDITAI_FFMPEG_TIMEOUT_BASE", 60.0)
FFMPEG_TIMEOUT_FACTOR = env_float("EDITAI_FFMPEG_TIMEOUT_FACTOR", 20.0)
# Threads per ffmpeg process: decoders, filter graphs and encoders (0: ffmpeg's own choice,
# about one per core for each). EDITAI_WORKERS x this ~ the cores a worker machine uses.
FFMPEG_THREADS = env_int("EDITAI_FFMPEG_THREADS", 0, minimum=0)
# The name a worker records on the jobs it runs (Job.worker); empty: host:pid.
WORKER_NAME = env_str("EDITAI_WORKER_NAME")

# Jobs: a running job writes a heartbeat; one silent for STALE_AFTER is presumed dead and is
# requeued (up to its max_attempts) by requeue_stale_jobs (a q2 schedule runs it every minute).
JOB_HEARTBEAT_SECONDS = env_float("EDITAI_JOB_HEARTBEAT_SECONDS", 5.0)
JOB_STALE_AFTER_SECONDS = env_float("EDITAI_JOB_STALE_AFTER_SECONDS", 60.0)
JOB_MAX_ATTEMPTS = env_int("EDITAI_JOB_MAX_ATTEMPTS", 3, minimum=1)
# Redis loses the tasks a killed worker had fetched but not started: a job still queued this long
# after it was sent is sent again (0: never; the ORM broker redelivers by itself after `retry`).
JOB_RESEND_QUEUED_AFTER_SECONDS = env_float("EDITAI_JOB_RESEND_QUEUED_AFTER_SECONDS", 900.0 if REDIS_URL else 0.0)
# Workspaces of jobs that no longer exist (and upload scratch space) older than this are swept.
TEMP_ORPHAN_GRACE_SECONDS = env_int("EDITAI_TEMP_ORPHAN_GRACE_SECONDS", 900, minimum=0)

# Prices of the paid providers in USD, as strings (costs.pricing reads them as Decimal). Entries
# keep their raw units, so a price change can be recomputed. EDITAI_PRICES_JSON is a JSON object
# deep-merged over this table, e.g. {"gemini": {"gemini-2.5-flash": {"output_per_million": "3"}}}.
# Flash/turbo ElevenLabs models bill half the characters (character_multiplier).
COST_PRICES = {
    "elevenlabs": {
        "eleven_multilingual_v2": {"per_1k_characters": "0.30"},
        "eleven_v3": {"per_1k_characters": "0.30"},
        "eleven_flash_v2_5": {"per_1k_characters": "0.30", "character_multiplier": "0.5"},
        "eleven_turbo_v2_5": {"per_1k_characters": "0.30", "character_multiplier": "0.5"},
        "eleven_flash_v2": {"per_1k_characters": "0.30", "character_multiplier": "0.5"},
        "eleven_turbo_v2": {"per_1k_characters": "0.30", "character_multiplier": "0.5"},
    },
    "gemini": {
        "gemini-2.5-flash": {"input_per_million": "0.30", "output_per_million": "2.50"},
        "gemini-2.5-pro": {"input_per_million": "1.25", "output_per_million": "10.00"},
        "gemini-2.5-flash-lite": {"input_per_million": "0.10", "output_per_million": "0.40"},
    },
}
COST_PRICES_JSON = env_str("EDITAI_PRICES_JSON")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"profile": {"()": "editai.logging.ProfileContextFilter"}},
    "formatters": {
        "default": {"format": "[Profile %(profile_id)s] %(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["profile"]},
    },
    "root": {"handlers": ["console"], "level": env_str("EDITAI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
