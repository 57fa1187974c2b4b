"""Settings for the API under load (bench/load.py): the real ones, plus a bench-only URLconf that
serves a hand-filtered twin of the jobs list outside the tenancy machinery."""

from __future__ import annotations

from editai.settings import *  # noqa: F403
from editai.settings import PROFILE_EXEMPT_PREFIXES

ROOT_URLCONF = "bench.bench_urls"
# The twin resolves its profile by hand, so the ProfileMiddleware must leave it alone.
PROFILE_EXEMPT_PREFIXES = (*PROFILE_EXEMPT_PREFIXES, "/bench/")
