"""The small checks every service makes on its input, in one place: a required text, a text within its limit, a choice among a model's
choices. Each failure is a ValidationFailed naming the field, with the code's Chinese message."""

from __future__ import annotations

from typing import Any

from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed


def invalid(code: str, field: str) -> ValidationFailed:
    """The error for `field`, with `code`'s message."""
    return ValidationFailed(code, fields={field: codes.message_for(code)})


def require_text(value: str | None, code: str, field: str) -> str:
    """The text, stripped; refused with `code` when empty."""
    text = (value or "").strip()
    if not text:
        raise invalid(code, field)
    return text


def bounded_text(value: str | None, field: str, limit: int, *, required_code: str | None = None) -> str:
    """The text, stripped, at most `limit` characters (else TEXT_TOO_LONG); refused with `required_code` when
    given and the text is empty."""
    text = require_text(value, required_code, field) if required_code else (value or "").strip()
    if len(text) > limit:
        raise invalid(codes.TEXT_TOO_LONG, field)
    return text


def choice(value: Any, choices: Any, field: str) -> str:
    """`value` when it is one of `choices` (a TextChoices), else invalid input on `field`."""
    if value not in choices.values:
        raise invalid(codes.INVALID_INPUT, field)
    return str(value)
