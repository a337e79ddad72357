"""The ledger's rows: plain values of the items read → LedgerRow (with the light worked out in Python, the lead
and co-units, labels translated once per page), and LedgerRows → the table's HTML."""

from __future__ import annotations

import datetime
import html
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Assignment, AssignmentRole, Confidentiality, Light, SourceType, light_of
from ducha.items.services import secret_reads_record
from ducha.orgs.models import Unit, User

ROW_FIELDS = (
    "id",
    "number",
    "number_year",
    "number_seq",
    "title",
    "source_type",
    "source_reference",
    "status",
    "due_date",
    "warn_date",
    "assigned_at",
    "latest_progress",
    "confidentiality",
    "updated_at",
)
# The export's fields: no `updated_at` (the pages' version), and the day assigned read as the local day in the
# query (`assigned_on`, ledger_rows) rather than a timestamp turned into one in Python, a million times.
EXPORT_FIELDS = tuple(field for field in ROW_FIELDS if field not in {"updated_at", "assigned_at"})


@dataclass(frozen=True)
class RowUnits:
    lead: dict[int, str]
    co: dict[int, list[str]]


def _grouped(rows: Iterable[tuple[int, str, str]]) -> RowUnits:
    """(item id, role, unit name) rows, the lead first and co-units as given → each item's lead and co-units."""
    lead: dict[int, str] = {}
    co: dict[int, list[str]] = {}
    for item_id, role, name in rows:
        if role == AssignmentRole.LEAD:
            lead[item_id] = name
        else:
            co.setdefault(item_id, []).append(name)
    return RowUnits(lead, co)


def units_of(item_ids: Sequence[int]) -> RowUnits:
    """Lead and co-units of a batch of items: one query for the whole batch."""
    if not item_ids:
        return RowUnits({}, {})
    return _grouped(
        Assignment.objects.filter(item_id__in=list(item_ids))
        .order_by("item_id", "-role", "id")  # the lead first ("lead" > "co"), then co-units as given
        .values_list("item_id", "role", "unit__name")
    )


def units_by_id(item_ids: Sequence[int], names: dict[int, str], *, using: str) -> RowUnits:
    """`units_of` for the export's batches: the assignments' unit ids in one query without a join, and their names
    through `names`, kept over the whole export, which reads only the units it has not met yet. On PostgreSQL the
    ids go as one array parameter: a query with 2,000 placeholders cost more to build and send than its rows
    (at a million rows: 11 s against 40 s)."""
    if not item_ids:
        return RowUnits({}, {})
    connection = connections[using]
    rows: Sequence[tuple[int, str, int]]
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Assignment._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT item_id, role, unit_id FROM {table} WHERE item_id = ANY(%s) ORDER BY item_id, role DESC, id",
                [list(item_ids)],
            )
            rows = cursor.fetchall()
    else:
        rows = list(
            Assignment.objects.using(using)
            .filter(item_id__in=list(item_ids))
            .order_by("item_id", "-role", "id")
            .values_list("item_id", "role", "unit_id")
        )
    missing = {unit_id for _item, _role, unit_id in rows} - names.keys()
    if missing:
        names.update(Unit.objects.using(using).filter(id__in=missing).values_list("id", "name"))
    return _grouped((item_id, role, names[unit_id]) for item_id, role, unit_id in rows)


@dataclass(frozen=True)
class LedgerRow:
    position: int  # 序号, from 1
    item_id: int
    number: str
    title: str
    source_type: str
    source_label: str
    source_reference: str
    lead_unit: str
    co_units: tuple[str, ...]
    assigned_on: datetime.date | None
    due_date: datetime.date | None
    progress: str
    status: str
    status_label: str
    light: str
    light_label: str

    @property
    def co_units_text(self) -> str:
        return "、".join(self.co_units)


class Labels:
    """Display labels, translated once per page or export rather than once per row."""

    def __init__(self) -> None:
        self.source = {value: str(label) for value, label in SourceType.choices}
        self.status = {value: str(label) for value, label in ItemStatus.choices}
        self.light = {value: str(label) for value, label in Light.choices if value}


