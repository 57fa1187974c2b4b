"""Serving stored files with HTTP range support (video players seek with it), from local disk or
object storage alike: a range is read as a range (a ranged GET on S3), never the whole file."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from typing import IO, cast

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from library import storage

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


def _chunks(handle: IO[bytes], length: int) -> Iterator[bytes]:
    try:
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def serve_stored(
    request: HttpRequest, name: str, *, filename: str, attachment: bool = False
) -> HttpResponse | StreamingHttpResponse:
    """The stored file `name`: whole (200) or one byte range (206); a bad range is 416."""
    size = default_storage.size(name)
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    header = request.headers.get("Range", "").strip()
    match = _RANGE.match(header) if header else None
    if header and not match:
        return _unsatisfiable(size)
    if match:
        first, last = match.groups()
        if first == "" and last == "":
            return _unsatisfiable(size)
        if first == "":  # the last N bytes
            start, end = max(size - int(last), 0), size - 1
        else:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        if start >= size or start > end:
            return _unsatisfiable(size)
        response = StreamingHttpResponse(
            _chunks(storage.open_stream(name, start=start, length=end - start + 1), end - start + 1),
            status=206,
            content_type=content_type,
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(
            storage.open_stream(name), as_attachment=attachment, filename=filename, content_type=content_type
        )
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    if match:
        # A str whenever filename is not empty (the callers always name the file).
        response["Content-Disposition"] = cast(str, content_disposition_header(attachment, filename))
    return response


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response
