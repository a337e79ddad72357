"""Form fields for pages whose markup is written by hand in the templates (the inspection pages): each reads one
POST value (or every value of a repeated name) and turns it into what the service takes, leaving every rule —
required, a choice, a range — to the service, so that its error code and message are the ones shown.

A value that cannot be read at all (a number that is not one, a date that is not ISO 8601) is a field error;
`invalid_input` turns a form's field errors into the ValidationFailed a service would raise.

The second family never refuses: it reads what a page's address carries (a cursor, a filter, a year) or what the
view itself compares (a token, a digest), and reads a value it cannot use as none at all, as those pages always
did — an address edited by hand shows the page unfiltered rather than an error.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed

TRUE_VALUES = ("on", "1", "true", "yes")


def invalid_input(form: forms.Form) -> ValidationFailed:
    """The error of a form that did not validate: invalid input, naming each field that could not be read."""
    message = codes.message_for(codes.INVALID_INPUT)
    return ValidationFailed(codes.INVALID_INPUT, fields=dict.fromkeys(form.errors, message))


def cleaned(form: forms.Form) -> dict[str, Any]:
    """The form's cleaned data, or its invalid_input error raised."""
    if not form.is_valid():
        raise invalid_input(form)
    return form.cleaned_data


class TextField(forms.CharField):
    """A text, stripped; "" when absent. Whether it may be empty is the service's to say."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, strip=True, **kwargs)


def _stripped(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


class NumberField(forms.IntegerField):
    """A whole number; None when absent or blank."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> int | None:
        text = _stripped(value)
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class NumberListField(forms.Field):
    """Every value of a repeated name (checkboxes, a multiple select) as whole numbers, blanks left out."""

    widget = forms.SelectMultiple
    default_error_messages = {"invalid": forms.IntegerField.default_error_messages["invalid"]}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[int]:
        try:
            return [int(text) for text in value or () if text.strip()]
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class IsoDateField(forms.DateField):
    """A date written as ISO 8601 (what a date input sends); None when absent or blank."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> datetime.date | None:
        text = _stripped(value)
        if not text:
            return None
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class IsoDateTimeField(forms.DateTimeField):
    """A date and time written as ISO 8601 (what a datetime-local input sends), in the project's time zone when it
    names none; None when absent or blank."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> datetime.datetime | None:
        text = _stripped(value)
        if not text:
            return None
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return parsed if parsed.tzinfo else timezone.make_aware(parsed)


class _Flag(forms.CheckboxInput):
    def __init__(self, true_values: tuple[str, ...] | None) -> None:
        super().__init__()
        self.true_values = true_values

    def value_from_datadict(self, data: Any, files: Any, name: str) -> bool:
        value = data.get(name)
        return bool(value) if self.true_values is None else value in self.true_values


class FlagField(forms.BooleanField):
    """A checkbox, or a yes/no button: true when the value sent is one of `true_values` (with None: any value that
    is not blank), false otherwise (absent included)."""

    def __init__(self, *, true_values: tuple[str, ...] | None = TRUE_VALUES, **kwargs: Any) -> None:
        super().__init__(required=False, widget=_Flag(true_values), **kwargs)


class UploadField(forms.Field):
    """An uploaded file as received, or None: the service checks its size, type and content."""

    widget = forms.FileInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)


class _Files(forms.FileInput):
    allow_multiple_selected = True


class UploadsField(forms.Field):
    """Every file uploaded under one name, as received (none: an empty list)."""

    widget = _Files

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[Any]:
        return list(value or ())


# --- values read as the pages always read them: never refused ------------------------------------------------------


class RawTextField(forms.Field):
    """A text exactly as sent, "" when absent: a token, a digest or a query string the view compares itself, or a
    text the service normalises."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> str:
        return value if isinstance(value, str) else ""


def read_number(value: Any) -> int | None:
    """A whole number as Python reads one (spaces around it, a sign), or None when blank or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def read_digits(value: Any) -> int | None:
    """A whole number written in digits only, at most 18 of them (no sign, no space), or None."""
    if not isinstance(value, str) or not value.isdigit() or len(value) > 18:
        return None
    try:
        return int(value)
    except ValueError:  # digits that are not decimal ones ("²")
        return None


class QueryNumberField(forms.Field):
    """A whole number as read_number reads it: None when absent, blank or unreadable (a cursor edited by hand)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> int | None:
        return read_number(value)


class DigitsField(forms.Field):
    """A whole number as read_digits reads it (after stripping spaces when `strip`); None otherwise."""

    def __init__(self, *, strip: bool = False, **kwargs: Any) -> None:
        self.strip = strip
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if self.strip and isinstance(value, str):
            value = value.strip()
        return read_digits(value)


class QueryNumberListField(forms.Field):
    """Every value of a repeated name that read_number reads, in the order sent; the others are left out."""

    widget = forms.SelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[int]:
        return [number for number in map(read_number, value or ()) if number is not None]


class KnownChoiceField(forms.Field):
    """The value sent when it is one of `choices`, else "": a filter naming nothing known filters nothing."""

    def __init__(self, *, choices: Iterable[str], **kwargs: Any) -> None:
        self.known = frozenset(choices)
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> str:
        return value if value in self.known else ""


class KnownChoicesField(forms.Field):
    """Every value of a repeated name that is one of `choices`, in the order sent; the others are left out."""

    widget = forms.SelectMultiple

    def __init__(self, *, choices: Iterable[str], **kwargs: Any) -> None:
        self.known = frozenset(choices)
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[str]:
        return [text for text in value or () if text in self.known]
