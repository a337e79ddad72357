"""Errors a user can cause. Each carries a stable code (see error_codes.py) and a Chinese message.

Services raise these; the API and the web layer turn them into responses:
400 ValidationFailed (with field errors), 403 NotPermitted, 404 NotFound, 409 InvalidState.
"""

from __future__ import annotations

from typing import Any

from django.utils.encoding import force_str

from ducha.common import error_codes


class DomainError(Exception):
    status = 400

    def __init__(
        self, code: str, message: Any | None = None, *, fields: dict[str, Any] | None = None
    ) -> None:
        self.code = code
        self.message = force_str(message if message is not None else error_codes.message_for(code))
        self.fields = {key: force_str(value) for key, value in (fields or {}).items()}
        super().__init__(f"{code}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


class ValidationFailed(DomainError):
    status = 400


class NotAuthenticated(DomainError):
    """The credentials (an API token, a user name and password, a one-time code) were refused: sign in again."""

    status = 401


class NotPermitted(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404

    def __init__(self, code: str = error_codes.NOT_FOUND, message: Any | None = None) -> None:
        super().__init__(code, message)


class InvalidState(DomainError):
    status = 409


class TooManyRequests(DomainError):
    """A rate limit: try again later."""

    status = 429
