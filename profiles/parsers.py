"""The request body parsers every API view uses (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES), so
what a body may hold is decided in one place, for every field of every endpoint:

- a JSON or urlencoded body larger than MAX_JSON_BYTES answers 413, read no further than that
  (multipart uploads stream to disk and keep their own limit, UPLOAD_MAX_BYTES);
- no string anywhere in a body (a value or a key, at any depth, a form field too) may hold a
  NUL character: PostgreSQL cannot store one in text or jsonb, so it would surface as a 500.
  The 400 names where it was (`tts_settings.voice_settings.style`, `keywords[0]`);
- JSON nested deeper than Python's parser goes is a 400, not a RecursionError.

Lowest layer (profiles), so the library's upload parser applies the same rule.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import APIException, ParseError, ValidationError

NUL_MESSAGE = "Null characters are not allowed."  # DRF's own text for a CharField holding one
NUL_CODE = "null_characters_not_allowed"


class BodyTooLarge(APIException):
    status_code = 413
    default_code = "body_too_large"

    def __init__(self) -> None:
        super().__init__(f"The request body is larger than the limit of {settings.MAX_JSON_BYTES} bytes.")


def _key(key: object) -> str:
    return str(key).replace("\x00", "\\u0000")


def nul_path(data: object) -> str | None:
    """Where the first string holding a NUL is (keys included), or None. Walks with its own
    stack: a body may nest deeper than Python's recursion limit allows."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path
        elif isinstance(value, QueryDict):
            for key, values in reversed(list(value.lists())):
                if "\x00" in key:
                    return _key(key)
                stack.extend(
                    (key if len(values) == 1 else f"{key}[{n}]", v) for n, v in reversed(list(enumerate(values)))
                )
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                here = f"{path}.{_key(key)}" if path else _key(key)
                if "\x00" in str(key):
                    return here
                stack.append((here, item))
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}[{n}]", item) for n, item in reversed(list(enumerate(value))))
    return None


def reject_nul(data: object) -> None:
    path = nul_path(data)
    if path is not None:
        raise ValidationError({path or "non_field_errors": [NUL_MESSAGE]}, code=NUL_CODE)


def _read_bounded(stream: IO[Any], parser_context: Mapping[str, Any] | None) -> bytes:
    limit = settings.MAX_JSON_BYTES
    request = (parser_context or {}).get("request")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
    except ValueError:
        declared = 0
    if declared > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:  # a body longer than it said (or that said nothing)
        raise BodyTooLarge
    return b"".join(chunks)


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        raw = _read_bounded(stream, parser_context)
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deep.") from None
        reject_nul(data)
        return data


class FormParser(parsers.FormParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        data = super().parse(io.BytesIO(_read_bounded(stream, parser_context)), media_type, parser_context)
        reject_nul(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        reject_nul(parsed.data)
        return parsed
