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
MEDIA_ROOT = _ROOT / "media"
TEMP_ROOT = _ROOT / "tmp"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; tests use no real secrets
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "100000/min"}}
FIELD_ENCRYPTION_KEYS = ["2bVHcKTWzv2K7d3rXhOzzq-0eFVEXCOmrB8MQqjCOlA="]

# Separate test databases for runs that share one PostgreSQL (pytest-xdist adds _gwN).
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("EDITAI_TEST_DB", "test_editai")}  # noqa: F405
