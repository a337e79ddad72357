"""New items (as drafts) from the import template: the template itself (data sheet with drop-down lists and date
formats, instructions, a hidden sheet of lists); `import_parse` reads an upload with openpyxl (read-only),
validates every row and collects the errors per row and column; `import_commit` creates the valid rows as drafts
through `services.item_create`, all in one transaction. Nothing is written by parsing; the views keep the file
between the preview and the confirmation.

A large file is checked and committed in a background job (ducha.workbench.ledger_import): `import_row_estimate`
tells cheaply how many rows a file has (to choose), `import_parse` reports how far it is to a `Steps` (the job's
progress), and `import_commit` calls `on_row` after each row, inside its transaction."""

from __future__ import annotations

import datetime
import re
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from typing import IO, Any, Protocol
from xml.etree import ElementTree

import xlsxwriter
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override, pgettext_lazy
from openpyxl import load_workbook

from ducha.common import error_codes
from ducha.common.errors import DomainError
from ducha.items import services
from ducha.items.models import Confidentiality, Item, SourceType, Urgency
from ducha.items.services import MAX_DEADLINE_WORKDAYS
from ducha.orgs.models import Unit, User
from ducha.workbench.excel.sheets import sheet_name

IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 5000
# Blank rows are skipped, but a sheet cannot make us walk a million of them.
IMPORT_MAX_SHEET_ROWS = 20000
HEADER_SEARCH_ROWS = 5
CO_UNIT_SEPARATORS = re.compile(r"[、,，;；\n]+")
LIST_SHEET = "lists"


@dataclass(frozen=True)
class ImportColumn:
    key: str
    header: Promise
    required: bool
    width: int
    help: Promise


IMPORT_COLUMNS: list[ImportColumn] = [
    ImportColumn(
        "title",
        pgettext_lazy("import column", "Item"),
        True,
        36,
        gettext_lazy("One matter per row; at most 200 characters."),
    ),
    ImportColumn(
        "content", pgettext_lazy("import column", "Content"), False, 40, gettext_lazy("What is to be done.")
    ),
    ImportColumn(
        "requirements",
        pgettext_lazy("import column", "Requirements"),
        False,
        30,
        gettext_lazy("How it is to be done."),
    ),
    ImportColumn(
        "source_type",
        pgettext_lazy("import column", "Source type"),
        True,
        18,
        gettext_lazy("Choose from the drop-down list."),
    ),
    ImportColumn(
        "source_reference",
        pgettext_lazy("import column", "Source reference"),
        False,
        28,
        gettext_lazy("Meeting, instruction, document or proposal number; at most 500 characters."),
    ),
    ImportColumn(
        "source_date",
        pgettext_lazy("import column", "Source date"),
        False,
        14,
        gettext_lazy("A date, e.g. 2026-03-15."),
    ),
    ImportColumn(
        "lead_unit",
        pgettext_lazy("import column", "Lead unit"),
        True,
        24,
        gettext_lazy("The unit's full name, as in the drop-down list."),
    ),
    ImportColumn(
        "co_units",
        pgettext_lazy("import column", "Co-units"),
        False,
        30,
        gettext_lazy("Full names of the co-units, separated by 、 or a comma."),
    ),
    ImportColumn(
        "urgency",
        pgettext_lazy("import column", "Urgency"),
        False,
        12,
        gettext_lazy("Choose from the drop-down list; empty means normal."),
    ),
    ImportColumn(
        "confidentiality",
        pgettext_lazy("import column", "Confidentiality"),
        False,
        12,
        gettext_lazy("Choose from the drop-down list; empty means internal."),
    ),
    ImportColumn(
        "deadline_workdays",
        pgettext_lazy("import column", "Time limit (working days)"),
        False,
        14,
        gettext_lazy(
            "A whole number from 1 to 365, counted from assignment. Fill in this or the completion "
            "date, not both; both empty means the default time limit."
        ),
    ),
    ImportColumn(
        "due_date",
        # The deadline (办结时限), named as in the ledger and its export so an exported file re-imports.
        pgettext_lazy("ledger column", "Deadline"),
        False,
        14,
        gettext_lazy("A date later than today. Fill in this or the working days, not both."),
    ),
]
COLUMNS_BY_KEY = {column.key: column for column in IMPORT_COLUMNS}
# Headers of earlier templates, still read so an old file's deadlines are not silently dropped: the deadline
# column was once headed "Completion date" (办结日期), a name the glossary now keeps for the day an item closed.
LEGACY_HEADERS: dict[str, tuple[str, ...]] = {"due_date": ("Completion date", "办结日期")}


