"""Uploads (issue 17, 等保 2.0 level 3 入侵防范, 数据完整性): every file that comes in is checked here.

- The size is refused before the body is read: `SizeLimitUploadHandler`, first in FILE_UPLOAD_HANDLERS, refuses a
  multipart request whose declared length is over DUCHA_UPLOAD_REQUEST_MAX_BYTES before a byte of it is read, and
  stops reading a body as soon as one file passes DUCHA_UPLOAD_FILE_MAX_BYTES (or all of them the request limit).
  It raises `UploadTooLarge`: the API answers 413 with the code `upload_too_large` (a DomainError); a page gets
  Django's 400 for an unreadable body (`bad_request` below answers 413 with the code once it is the site's
  handler400). Either way the request's POST and FILES are empty, never a half-read form.
- `upload_check(file, extensions=, max_bytes=)`, called by every path that keeps or reads an uploaded file: the
  extension among those allowed, the size within the path's limit, the content what the extension says (sniffed
  with `filetype` and the formats' own signatures: an .exe renamed .docx or a PNG named .pdf is refused with
  `upload_type_mismatch`), and, given the uploader, the per-user quota (`upload_quota_exceeded`).
- Each refusal is a security event (UPLOAD_REFUSED). The ground floor cannot import the audit app, so the audit's
  writer registers with `refusal_recorder`. A refusal inside a transaction is written once the request has ended:
  the transaction that met it is rolled back with it, and would take the event along.
"""

from __future__ import annotations

import codecs
import contextvars
import logging
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import filetype
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.core.signals import request_finished, request_started
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.html import format_html
from django.views import defaults

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, ValidationFailed

logger = logging.getLogger("ducha.uploads")

# How many bytes of a file's beginning the type is judged on (filetype reads at most 262).
HEAD_BYTES = 8192
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003, Excel 97-2003, WPS and ET files
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with entries; an empty zip
RTF_SIGNATURE = b"{\\rtf"  # a .doc saved as RTF (Word opens it; common among government templates)
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff", "heic", "avif"})
VIDEO_EXTENSIONS = frozenset({"mp4", "m4v", "mov", "3gp", "avi", "mkv", "webm"})
# filetype's names for the kinds an extension may hold (a photo saved as PNG but named .jpg is still a photo).
_KIND_ALIASES = {"jpeg": "jpg", "tiff": "tif", "m4v": "mp4", "apng": "png", "jpx": "jpg"}


class UploadTooLarge(DomainError, MultiPartParserError):
    """A request body over the upload limit, refused before it is read. A DomainError for the API's handler, a
    MultiPartParserError so that Django marks the request's POST and FILES empty and answers its 400 on a page."""

    status = 413

    def __init__(self) -> None:
        super().__init__(codes.UPLOAD_TOO_LARGE)


# --- the refusals' security events ---------------------------------------------------------------------------


@dataclass
class Refusal:
    code: str
    user: Any = None  # the uploader (an orgs.User), None when anonymous
    request: HttpRequest | None = None
    detail: dict[str, Any] = field(default_factory=dict)


Recorder = Callable[[Refusal], None]
_recorders: list[Recorder] = []
_pending: contextvars.ContextVar[list[Refusal] | None] = contextvars.ContextVar(
    "upload_refusals", default=None
)


def refusal_recorder(recorder: Recorder) -> Recorder:
    """Register the writer of UPLOAD_REFUSED events (the audit's; a layer above this one)."""
    if recorder not in _recorders:
        _recorders.append(recorder)
    return recorder


def _write(refusal: Refusal) -> None:
    for recorder in _recorders:
        try:
            recorder(refusal)
        except Exception:  # the refusal stands whatever happens to its record
            logger.exception("could not record an upload refusal")


def _refused(refusal: Refusal) -> None:
    logger.warning("upload refused: %s %s", refusal.code, refusal.detail)
    if connection.in_atomic_block:
        pending = _pending.get()
        if pending is None:
            pending = []
            _pending.set(pending)
        pending.append(refusal)
    else:
        _write(refusal)


