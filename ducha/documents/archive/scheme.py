"""The scheme: a matter's 档号 and 保管期限 (see the package's docstring), and the names files get."""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState
from ducha.inspections.models import (
    Inspection,
    InspectionKind,
    ResultProposal,
    ResultProposalKind,
)
from ducha.inspections.statuses import (
    InspectionStatus,
    ResultProposalStatus,
)
from ducha.items.models import (
    Item,
    SourceType,
)
from ducha.items.statuses import ItemStatus
from ducha.orgs.models import Unit

MANIFEST = "manifest.json"
SIDECAR = "manifest.sha256"
FORMAT = "ducha-dossier/1"
CHUNK = 1024 * 1024

DEFAULT_CODE_PATTERN = "{fonds}-{year}-{retention}-{series}{serial:04d}"
DEFAULT_SERIES = {"item": "DB", "inspection": "DC"}
RETENTION_LABELS = {"Y": "永久", "D30": "30年", "D10": "10年"}
ROUTINE_SOURCES = frozenset({SourceType.PUBLIC_REPORT, SourceType.OTHER})
ROUTINE_KINDS = frozenset({InspectionKind.ROUTINE, InspectionKind.WRITTEN, InspectionKind.SELF_CHECK})
DEFAULT_RETENTION: dict[str, str] = {
    **{f"item:{value}": "D10" if value in ROUTINE_SOURCES else "D30" for value in SourceType.values},
    **{f"inspection:{value}": "D10" if value in ROUTINE_KINDS else "D30" for value in InspectionKind.values},
    "inspection:accountability": "Y",
}


def label_of(choices: Any, value: str) -> str:
    """The label of a choice in the active language (the value itself if it is not one)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class ArchiveError(Exception):
    """Something an operator can fix (a folder, a setting, a year), said in one line."""


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The year as Beijing (the project's time zone) counts it: [1 January 00:00, next 1 January 00:00)."""
    zone = timezone.get_default_timezone()
    return datetime.datetime(year, 1, 1, tzinfo=zone), datetime.datetime(year + 1, 1, 1, tzinfo=zone)


def fonds_of(government: Unit) -> tuple[str, bool]:
    """The government's 全宗号 and whether it was configured (else a placeholder made from its id)."""
    configured = getattr(settings, "DUCHA_ARCHIVE_FONDS", None)
    if isinstance(configured, str) and configured.strip():
        return configured.strip(), True
    if isinstance(configured, dict):
        for key in (government.name, government.short_name, str(government.pk), government.pk):
            value = configured.get(key)
            if value:
                return str(value).strip(), True
    return f"G{government.pk:03d}", False


def retention_of(subject_type: str, subject: Any) -> tuple[str, str]:
    """The 保管期限 code (Y / D30 / D10) and the reason for it, in Chinese."""
    table = {**DEFAULT_RETENTION, **getattr(settings, "DUCHA_ARCHIVE_RETENTION", {})}
    if subject_type == "inspection":
        accountable = ResultProposal.objects.filter(
            inspection=subject, kind=ResultProposalKind.ACCOUNTABILITY, status=ResultProposalStatus.APPROVED
        ).exists()
        if accountable:
            key, basis = "inspection:accountability", "结论运用中有经批准的责任追究"
        else:
            key, basis = f"inspection:{subject.kind}", f"督查类型：{label_of(InspectionKind, subject.kind)}"
    else:
        key, basis = f"item:{subject.source_type}", f"事项来源：{label_of(SourceType, subject.source_type)}"
    code = table.get(key, "D30")
    if code not in RETENTION_LABELS:
        raise ImproperlyConfigured(
            _("DUCHA_ARCHIVE_RETENTION[%(key)s] must be one of Y, D30, D10.") % {"key": key}
        )
    return code, basis


def archival_code(*, fonds: str, year: int, retention: str, series: str, serial: int) -> str:
    """The 档号 by DUCHA_ARCHIVE_CODE_PATTERN (see the module's docstring)."""
    pattern = getattr(settings, "DUCHA_ARCHIVE_CODE_PATTERN", DEFAULT_CODE_PATTERN)
    try:
        return str(pattern).format(fonds=fonds, year=year, retention=retention, series=series, serial=serial)
    except (KeyError, IndexError, ValueError) as error:
        raise ImproperlyConfigured(
            _("DUCHA_ARCHIVE_CODE_PATTERN cannot be used: %(error)s") % {"error": error}
        ) from error


