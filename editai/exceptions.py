"""One exception handler for the API: DRF's shapes, stable codes, no 500 for bad input."""

from __future__ import annotations

import logging
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from profiles.errors import (
    Conflict,
    DomainError,
    Invalid,
    LimitReached,
    Missing,
    NotConfigured,
    OverBudget,
    Unusable,
    UpstreamFailed,
)

logger = logging.getLogger(__name__)


# The one place where a service's refusal becomes an HTTP answer. The body stays DRF's:
# {"detail", "code"} (the code is the error's own), or field errors for Invalid.
DOMAIN_STATUS: dict[type[DomainError], int] = {
    NotConfigured: status.HTTP_400_BAD_REQUEST,
    OverBudget: status.HTTP_402_PAYMENT_REQUIRED,
    Missing: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    Unusable: status.HTTP_422_UNPROCESSABLE_ENTITY,
    LimitReached: status.HTTP_429_TOO_MANY_REQUESTS,
    UpstreamFailed: status.HTTP_502_BAD_GATEWAY,
}


def as_api_exception(exc: DomainError) -> exceptions.APIException:
    detail = cast(Any, exc.detail)  # any mapping or str; DRF's stubs list dict and str only
    if isinstance(exc, Invalid):
        return exceptions.ValidationError(detail, code=exc.code)
    answer = exceptions.APIException(detail, code=exc.code)
    answer.status_code = next(
        (code for kind, code in DOMAIN_STATUS.items() if isinstance(exc, kind)), status.HTTP_400_BAD_REQUEST
    )
    return answer


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        exc = as_api_exception(exc)
    elif isinstance(exc, DjangoValidationError):
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
        # data is a dict holding "detail": the exception's detail was a str or a dict, never a list.
        data["code"] = codes if isinstance(codes, str) else cast(dict[str, Any], codes).get("detail", "error")
    return response


def json_404(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def json_500(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)
