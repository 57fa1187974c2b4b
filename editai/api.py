"""System endpoints: API root, health and provider status."""

from __future__ import annotations

import hmac
import shutil
import subprocess
import time
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from profiles.tenancy import unscoped


class ApiRootView(APIView):
    """EditAI API v1. Authenticate with a JWT (POST auth/token/) or a session; choose the store
    with the X-Profile-Id header. Machines use a profile's API key instead (Authorization:
    Api-Key <key>, made at profiles/{id}/api-keys/), which acts as that one store."""

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        def url(name: str) -> str:
            return reverse(name, request=request)

        return Response(
            {
                "health": url("health"),
                "providers": url("providers-status"),
                "auth": {
                    "register": url("auth-register"),
                    "token": url("auth-token"),
                    "refresh": url("auth-token-refresh"),
                    "logout": url("auth-logout"),
                    "me": url("auth-me"),
                },
                "profiles": url("profile-list"),
                "webhooks": url("webhook-list"),
                "schema": url("schema"),
                "docs": url("docs"),
            }
        )


@cache
def _binary_version(binary: str) -> str | None:
    path = shutil.which(binary)
    if path is None:
        return None
    try:
        out = subprocess.run([path, "-version"], capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    first = out.splitlines()[0] if out else ""
    parts = first.split()
    return parts[2] if len(parts) > 2 else first


def _disk(path: Path) -> dict[str, Any]:
    path.mkdir(parents=True, exist_ok=True)
    usage = shutil.disk_usage(path)
    return {"path": str(path), "free_bytes": usage.free, "total_bytes": usage.total}


def _database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def _broker(database_ok: bool) -> dict[str, Any]:
    if settings.REDIS_URL:
        try:
            from django_q.brokers import get_broker

            return {"kind": "redis", "ok": bool(get_broker().ping())}
        except Exception as exc:  # any failure of the broker is a health finding, not a 500
            return {"kind": "redis", "ok": False, "error": exc.__class__.__name__}
    if not database_ok:
        return {"kind": "orm", "ok": False, "error": "database unavailable"}
    from django_q.models import OrmQ

    return {"kind": "orm", "ok": True, "queued": OrmQ.objects.count()}


def _sees_health_details(request: Request) -> bool:
    """Staff (session or JWT), or a probe that sends X-Health-Token equal to EDITAI_HEALTH_TOKEN."""
    token = request.headers.get("X-Health-Token", "")
    if settings.HEALTH_TOKEN and token and hmac.compare_digest(token.encode(), settings.HEALTH_TOKEN.encode()):
        return True
    try:
        return bool(request.user and request.user.is_staff)
    except APIException:  # a bad or expired token: answered as anonymous, a probe never gets a 401
        return False


class HealthView(APIView):
    """Whether the service is up (200, or 503 without its database). Staff and holders of the
    health token also get its parts: database, broker, ffmpeg versions, disks."""

    permission_classes = [AllowAny]

    def perform_authentication(self, request: Request) -> None:
        pass  # lazily, in _sees_health_details: a failed authentication must not fail the probe

    @extend_schema(responses={200: dict, 503: dict})
    def get(self, request: Request) -> Response:
        database = _database()
        status = 200 if database["ok"] else 503
        body: dict[str, Any] = {"status": "ok" if database["ok"] else "error"}
        if not _sees_health_details(request):
            return Response(body, status=status)
        body |= {
            "database": database,
            "broker": _broker(database["ok"]),
            "ffmpeg": {"version": _binary_version(settings.FFMPEG_BINARY)},
            "ffprobe": {"version": _binary_version(settings.FFPROBE_BINARY)},
            "disk": {
                # With object storage the media folder is not this machine's: name the bucket instead.
                "media": {"s3_bucket": settings.S3_BUCKET} if settings.S3_BUCKET else _disk(settings.MEDIA_ROOT),
                "temp": _disk(settings.TEMP_ROOT),
            },
        }
        return Response(body, status=status)


class ProvidersStatusView(APIView):
    """Which providers this install can use. Local ones need no key and are the defaults."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=dict)
    def get(self, request: Request) -> Response:
        gemini = bool(settings.GEMINI_API_KEY.strip())
        elevenlabs = bool(settings.ELEVENLABS_API_KEY.strip())
        ffmpeg = shutil.which(settings.FFMPEG_BINARY) is not None
        espeak = shutil.which("espeak-ng") is not None
        return Response(
            {
                "analysis": {
                    "default": "gemini" if gemini else "local",
                    "gemini": {"configured": gemini},
                    "local": {"available": ffmpeg},
                },
                "tts": {
                    "default": "elevenlabs" if elevenlabs else "espeak",
                    "elevenlabs": {"configured": elevenlabs},
                    "espeak": {"available": espeak},
                },
                "publishing": {"postiz": {"configured_per_profile": True}},
            }
        )


class SchemaView(SpectacularAPIView):
    """The OpenAPI document. Generation inspects every model's default manager (for filters),
    which is scoped; it reads no rows, so it runs unscoped."""

    @extend_schema(exclude=True)  # SERVE_INCLUDE_SCHEMA is off: the document does not list itself
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        with unscoped():
            return super().get(request, *args, **kwargs)