def filed_at(subject_type: str, subject: Any) -> datetime.datetime:
    """When the matter was filed: an item archived, an inspection closed. Anything else is not filed yet."""
    moment: datetime.datetime | None = None
    if subject_type == "item" and subject.status == ItemStatus.ARCHIVED:
        moment = subject.archived_at
    elif subject_type == "inspection" and subject.status == InspectionStatus.CLOSED:
        moment = subject.closed_at
    if moment is not None:
        return moment
    raise InvalidState(
        codes.ACTION_NOT_ALLOWED, _("Only an archived item or a closed inspection is filed in a dossier.")
    )


def filed_in(subject_type: str, year: int) -> Any:
    """The items archived (or inspections closed) in `year`, Beijing time, in filing order per government."""
    start, end = year_bounds(year)
    if subject_type == "item":
        return (
            Item.objects.filter(status=ItemStatus.ARCHIVED, archived_at__gte=start, archived_at__lt=end)
            .select_related("government")
            .order_by("government_id", "archived_at", "id")
        )
    return (
        Inspection.objects.filter(status=InspectionStatus.CLOSED, closed_at__gte=start, closed_at__lt=end)
        .select_related("government", "lead_unit")
        .order_by("government_id", "closed_at", "id")
    )


def _serial(subject_type: str, subject: Any, moment: datetime.datetime) -> int:
    """The 件号: how many of the government's matters of this series were filed before it in the year, plus one."""
    field_name = "archived_at" if subject_type == "item" else "closed_at"
    earlier = Q(**{f"{field_name}__lt": moment}) | Q(**{field_name: moment, "pk__lt": subject.pk})
    year = timezone.localtime(moment).year
    return (
        int(filed_in(subject_type, year).filter(government_id=subject.government_id).filter(earlier).count())
        + 1
    )


@dataclass(frozen=True)
class Filing:
    """Where a matter goes in the archives: its 档号 and 保管期限."""

    subject_type: str
    subject: Any
    government: Unit
    year: int
    serial: int
    fonds: str
    fonds_configured: bool
    retention: str
    retention_basis: str
    code: str
    filed_at: datetime.datetime

    @property
    def retention_label(self) -> str:
        return RETENTION_LABELS[self.retention]

    @property
    def folder_name(self) -> str:
        return safe_name(self.code, limit=120, has_extension=False)


def filing_for(subject_type: str, subject: Any, *, serial: int | None = None) -> Filing:
    """The matter's 档号 and 保管期限; `serial` when the caller counted the year's matters in order (the export),
    else counted here."""
    if subject_type not in DEFAULT_SERIES:
        raise ValueError(subject_type)
    moment = filed_at(subject_type, subject)
    year = timezone.localtime(moment).year
    fonds, configured = fonds_of(subject.government)
    retention, basis = retention_of(subject_type, subject)
    series = {**DEFAULT_SERIES, **getattr(settings, "DUCHA_ARCHIVE_SERIES", {})}[subject_type]
    serial = serial if serial is not None else _serial(subject_type, subject, moment)
    code = archival_code(fonds=fonds, year=year, retention=retention, series=series, serial=serial)
    return Filing(
        subject_type=subject_type,
        subject=subject,
        government=subject.government,
        year=year,
        serial=serial,
        fonds=fonds,
        fonds_configured=configured,
        retention=retention,
        retention_basis=basis,
        code=code,
        filed_at=moment,
    )


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def safe_name(name: str, *, limit: int = 60, has_extension: bool = True) -> str:
    """A file name that is the same on every system: NFC, no separators or control characters, not hidden, short
    enough in bytes for any file system (a Chinese character takes three); the extension kept."""
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip().lstrip(".")
    stem, dot, extension = name.rpartition(".")
    if not (dot and has_extension):
        stem, extension = name, ""
    stem, extension = stem.strip()[:limit] or "file", extension.strip()[:10]
    return f"{stem}.{extension}" if extension else stem
