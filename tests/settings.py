"""Test settings: the real ones, plus a small profile-scoped model that proves the tenancy core
(tests.scopedapp), media and temp roots in a throwaway folder, and no throttling."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from editai.settings import *  # noqa: F403
from editai.settings import INSTALLED_APPS, REST_FRAMEWORK

INSTALLED_APPS = [*INSTALLED_APPS, "tests.scopedapp"]
ROOT_URLCONF = "tests.urls"

_ROOT = Path(tempfile.mkdtemp(prefix="editai-test-"))
# A worker process started by the end-to-end tests is told the test process's folders and
# database through these variables, so both sides see the same files and rows.
MEDIA_ROOT = Path(os.environ.get("EDITAI_TEST_MEDIA_ROOT") or _ROOT / "media")
TEMP_ROOT = Path(os.environ.get("EDITAI_TEST_TEMP_ROOT") or _ROOT / "tmp")

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; tests use no real secrets
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "100000/min", "register": "100000/min"}}
FIELD_ENCRYPTION_KEYS = ["2bVHcKTWzv2K7d3rXhOzzq-0eFVEXCOmrB8MQqjCOlA="]
# Not the development key: with DEBUG off (as under pytest) that one stops qcluster and gunicorn
# (editai.E001), and the tests start both.
SECRET_KEY = "editai-test-suite-key-4Jc9XqzV2mLr7TtW0pNh8sYd3bKf6uGe"
# Each process its own in-memory cache (tests clear it); the database cache is tested apart.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The fake Postiz listens on 127.0.0.1; tests that prove the SSRF refusals empty this list.
OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# Separate test databases for runs that share one PostgreSQL (pytest-xdist adds _gwN).
# Without EDITAI_TEST_DB the name follows EDITAI_DB_NAME, so two checkouts' runs never share one.
_test_db = os.environ.get("EDITAI_TEST_DB") or f"test_{DATABASES['default']['NAME']}"  # noqa: F405
DATABASES["default"]["TEST"] = {"NAME": _test_db}  # noqa: F405
if os.environ.get("EDITAI_TEST_WORKER_DB"):
    DATABASES["default"]["NAME"] = os.environ["EDITAI_TEST_WORKER_DB"]  # noqa: F405
Q_CLUSTER = {**Q_CLUSTER, "poll": 0.1, "workers": 2}  # noqa: F405
# faster-whisper never downloads a model in the tests: the bundled tiny.en is used.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Uploads do not start a transcription job here (tests count jobs); tests of it turn it on.
AUTO_TRANSCRIBE = False
JOB_HEARTBEAT_SECONDS = float(os.environ.get("EDITAI_JOB_HEARTBEAT_SECONDS", "0.5"))
# A test running a job in its own process runs the job's fan-out parts there too, in order; a real
# worker (tests/worker.py) leaves them to the cluster's workers, as in production.
JOB_RUN_PARTS_INLINE = os.environ.get("EDITAI_TEST_PARTS_INLINE", "1") == "1"
