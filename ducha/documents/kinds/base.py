"""What a kind of document is: the subject it is about, the input the office gives, when it is available, and how
its content is made (a `layout.Content`) from the subject's facts and that input.

A kind's `build` reads only: it never changes the subject. Every input field has a Chinese label; a field a kind
needs and nobody gave (a contact person, a deadline) is refused naming the field (DOCUMENT_FIELD_MISSING).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed
from ducha.documents.layout import Block, Content, writable
from ducha.documents.models import DocumentProfile
from ducha.orgs.models import Unit, User

# The office's input for a document: field name → text (dates as ISO text).
Inputs = Mapping[str, str]


@dataclass(frozen=True)
class InputField:
    name: str
    label: Any  # a lazy Chinese label
    required: bool = False
    multiline: bool = False
    kind: str = "text"  # text | date | datetime
    # The value when the office gives none, from the subject and the profile (shown pre-filled in the form).
    default: Callable[[Any, DocumentProfile], str] | None = None


@dataclass(frozen=True)
class Draft:
    """What a kind made of a subject: the content to lay out, the title to list it by, and the part of the subject
    it is about (a target unit, a review request), if any."""

    content: Content
    title: str
    part: str = ""


@dataclass(frozen=True)
class Kind:
    name: str  # the stable English name (URLs, the API)
    label: Any  # Chinese, lazy
    subject_type: str  # item | inspection | plan | government
    build: Callable[[Any, DocumentProfile, Inputs, datetime.date], Draft]
    inputs: Sequence[InputField] = ()
    # A receipt is not numbered and never issued: it goes back with the notice's number and always shows the
    # signatures as the system has them.
    numbered: bool = True
    # Issued again and again about the same subject (each chase is a new notice); else once per subject and part,
    # a change being a correction.
    repeatable: bool = False
    code_suffix: str = ""  # after the office's 机关代字: 督 + 办 → 示县督办〔2026〕7号
    # Why the kind is not available for this subject now (a Chinese reason), or None.
    unavailable: Callable[[Any], str | None] = field(default=lambda subject: None)
    # The subject's part the input names (e.g. "target": a unit id), or "".
    part_input: str = ""

    def defaults(self, subject: Any, profile: DocumentProfile) -> dict[str, str]:
        return {
            spec.name: spec.default(subject, profile) if spec.default is not None else ""
            for spec in self.inputs
        }

    def clean(self, subject: Any, profile: DocumentProfile, given: Inputs) -> dict[str, str]:
        """The inputs, defaults filled in, every required one present: else 400 naming the missing fields."""
        values = self.defaults(subject, profile)
        for name, value in given.items():
            if name in values or name == self.part_input:
                # What a .docx (and PostgreSQL's text) cannot hold is dropped: NUL and the other controls.
                values[name] = writable(str(value or "")).strip()
        missing = {
            spec.name: _("%(field)s is required for a %(kind)s.") % {"field": spec.label, "kind": self.label}
            for spec in self.inputs
            if spec.required and not values.get(spec.name)
        }
        if missing:
            raise ValidationFailed(codes.DOCUMENT_FIELD_MISSING, fields=missing)
        for spec in self.inputs:
            if spec.kind == "date" and values.get(spec.name):
                parse_date(values[spec.name], spec.name)
            if spec.kind == "datetime" and values.get(spec.name):
                parse_datetime(values[spec.name], spec.name)
        return values


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def kinds_for(subject_type: str) -> list[Kind]:
    return [kind for kind in KINDS.values() if kind.subject_type == subject_type]


# --- small helpers for the kinds' texts --------------------------------------------------------------------------


def parse_date(text: str, field_name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            codes.INVALID_INPUT, fields={field_name: codes.message_for(codes.INVALID_INPUT)}
        ) from None


def parse_datetime(text: str, field_name: str) -> datetime.datetime:
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            codes.INVALID_INPUT, fields={field_name: codes.message_for(codes.INVALID_INPUT)}
        ) from None


HEADINGS = (
    (re.compile(r"^[一二三四五六七八九十]+、"), 1),
    (re.compile(r"^（[一二三四五六七八九十]+）"), 2),
    (re.compile(r"^\d+[.．]"), 3),
    (re.compile(r"^（\d+）"), 4),
)


def heading_level(line: str) -> int:
    """The level a line's own numbering gives it (一、 （一） 1. （1）), or 0 for a plain paragraph."""
    for pattern, level in HEADINGS:
        if pattern.match(line):
            return level
    return 0


def paragraphs(text: str) -> list[Block]:
    """The office's text, a paragraph per line (blank lines dropped), headings by their own numbering."""
    return [Block(line.strip(), heading_level(line.strip())) for line in text.splitlines() if line.strip()]


# Whom a government's general documents are addressed to, by its level (the usual 主送 of a 通报 or a plan).
RECIPIENTS_BY_LEVEL = {
    "province": "各市（州）人民政府，省直各部门",
    "city": "各县（市、区）人民政府，市直各部门",
    "county": "各乡镇人民政府，县直各部门",
    "township": "各村（社区），镇（乡）直各单位",
}


def default_recipients(government: Unit) -> str:
    return RECIPIENTS_BY_LEVEL.get(str(government.level), RECIPIENTS_BY_LEVEL["county"])


def names(units: Sequence[Unit]) -> str:
    return "，".join(unit.name for unit in units)


def user_name(user: User | None) -> str:
    return (user.full_name or user.username) if user is not None else ""


def contact_note(values: Mapping[str, str]) -> str:
    """（联系人：王明，电话：0931-1234567）: the 附注 of a notice."""
    parts = []
    if values.get("contact_name"):
        parts.append(f"联系人：{values['contact_name']}")
    if values.get("contact_phone"):
        parts.append(f"电话：{values['contact_phone']}")
    return "，".join(parts)


def from_office(
    profile: DocumentProfile, values: Mapping[str, str], today: datetime.date, **fields: Any
) -> Content:
    """A document the office signs and prints on `today`: its mark, 主送 (the `recipients` input where the kind
    has one), 署名 and 成文日期, the 附注 with the contact, the 附件说明, 抄送 and the 版记's 印发机关 and date
    (`printer=""`: no 版记) — from the profile and the input; the kind gives the title, the text and anything else."""
    defaults: dict[str, Any] = {
        "mark": profile.mark,
        "recipients": values.get("recipients", ""),
        "date": today,
        "signature": profile.issuer,
        "note": contact_note(values),
        "attachments": lines_of(values, "attachments"),
        "copy_to": values.get("copy_to", ""),
        "printer": profile.issuer,
        "printed_on": today,
    }
    return Content(**{**defaults, **fields})


def lines_of(values: Mapping[str, str], name: str) -> list[str]:
    return [line.strip() for line in values.get(name, "").splitlines() if line.strip()]


CONTACT_INPUTS = (
    InputField(
        "contact_name", gettext_lazy("contact person"), required=True, default=lambda s, p: p.contact_name
    ),
    InputField(
        "contact_phone", gettext_lazy("contact phone"), required=True, default=lambda s, p: p.contact_phone
    ),
)
COMMON_INPUTS = (
    InputField("copy_to", gettext_lazy("copy to")),
    InputField("attachments", gettext_lazy("attachments (one per line)"), multiline=True),
)
