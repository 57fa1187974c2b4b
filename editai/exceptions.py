"""One exception handler for the API: DRF's shapes, stable codes, no 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, IntegrityError):
        # A race that the validation could not see (two requests creating the same name).
        logger.warning("integrity error answered as 409: %s", exc.__class__.__name__)
        return Response(
            {"detail": "This conflicts with existing data; reload and try again.", "code": "conflict"},
            status=status.HTTP_409_CONFLICT,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.APIException) and isinstance(data, dict) and "detail" in data and "code" not in data:
        codes = exc.get_codes()
        data["code"] = codes if isinstance(codes, str) else codes.get("detail", "error")
    return response


def json_404(request: Any, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def json_500(request: Any) -> JsonResponse:
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)