def column_header(column: ImportColumn) -> str:
    return f"{column.header}*" if column.required else str(column.header)


def _choice_labels(choices: Any) -> list[str]:
    return [str(label) for _value, label in choices.choices if _value]


def government_units(government: Unit) -> list[Unit]:
    return list(
        Unit.objects.filter(path__startswith=government.path, is_active=True)
        .only("id", "name", "path")
        .order_by("path")
    )


def import_template(*, government: Unit) -> bytes:
    """The import template: the data sheet (header row, drop-down lists, date formats), the instructions sheet
    and a hidden sheet holding the lists."""
    output = BytesIO()
    workbook = xlsxwriter.Workbook(
        output, {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet(sheet_name(_("Items")))
    help_sheet = workbook.add_worksheet(sheet_name(_("Instructions")))
    lists = workbook.add_worksheet(LIST_SHEET)

    header = workbook.add_format(
        {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    required_header = workbook.add_format(
        {
            "bold": True,
            "bg_color": "#FCE4D6",
            "border": 1,
            "text_wrap": True,
            "valign": "vcenter",
            "font_color": "#A31515",
        }
    )
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    text_format = workbook.add_format({"num_format": "@"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    bold = workbook.add_format({"bold": True})

    unit_names = [unit.name for unit in government_units(government) if unit.pk != government.pk]
    list_values = {
        "source_type": _choice_labels(SourceType),
        "urgency": _choice_labels(Urgency),
        "confidentiality": _choice_labels(Confidentiality),
        "lead_unit": unit_names,
    }
    list_ranges: dict[str, str] = {}
    for list_column, (key, values) in enumerate(list_values.items()):
        for row, value in enumerate(values):
            lists.write_string(row, list_column, value)
        letter = xlsxwriter.utility.xl_col_to_name(list_column)
        list_ranges[key] = f"={LIST_SHEET}!${letter}$1:${letter}${max(len(values), 1)}"
    lists.hide()

    last_row = IMPORT_MAX_ROWS  # rows 2..5001 in Excel's numbering
    for index, column in enumerate(IMPORT_COLUMNS):
        cell_format = date_format if column.key in ("source_date", "due_date") else text_format
        if column.key == "deadline_workdays":
            cell_format = None
        sheet.set_column(index, index, column.width, cell_format)
        sheet.write_string(0, index, column_header(column), required_header if column.required else header)
        sheet.write_comment(0, index, str(column.help))
        if column.key in list_ranges:
            sheet.data_validation(
                1,
                index,
                last_row,
                index,
                {
                    "validate": "list",
                    "source": list_ranges[column.key],
                    "error_title": str(column.header),
                    "error_message": _("Choose a value from the list."),
                },
            )
        elif column.key == "deadline_workdays":
            sheet.data_validation(
                1,
                index,
                last_row,
                index,
                {
                    "validate": "integer",
                    "criteria": "between",
                    "minimum": 1,
                    "maximum": MAX_DEADLINE_WORKDAYS,
                    "error_title": str(column.header),
                    "error_message": str(error_codes.message_for(error_codes.DEADLINE_WORKDAYS_RANGE)),
                },
            )
    sheet.set_row(0, 30)
    sheet.freeze_panes(1, 0)
    sheet.activate()

    help_sheet.set_column(0, 0, 26)
    help_sheet.set_column(1, 1, 10)
    help_sheet.set_column(2, 2, 80)
    help_sheet.write_string(0, 0, _("How to fill in the import template"), bold)
    notes = [
        _(
            "Fill in one item per row on the first sheet, from the second row on; do not change the header row."
        ),
        _("Columns marked * are required."),
        _("Every imported item becomes a draft of your government; check it, then submit it for approval.")
        + " "
        + _("At most %(rows)d rows and %(size)d MB per file.")
        % {"rows": IMPORT_MAX_ROWS, "size": IMPORT_MAX_BYTES // (1024 * 1024)},
        _("Rows with errors are listed with their errors and are never imported."),
    ]
    for row, note in enumerate(notes, start=1):
        help_sheet.write_string(row, 0, note)
    start = len(notes) + 2
    help_sheet.write_string(start, 0, _("Column"), header)
    help_sheet.write_string(start, 1, _("Required"), header)
    help_sheet.write_string(start, 2, _("How to fill it in"), header)
    for offset, column in enumerate(IMPORT_COLUMNS, start=1):
        help_sheet.write_string(start + offset, 0, str(column.header), wrap)
        help_sheet.write_string(start + offset, 1, _("yes") if column.required else "", wrap)
        help_sheet.write_string(start + offset, 2, str(column.help), wrap)
    workbook.close()
    return output.getvalue()


# --- parsing and validation -----------------------------------------------------------------------------------

# Row error codes (stable; the messages are for people).
REQUIRED = "required"
TOO_LONG = "too_long"
UNKNOWN_CHOICE = "unknown_choice"
UNKNOWN_UNIT = "unknown_unit"
AMBIGUOUS_UNIT = "ambiguous_unit"
INVALID_DATE = "invalid_date"
INVALID_NUMBER = "invalid_number"
UNIT_DUPLICATED = error_codes.UNIT_DUPLICATED
CO_UNIT_IS_LEAD = error_codes.CO_UNIT_IS_LEAD
DEADLINE_IN_PAST = error_codes.DEADLINE_IN_PAST
DEADLINE_CONFLICT = error_codes.DEADLINE_CONFLICT
DEADLINE_WORKDAYS_RANGE = error_codes.DEADLINE_WORKDAYS_RANGE
LEAD_IS_GOVERNMENT = error_codes.LEAD_IS_GOVERNMENT

# File error codes.
FILE_REQUIRED = "file_required"
FILE_TOO_LARGE = "file_too_large"
NOT_XLSX = "not_xlsx"
HEADER_MISSING = "header_missing"
NO_ROWS = "no_rows"
TOO_MANY_ROWS = "too_many_rows"

TEXT_LIMITS = {"title": 200, "source_reference": 500}


def file_error_message(code: str, detail: str = "") -> str:
    messages = {
        FILE_REQUIRED: _("Please choose a file to upload."),
        FILE_TOO_LARGE: _("The file is larger than %(size)d MB; split it into smaller files.")
        % {"size": IMPORT_MAX_BYTES // (1024 * 1024)},
        NOT_XLSX: _("This is not an Excel .xlsx file; fill in the template and save it as .xlsx."),
        HEADER_MISSING: _("The header row does not match the template; missing columns: %(columns)s.")
        % {"columns": detail},
        NO_ROWS: _("The file has no rows to import."),
        TOO_MANY_ROWS: _("The file has more than %(rows)d rows; split it into smaller files.")
        % {"rows": IMPORT_MAX_ROWS},
    }
    return messages.get(code, code)


@dataclass(frozen=True)
class RowError:
    column: str  # the column key ("title", "lead_unit", …)
    code: str
    message: str

    @property
    def header(self) -> str:
        return str(COLUMNS_BY_KEY[self.column].header)


@dataclass
class ImportRow:
    number: int  # the row number in Excel
    cells: dict[str, str]  # what the user wrote, as text, for the preview
    errors: list[RowError] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # item_create's arguments when valid

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def cell_list(self) -> list[tuple[str, str, bool]]:
        """(column key, text, has an error) in the template's column order, for the preview."""
        wrong = {error.column for error in self.errors}
        return [
            (column.key, self.cells.get(column.key, ""), column.key in wrong) for column in IMPORT_COLUMNS
        ]


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    file_error: str = ""
    file_error_detail: str = ""

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.is_valid]

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.is_valid]

    @property
    def file_error_message(self) -> str:
        return file_error_message(self.file_error, self.file_error_detail) if self.file_error else ""


class ImportFileError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(code)


# Files filled in with the Chinese labels, or the English originals (e.g. from another system's export).
IMPORT_LANGUAGES = ("zh-hans", "en")


def _normalise(text: str) -> str:
    return re.sub(r"[\s*＊]", "", text).casefold()


def _labels_in_every_language(choices: Any) -> dict[str, str]:
    """code, and its label in Chinese, English and the current language → code."""

    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        if not value:
            continue
        lookup[_normalise(value)] = value
        for language in IMPORT_LANGUAGES:
            with override(language):
                lookup[_normalise(str(label))] = value
        lookup[_normalise(str(label))] = value
    return lookup


def _header_lookup() -> dict[str, str]:

    lookup: dict[str, str] = {}
    for column in IMPORT_COLUMNS:
        lookup[_normalise(column.key)] = column.key
        for language in IMPORT_LANGUAGES:
            with override(language):
                lookup[_normalise(str(column.header))] = column.key
        lookup[_normalise(str(column.header))] = column.key
    for key, legacy in LEGACY_HEADERS.items():
        for text in legacy:
            lookup.setdefault(_normalise(text), key)
    return lookup


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time.min else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


DATE_PATTERNS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")


def _parse_date(value: Any) -> datetime.date | None:
    """A date from a cell: openpyxl gives date cells as datetime (trap 9); text in a few usual formats."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for pattern in DATE_PATTERNS:
            try:
                return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date, no time
            except ValueError:
                continue
    raise ValueError(value)


def _parse_whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(value)


def _read_sheet(fileobj: IO[bytes]) -> Generator[tuple[int, tuple[Any, ...]], None, None]:
    """(Excel row number, cell values) of the data sheet: the template's sheet by name, else the first one."""
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as error:  # zip, XML and openpyxl's own errors all mean "not a readable xlsx"
        raise ImportFileError(NOT_XLSX) from error
    try:
        names = [_normalise(name) for name in workbook.sheetnames]
        wanted = {_normalise(sheet_name(_("Items")))}
        with override("en"):
            wanted.add(_normalise(sheet_name(_("Items"))))
        index = next((i for i, name in enumerate(names) if name in wanted), 0)
        if not workbook.worksheets:
            raise ImportFileError(NO_ROWS)
        sheet = workbook.worksheets[index]
        if not hasattr(sheet, "reset_dimensions"):
            raise ImportFileError(NOT_XLSX)  # a chart sheet
        # The <dimension> element may lie (some tools write A1); read what is really there.
        sheet.reset_dimensions()
        try:
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
                if number > IMPORT_MAX_SHEET_ROWS:
                    raise ImportFileError(TOO_MANY_ROWS)
                yield number, tuple(values)
        except ImportFileError:
            raise
        except Exception as error:
            raise ImportFileError(NOT_XLSX) from error
    finally:
        workbook.close()


def _locate_header(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> dict[int, str]:
    """The position → column key map from the header row, searched in the first rows."""
    lookup = _header_lookup()
    best: dict[int, str] = {}
    for number, values in rows:
        found: dict[int, str] = {}
        for position, value in enumerate(values):
            key = lookup.get(_normalise(_cell_text(value))) if value is not None else None
            if key is not None and key not in found.values():
                found[position] = key
        if len(found) > len(best):
            best = found
        required = {column.key for column in IMPORT_COLUMNS if column.required}
        if required <= set(found.values()):
            return found
        if number >= HEADER_SEARCH_ROWS:
            break
    required_missing = [
        str(column.header) for column in IMPORT_COLUMNS if column.required and column.key not in best.values()
    ]
    raise ImportFileError(HEADER_MISSING, "、".join(required_missing))


class _UnitNames:
    """Units of the government by exact name, looked up in a few queries for the whole file."""

    def __init__(self, government: Unit, names: Iterable[str]) -> None:
        self.by_name: dict[str, list[int]] = {}
        wanted = sorted(set(names))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for pk, name in Unit.objects.filter(
                path__startswith=government.path, is_active=True, name__in=chunk
            ).values_list("pk", "name"):
                self.by_name.setdefault(name, []).append(pk)

    def resolve(self, name: str) -> tuple[int | None, str | None]:
        """(unit id, None) or (None, error code)."""
        ids = self.by_name.get(name, [])
        if not ids:
            return None, UNKNOWN_UNIT
        if len(ids) > 1:
            return None, AMBIGUOUS_UNIT
        return ids[0], None


def _split_units(text: str) -> list[str]:
    return [part.strip() for part in CO_UNIT_SEPARATORS.split(text) if part.strip()]


class Steps(Protocol):
    """How far a long parse is (ducha.jobs.services.Progress is one); `advance` may raise to stop it."""

    def set_stage(self, stage: str, total: int | None = None) -> None: ...

    def advance(self, count: int = 1) -> None: ...


def import_parse(
    fileobj: IO[bytes],
    *,
    government: Unit,
    today: datetime.date | None = None,
    steps: Steps | None = None,
    expected_rows: int | None = None,
) -> ImportPreview:
    """Read and validate every row of an uploaded template. Writes nothing. With `steps`, says how far it is: the
    sheet's rows read (of `expected_rows`, an estimate), then the rows checked."""
    today = today or timezone.localdate()
    try:
        if steps is not None:
            steps.set_stage(_("Reading the rows"), expected_rows)
        raw_rows = _collect_rows(fileobj, steps)
    except ImportFileError as error:
        return ImportPreview(file_error=error.code, file_error_detail=error.detail)
    if not raw_rows:
        return ImportPreview(file_error=NO_ROWS)

    names: list[str] = []
    for _number, values in raw_rows:
        names.append(_cell_text(values.get("lead_unit")))
        names.extend(_split_units(_cell_text(values.get("co_units"))))
    units = _UnitNames(government, [name for name in names if name])
    lookups = {
        "source_type": _labels_in_every_language(SourceType),
        "urgency": _labels_in_every_language(Urgency),
        "confidentiality": _labels_in_every_language(Confidentiality),
    }
    if steps is None:
        rows = [
            _validate_row(number, values, government, units, lookups, today) for number, values in raw_rows
        ]
        return ImportPreview(rows=rows)
    steps.set_stage(_("Checking the rows"), len(raw_rows))
    rows = []
    for number, values in raw_rows:
        rows.append(_validate_row(number, values, government, units, lookups, today))
        steps.advance()
    return ImportPreview(rows=rows)


def _collect_rows(fileobj: IO[bytes], steps: Steps | None = None) -> list[tuple[int, dict[str, Any]]]:
    rows = _read_sheet(fileobj)
    try:
        header = _locate_header(rows)
        collected: list[tuple[int, dict[str, Any]]] = []
        for number, values in rows:
            if steps is not None:
                steps.advance()
            by_key = {key: values[position] for position, key in header.items() if position < len(values)}
            if all(value is None or _cell_text(value) == "" for value in by_key.values()):
                continue
            if len(collected) >= IMPORT_MAX_ROWS:
                raise ImportFileError(TOO_MANY_ROWS)
            collected.append((number, by_key))
        return collected
    finally:
        rows.close()  # closes the workbook even when we stop early


def _validate_row(
    number: int,
    values: dict[str, Any],
    government: Unit,
    units: _UnitNames,
    lookups: dict[str, dict[str, str]],
    today: datetime.date,
) -> ImportRow:
    cells = {column.key: _cell_text(values.get(column.key)) for column in IMPORT_COLUMNS}
    row = ImportRow(number=number, cells=cells)

    def fail(column: str, code: str, message: str) -> None:
        row.errors.append(RowError(column, code, message))

    data: dict[str, Any] = {}
    for column in IMPORT_COLUMNS:
        if column.required and not cells[column.key]:
            fail(column.key, REQUIRED, _("This column is required."))
    for key, limit in TEXT_LIMITS.items():
        if len(cells[key]) > limit:
            fail(
                key,
                TOO_LONG,
                _("At most %(max)d characters (this has %(count)d).")
                % {
                    "max": limit,
                    "count": len(cells[key]),
                },
            )
    data["title"] = cells["title"]
    data["content"] = cells["content"]
    data["requirements"] = cells["requirements"]
    data["source_reference"] = cells["source_reference"]

    for key, default in (
        ("source_type", None),
        ("urgency", Urgency.NORMAL),
        ("confidentiality", Confidentiality.INTERNAL),
    ):
        text = cells[key]
        if not text:
            if default is not None:
                data[key] = str(default)
            continue
        code = lookups[key].get(_normalise(text))
        if code is None:
            fail(key, UNKNOWN_CHOICE, _("“%(value)s” is not one of the listed values.") % {"value": text})
        else:
            data[key] = code

    for key in ("source_date", "due_date"):
        value = values.get(key)
        if value is None or cells[key] == "":
            data[key] = None
            continue
        try:
            data[key] = _parse_date(value)
        except ValueError:
            fail(key, INVALID_DATE, _("Not a date; write it as 2026-03-15 or use a date cell."))
    if data.get("due_date") is not None and data["due_date"] <= today:
        fail("due_date", DEADLINE_IN_PAST, str(error_codes.message_for(DEADLINE_IN_PAST)))

    data["deadline_workdays"] = None
    if cells["deadline_workdays"]:
        try:
            workdays = _parse_whole_number(values.get("deadline_workdays"))
        except ValueError:
            fail("deadline_workdays", INVALID_NUMBER, _("Not a whole number."))
        else:
            if 1 <= workdays <= MAX_DEADLINE_WORKDAYS:
                data["deadline_workdays"] = workdays
            else:
                fail(
                    "deadline_workdays",
                    DEADLINE_WORKDAYS_RANGE,
                    str(error_codes.message_for(DEADLINE_WORKDAYS_RANGE)),
                )
    if cells["deadline_workdays"] and cells["due_date"]:
        fail("due_date", DEADLINE_CONFLICT, str(error_codes.message_for(DEADLINE_CONFLICT)))

    lead_id = None
    if cells["lead_unit"]:
        lead_id, problem = units.resolve(cells["lead_unit"])
        if problem:
            fail("lead_unit", problem, _unit_message(problem, cells["lead_unit"]))
        elif lead_id == government.pk:
            fail("lead_unit", LEAD_IS_GOVERNMENT, str(error_codes.message_for(LEAD_IS_GOVERNMENT)))
            lead_id = None
    data["lead_unit_id"] = lead_id
    co_ids: list[int] = []
    for name in _split_units(cells["co_units"]):
        unit_id, problem = units.resolve(name)
        if problem:
            fail("co_units", problem, _unit_message(problem, name))
        elif unit_id == lead_id:
            fail("co_units", CO_UNIT_IS_LEAD, str(error_codes.message_for(CO_UNIT_IS_LEAD)))
        elif unit_id in co_ids:
            fail("co_units", UNIT_DUPLICATED, str(error_codes.message_for(UNIT_DUPLICATED)))
        elif unit_id is not None:
            co_ids.append(unit_id)
    data["co_unit_ids"] = co_ids
    if row.is_valid:
        row.data = data
    return row


def _unit_message(code: str, name: str) -> str:
    if code == AMBIGUOUS_UNIT:
        return _("Several units are named “%(name)s”; ask the administrator to tell them apart.") % {
            "name": name
        }
    return _("There is no unit named “%(name)s” in your government.") % {"name": name}


# --- commit ---------------------------------------------------------------------------------------------------


class ImportCommitFailed(Exception):
    """A row the preview found valid was refused by item_create; nothing was imported."""

    def __init__(self, row_number: int, error: DomainError) -> None:
        self.row_number = row_number
        self.error = error
        super().__init__(f"row {row_number}: {error}")

    @property
    def message(self) -> str:
        return _("Row %(row)d was refused: %(message)s Nothing was imported.") % {
            "row": self.row_number,
            "message": self.error.message,
        }


def import_commit(
    *, actor: User, rows: Iterable[ImportRow], on_row: Callable[[], None] | None = None
) -> list[Item]:
    """Create every given (valid) row as a draft item through services.item_create, in one transaction: all of
    them or none. A DomainError on any row rolls back all and raises ImportCommitFailed with its row number.
    `on_row` is called after each row, inside the transaction: whatever it raises rolls back every row."""
    created: list[Item] = []
    with transaction.atomic():
        for row in rows:
            if not row.is_valid:
                continue
            data = row.data
            try:
                item = services.item_create(
                    actor=actor,
                    title=data["title"],
                    content=data["content"],
                    requirements=data["requirements"],
                    source_type=data["source_type"],
                    source_reference=data["source_reference"],
                    source_date=data["source_date"],
                    lead_unit_id=data["lead_unit_id"],
                    co_units=[services.CoUnit(unit_id=unit_id) for unit_id in data["co_unit_ids"]],
                    urgency=data["urgency"],
                    confidentiality=data["confidentiality"],
                    deadline_workdays=data["deadline_workdays"],
                    due_date=data["due_date"],
                )
            except DomainError as error:
                raise ImportCommitFailed(row.number, error) from error
            created.append(item)
            if on_row is not None:
                on_row()
    return created


# --- how many rows, cheaply -----------------------------------------------------------------------------------

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_COUNT_CHUNK = 1 << 16


def import_row_estimate(fileobj: IO[bytes]) -> int:
    """How many rows the data sheet holds (the sheet `import_parse` reads), counted from its XML without
    openpyxl: a few hundredths of a second where reading the rows takes seconds. Blank rows written out count too:
    an estimate, to choose between checking at once and in the background. 0 when the file cannot be read so
    (the parse then says what is wrong with it)."""
    position = fileobj.tell()
    try:
        with zipfile.ZipFile(fileobj) as archive:
            path = _data_sheet_path(archive)
            if path is None:
                return 0
            count, tail = 0, b""
            with archive.open(path) as sheet:
                while chunk := sheet.read(_COUNT_CHUNK):
                    buffer = tail + chunk
                    # A tag cut at the chunk's end is counted with the next chunk.
                    cut = max(0, len(buffer) - 16)
                    count += len(_ROW_TAG.findall(buffer, 0, cut))
                    tail = buffer[cut:]
                count += len(_ROW_TAG.findall(tail))
            return count
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError):
        return 0
    finally:
        fileobj.seek(position)


def _data_sheet_path(archive: zipfile.ZipFile) -> str | None:
    """The path in the archive of the sheet `_read_sheet` picks: the template's sheet by name, else the first."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        relation.get("Id"): relation.get("Target", "")
        for relation in relations.iter(f"{_PACKAGE_REL_NS}Relationship")
    }
    sheets = [
        (sheet.get("name", ""), sheet.get(f"{_REL_NS}id")) for sheet in workbook.iter(f"{_MAIN_NS}sheet")
    ]
    if not sheets:
        return None
    wanted = {_normalise(sheet_name(_("Items")))}
    with override("en"):
        wanted.add(_normalise(sheet_name(_("Items"))))
    _name, relation_id = next(((name, rid) for name, rid in sheets if _normalise(name) in wanted), sheets[0])
    target = targets.get(relation_id)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def looks_like_xlsx(fileobj: IO[bytes]) -> bool:
    """A cheap first check before openpyxl: an .xlsx is a zip archive."""
    position = fileobj.tell()
    try:
        return zipfile.is_zipfile(fileobj)
    finally:
        fileobj.seek(position)
