"""Log lines a collector can read: the request id on every record emitted while a request is handled, and the JSON
format (DUCHA_LOG_FORMAT=json) of the console handler.

Importable before Django is set up (the settings' LOGGING names these classes; a gunicorn config may too): only the
standard library and python-json-logger here.

- `request_id_var`: the id of the request being handled (ducha.ops.middleware sets and resets it); None outside one.
- `RequestIdFilter`: a handler filter putting it on each record as `request_id` (unless the record has its own).
- `JsonFormatter`: one JSON object per line — timestamp (UTC, ISO 8601), level, logger, message, request_id, then the
  record's extra fields and the exception. gunicorn's access records (logger `gunicorn.access`) also get the
  request's method, path, status, duration, size, remote address and user agent as fields, and the request id the
  response carried (`X-Request-ID`) — the access line is written after the request, outside its context.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A request id taken from a client or the balancer: short and plain, so that it can never break a log line.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_id_var: ContextVar[str | None] = ContextVar("ducha_request_id", default=None)

ACCESS_LOGGER = "gunicorn.access"
# gunicorn's access "atoms" copied into the JSON line, by name. Never all of them: the atoms also hold every request
# header (Cookie, Authorization) and the whole process environment (the secret key).
ACCESS_FIELDS = {
    "m": "method",
    "U": "path",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "h": "remote_addr",
    "a": "user_agent",
    "H": "protocol",
}
ACCESS_INTEGER_FIELDS = frozenset({"status", "bytes", "duration_ms"})
ACCESS_REQUEST_ID = "{" + REQUEST_ID_HEADER.lower() + "}o"


def request_id_valid(value: str | None) -> bool:
    return value is not None and REQUEST_ID_PATTERN.fullmatch(value) is not None


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record passing the handler (filters on a handler see the records of
    every logger, which a logger's own filter would not)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        return True


def _access_fields(atoms: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for atom, name in ACCESS_FIELDS.items():
        value = atoms.get(atom)
        if value is None or value == "-":
            continue
        if name in ACCESS_INTEGER_FIELDS:
            try:
                value = int(value)
            except (TypeError, ValueError):
                continue
        fields[name] = value
    request_id = atoms.get(ACCESS_REQUEST_ID)
    if isinstance(request_id, str) and request_id_valid(request_id):
        fields["request_id"] = request_id
    return fields


class JsonFormatter(_BaseJsonFormatter):
    """python-json-logger's formatter with the project's fixed fields first; Chinese stays readable (no \\u
    escapes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("json_ensure_ascii", False)
        # request_id is placed by add_fields, not copied again as an extra field.
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request_id"])
        super().__init__(*args, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["timestamp"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        log_data["request_id"] = getattr(record, "request_id", None)
        if record.name == ACCESS_LOGGER and isinstance(record.args, Mapping):
            log_data.update(_access_fields(record.args))
        # The extra fields (logger.info(..., extra={...})), then a message given as a dict and the exception.
        super().add_fields(log_data, record, message_dict)