def refusals_flush(**_kwargs: Any) -> None:
    """Write the refusals met inside transactions (request_finished: the transactions are over by then)."""
    pending = _pending.get()
    if pending:
        _pending.set(None)
        for refusal in pending:
            _write(refusal)


def _refusals_forget(**_kwargs: Any) -> None:
    # Refusals left over from outside any request (a script, a test calling a service) belong to no request.
    _pending.set(None)


request_finished.connect(refusals_flush, dispatch_uid="ducha.uploads.refusals_flush")
request_started.connect(_refusals_forget, dispatch_uid="ducha.uploads.refusals_forget")


# --- the size, before the body is read -----------------------------------------------------------------------


def request_limit() -> int:
    return int(settings.DUCHA_UPLOAD_REQUEST_MAX_BYTES)


def file_limit() -> int:
    return int(settings.DUCHA_UPLOAD_FILE_MAX_BYTES)


class SizeLimitUploadHandler(FileUploadHandler):
    """First of the upload handlers: stops a multipart body over the limits before (or as soon as) it is read.
    StopUpload would leave a form without its file, reported as "required"; UploadTooLarge is reported as what
    it is. The connection is not drained: the rest of the body is never read."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0

    def _refuse(self, **detail: Any) -> None:
        request = self.request
        user = getattr(request, "auth", None) or getattr(request, "user", None)
        if user is not None and not getattr(user, "is_authenticated", False):
            user = None
        _refused(Refusal(codes.UPLOAD_TOO_LARGE, user=user, request=request, detail=detail))
        raise UploadTooLarge()

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        if content_length > request_limit():
            self._refuse(content_length=content_length, limit=request_limit())
        return None  # the other handlers parse the body

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if start + len(raw_data) > file_limit() or self.received > request_limit():
            self._refuse(received=self.received, limit=min(file_limit(), request_limit()))
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) keeps the file


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: an upload over the limit is answered 413 with its code (JSON under /api/); anything else as
    Django does."""
    if not isinstance(exception, UploadTooLarge):
        return defaults.bad_request(request, exception)  # type: ignore[arg-type]
    if request.path.startswith("/api/"):
        return JsonResponse(exception.as_dict(), status=413, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(
        format_html('<p class="error" data-code="{}">{}</p>', exception.code, exception.message),
        status=413,
    )


# --- the content against the extension -------------------------------------------------------------------------


def _head(upload: Any) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return bytes(head or b"")


def _zip_names(upload: Any) -> list[str] | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        upload.seek(0)


def _office_open_xml(upload: Any, head: bytes, part: str) -> bool:
    if not head.startswith(ZIP_SIGNATURES):
        return False
    names = _zip_names(upload)
    return names is not None and "[Content_Types].xml" in names and any(n.startswith(part) for n in names)


def _is_text(upload: Any) -> bool:
    """UTF-8 (with or without its mark) or GB18030, without NUL bytes."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        upload.seek(0)
        try:
            for chunk in upload.chunks():
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return True
        except UnicodeDecodeError:
            continue
        finally:
            upload.seek(0)
    return False


def _kind(name: str) -> str:
    return _KIND_ALIASES.get(name, name)


def content_matches(upload: Any, extension: str, allowed: Iterable[str] = ()) -> bool:
    """Whether the file's content is what its extension says. A picture may be any picture kind among `allowed`
    (phones name PNG screenshots .jpg), a video any video kind among them; an extension with no rule here fails."""
    head = _head(upload)
    extension = extension.lower()
    allowed_kinds = {_kind(name.lower()) for name in allowed} | {_kind(extension)}
    if extension == "pdf":
        return b"%PDF" in head[:1024]
    if extension in {"doc", "wps"}:
        return head.startswith(OLE2_SIGNATURE) or head.startswith(RTF_SIGNATURE)
    if extension in {"xls", "et"}:
        return head.startswith(OLE2_SIGNATURE)
    if extension == "docx":
        return _office_open_xml(upload, head, "word/")
    if extension == "xlsx":
        return _office_open_xml(upload, head, "xl/")
    if extension in {"ofd", "zip"}:
        return head.startswith(ZIP_SIGNATURES) and _zip_names(upload) is not None
    if extension in {"txt", "csv", "jsonl", "json"}:
        return _is_text(upload)
    if extension in IMAGE_EXTENSIONS:
        image = filetype.image_match(head)
        return image is not None and _kind(image.extension) in allowed_kinds
    if extension in VIDEO_EXTENSIONS:
        video = filetype.video_match(head)
        return video is not None and _kind(video.extension) in allowed_kinds
    return False


# --- the quota ---------------------------------------------------------------------------------------------------

# Callables (user id → bytes kept for that user), registered by the apps that keep uploaded files.
_stored_bytes: list[Callable[[int], int]] = []


def stored_bytes_source(source: Callable[[int], int]) -> Callable[[int], int]:
    """Register a sum of one kind of kept file per uploader (items' attachments, inspections' evidence…)."""
    if source not in _stored_bytes:
        _stored_bytes.append(source)
    return source


def stored_bytes(user_id: int) -> int:
    return sum(source(user_id) for source in _stored_bytes)


# --- the one check -----------------------------------------------------------------------------------------------


def file_extension(upload: Any) -> tuple[str, str]:
    """The upload's bare name (at most 200 characters) and its lower-case extension ("" if none)."""
    name = str(getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    return name, (name.rsplit(".", 1)[-1].lower() if "." in name else "")


def upload_check(
    file: Any,
    *,
    extensions: Iterable[str],
    max_bytes: int,
    user: Any = None,
    quota: bool = True,
    field: str = "file",
    type_code: str = codes.ATTACHMENT_TYPE,
    size_code: str = codes.ATTACHMENT_TOO_LARGE,
    mismatch_code: str = codes.UPLOAD_TYPE_MISMATCH,
) -> str:
    """Check one uploaded file before anything keeps or reads it; returns its extension. Refused (ValidationFailed
    on `field`): an extension not in `extensions` (`type_code`), a size over `max_bytes` (`size_code`), content
    that is not what the extension says (`mismatch_code`, default `upload_type_mismatch`), and, with `quota`, a
    file that would take the uploader's (`user`) kept files over DUCHA_UPLOAD_QUOTA_BYTES
    (`upload_quota_exceeded`; not for files read and dropped, such as imports). The last two are security events
    (UPLOAD_REFUSED); the first two are ordinary input errors."""
    allowed = {extension.lower() for extension in extensions}
    name, extension = file_extension(file)
    if file is None or extension not in allowed:
        raise ValidationFailed(type_code, fields={field: codes.message_for(type_code)})
    size = getattr(file, "size", None)
    if size is None or size > max_bytes:
        raise ValidationFailed(size_code, fields={field: codes.message_for(size_code)})
    detail = {"name": name, "size": size, "field": field}
    if not content_matches(file, extension, allowed):
        kind = filetype.guess(_head(file))
        detail["detected"] = kind.mime if kind is not None else ""
        _refused(Refusal(codes.UPLOAD_TYPE_MISMATCH, user=_uploader(user), detail=detail))
        raise ValidationFailed(mismatch_code, fields={field: codes.message_for(mismatch_code)})
    uploader = _uploader(user)
    if quota and uploader is not None:
        limit = int(settings.DUCHA_UPLOAD_QUOTA_BYTES)
        used = stored_bytes(uploader.pk)
        if used + size > limit:
            _refused(
                Refusal(codes.UPLOAD_QUOTA, user=uploader, detail={**detail, "used": used, "quota": limit})
            )
            raise ValidationFailed(codes.UPLOAD_QUOTA, fields={field: codes.message_for(codes.UPLOAD_QUOTA)})
    return extension


def _uploader(user: Any) -> Any:
    return user if user is not None and getattr(user, "pk", None) else None


__all__ = [
    "HEAD_BYTES",
    "Refusal",
    "SizeLimitUploadHandler",
    "UploadTooLarge",
    "bad_request",
    "content_matches",
    "file_extension",
    "refusal_recorder",
    "refusals_flush",
    "stored_bytes",
    "stored_bytes_source",
    "upload_check",
]
