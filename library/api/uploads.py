"""Multipart uploads that stream to disk, stop at the size limit, and refuse path tricks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any, cast

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser as DjangoMultiPartParser
from django.http.multipartparser import MultiPartParserError
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import DataAndFiles, MultiPartParser

from profiles.parsers import reject_nul


class UploadTooLarge(APIException):
    status_code = 413
    default_code = "upload_too_large"

    def __init__(self) -> None:
        super().__init__(f"The file is larger than the limit of {settings.UPLOAD_MAX_BYTES} bytes.")


class SizeLimitHandler(FileUploadHandler):
    """First in the chain: counts the bytes of every file and stops the upload past the limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            raise UploadTooLarge
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class _StrictNamesParser(DjangoMultiPartParser):
    def sanitize_file_name(self, file_name: str) -> str | None:
        if "/" in file_name or "\\" in file_name or file_name.strip(". ") == "" or ".." in file_name:
            raise MultiPartParserError(f"File name {file_name[:100]!r} must be a plain name, without folders.")
        if any(ord(ch) < 32 for ch in file_name):
            raise MultiPartParserError("File name contains control characters.")
        return super().sanitize_file_name(file_name)


class StreamingMultiPartParser(MultiPartParser):
    """Django's multipart parser with our handlers: the size limit, then a temporary file on
    disk (never the whole upload in memory). Form fields obey the rule of every body: no NUL."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> DataAndFiles:
        parser_context = cast("Mapping[str, Any]", parser_context)  # DRF always passes one
        request = parser_context["request"]
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.UPLOAD_MAX_BYTES + 64 * 1024:  # allow for multipart framing
            raise UploadTooLarge
        handlers = [SizeLimitHandler(request._request), TemporaryFileUploadHandler(request._request)]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        try:
            parser = _StrictNamesParser(
                meta,
                stream,  # type: ignore[arg-type]  # the request's own stream: reads as Django's parser expects
                handlers,
                parser_context.get("encoding") or settings.DEFAULT_CHARSET,
            )
            data, files = parser.parse()
        except MultiPartParserError as exc:
            raise ParseError(f"Multipart form parse error - {exc}") from None
        reject_nul(data)
        return DataAndFiles(data, files)