def make_rows(
    values: Sequence[dict[str, Any]],
    start: int,
    labels: Labels,
    today: datetime.date,
    units: RowUnits | None = None,
) -> list[LedgerRow]:
    if units is None:
        units = units_of([value["id"] for value in values])
    rows = []
    for position, value in enumerate(values, start=start + 1):
        item_id = value["id"]
        light = light_of(value["status"], value["due_date"], value["warn_date"], today)
        rows.append(
            LedgerRow(
                position=position,
                item_id=item_id,
                number=value["number"],
                title=value["title"],
                source_type=value["source_type"],
                source_label=labels.source.get(value["source_type"], value["source_type"]),
                source_reference=value["source_reference"],
                lead_unit=units.lead.get(item_id, ""),
                co_units=tuple(units.co.get(item_id, ())),
                assigned_on=value["assigned_on"]
                if "assigned_on" in value
                else _local_day(value["assigned_at"]),
                due_date=value["due_date"],
                progress=value["latest_progress"],
                status=value["status"],
                status_label=labels.status.get(value["status"], value["status"]),
                light=light,
                light_label=labels.light.get(light, ""),
            )
        )
    return rows


def _local_day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def record_secret_reads(values: Sequence[dict[str, Any]], user: User) -> None:
    """Every read of a secret item is logged, in lists and exports too (one audit event per secret item)."""
    secret_reads_record(
        item_ids=[value["id"] for value in values if value["confidentiality"] == Confidentiality.SECRET],
        actor=user,
    )


# --- the rows as HTML -----------------------------------------------------------------------------------------

_ITEM_URL_SENTINEL = 987654321


def _text(value: object) -> str:
    """`value` escaped for HTML text and attribute values, as the template engine escapes it (Django's escape is
    the standard library's html.escape)."""
    return html.escape(str(value))


def _truncated(text: str, length: int) -> str:
    """truncatechars: Truncator's result, without its character-by-character walk when the text is short enough
    (it returns the text NFC-normalised then)."""
    if len(text) <= length:
        return unicodedata.normalize("NFC", text)
    return Truncator(text).chars(length)


def rows_html(rows: Sequence[LedgerRow], *, tick_form: str = "") -> SafeString:
    """The table rows of a ledger page, the markup a template loop would give (every value escaped with
    django.utils.html.escape, texts shortened with Truncator as truncatechars does), joined as strings: 50 rows of
    11 cells through the template engine cost more than the page's queries. With `tick_form`, each row starts with
    a checkbox belonging to that form (the batch bar's)."""
    item_url = reverse("item-detail", args=[_ITEM_URL_SENTINEL])
    tick_label = gettext("Tick %(title)s")
    none = "—"
    parts = []
    for row in rows:
        reference = (
            f"<br><small>{_text(_truncated(row.source_reference, 40))}</small>"
            if row.source_reference
            else ""
        )
        progress_title = f' title="{_text(row.progress)}"' if row.progress else ""
        progress = _text(_truncated(row.progress, 60)) if row.progress else none
        light = (
            f'<span class="light-dot {_text(row.light)}" aria-hidden="true"></span>{_text(row.light_label)}'
            if row.light
            else none
        )
        tick = (
            f'<td class="col-tick"><input type="checkbox" name="items" value="{row.item_id}" '
            f'form="{_text(tick_form)}" aria-label="{_text(tick_label % {"title": row.title})}"></td>'
            if tick_form
            else ""
        )
        url = item_url.replace(str(_ITEM_URL_SENTINEL), str(row.item_id))
        parts.append(
            f'<tr data-item-id="{row.item_id}" data-status="{_text(row.status)}" data-light="{_text(row.light)}">'
            f"{tick}"
            f'<td class="col-position">{row.position}</td>'
            f'<td class="col-number">{_text(row.number) if row.number else none}</td>'
            f'<td class="col-title"><a href="{url}">{_text(row.title)}</a></td>'
            f'<td class="col-source" data-source="{_text(row.source_type)}">{_text(row.source_label)}{reference}</td>'
            f"<td>{_text(row.lead_unit)}</td>"
            f"<td>{_text(row.co_units_text) if row.co_units else none}</td>"
            f'<td class="col-date">{row.assigned_on.isoformat() if row.assigned_on else none}</td>'
            f'<td class="col-date">{row.due_date.isoformat() if row.due_date else none}</td>'
            f'<td class="col-progress"{progress_title}>{progress}</td>'
            f"<td>{_text(row.status_label)}</td>"
            f'<td class="col-light">{light}</td>'
            "</tr>\n"
        )
    return mark_safe("".join(parts))
