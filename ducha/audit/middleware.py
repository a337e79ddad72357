"""Security events written from the request cycle (issue 17, 等保 安全审计): every refusal (403) a signed-in user
meets and every file they take away (a response sent as a download) go into the audit log.

The user is read after the view ran: an API request signs in with its bearer token inside the view (ducha.api.base
sets `request.user`), so only then is it known. Anonymous refusals, 401 and 404 are not logged. Logging never fails
the request: an error is logged and the response goes out as it was.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from email.message import Message
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from ducha.audit.models import EventType
from ducha.audit.services import security_event_record

logger = logging.getLogger(__name__)

PATH_MAX = 300
QUERY_MAX = 500
# Only the start of a refusal page is searched for the error code it shows.
BODY_SCAN_MAX = 64 * 1024
HTML_CODE = re.compile(rb'data-(?:error-)?code="([A-Za-z0-9_.-]{1,64})"')


def _error_code(response: HttpResponse | StreamingHttpResponse) -> str:
    """The stable error code the refusal carries: `code` of our JSON body, or the first one a page renders."""
    if response.streaming:
        return ""
    content_type = response.get("Content-Type", "")
    body = response.content[:BODY_SCAN_MAX]
    if content_type.startswith("application/json"):
        try:
            payload = json.loads(response.content)
        except ValueError:
            return ""
        code = payload.get("code") if isinstance(payload, dict) else None
        return str(code)[:64] if isinstance(code, str) else ""
    if content_type.startswith("text/html"):
        match = HTML_CODE.search(body)
        return match.group(1).decode() if match else ""
    return ""


def download_filename(response: HttpResponse | StreamingHttpResponse) -> str | None:
    """The file name of a response sent as a download (`Content-Disposition: attachment`), "" when it names none;
    None when the response is not a download."""
    header = response.get("Content-Disposition", "")
    if not header:
        return None
    message = Message()
    message["Content-Disposition"] = header
    if message.get_content_disposition() != "attachment":
        return None
    return str(message.get_filename() or "")[:255]


def _where(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = {"method": request.method or "", "path": request.path[:PATH_MAX]}
    query = request.META.get("QUERY_STRING", "")
    if query:
        values["query"] = str(query)[:QUERY_MAX]
    return values


class SecurityAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            self._record(request, response)
        except Exception:
            logger.exception("Could not write the security event for %s %s", request.method, request.path)
        return response

    def _record(self, request: HttpRequest, response: HttpResponse) -> None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        status = response.status_code
        if status == 403:
            values = _where(request)
            code = _error_code(response)
            if code:
                values["code"] = code
            self._write(request, user, EventType.PERMISSION_REFUSED, values)
        elif 200 <= status < 300:
            filename = download_filename(response)
            if filename is not None:
                self._write(request, user, EventType.EXPORTED, {**_where(request), "filename": filename})

    @staticmethod
    def _write(request: HttpRequest, user: Any, event_type: EventType, values: dict[str, Any]) -> None:
        # A savepoint of its own: a failed write must not break a transaction the request may still be in.
        with transaction.atomic():
            security_event_record(event_type=event_type, user=user, request=request, new=values)
