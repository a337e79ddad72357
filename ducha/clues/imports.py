"""Reading a batch file of clues (an upper platform's export, the 12345 hotline's daily sheet) into the rows
services.clues_import takes.

Two formats:

- ``.xlsx``: the first sheet, a header row, one clue a row. The columns are named in Chinese or English (内容/text,
  地点/place, 提交时间/submitted_at, 类别/category, 来源/source, 编号/source_ref, 渠道/channel); other columns are
  ignored, blank rows skipped. Dates may be cells of date type or text ("2026-11-18 09:30").
- ``.jsonl``: one JSON object a line with the English keys; blank lines skipped.

Anything else — another extension, a workbook openpyxl cannot open, a line that is not a JSON object, a sheet
without a 内容/text column — is refused with CLUE_IMPORT_FORMAT (naming the line when it is one)."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from typing import Any

from django.utils.translation import gettext as _

from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed

FIELDS = ("text", "place", "submitted_at", "category", "source", "source_ref", "channel")
# Column headers, folded (stripped, lower case), to the row keys services.clues_import reads.
HEADERS = {
    "内容": "text",
    "线索内容": "text",
    "text": "text",
    "地点": "place",
    "place": "place",
    "提交时间": "submitted_at",
    "时间": "submitted_at",
    "submitted_at": "submitted_at",
    "类别": "category",
    "category": "category",
    "来源": "source",
    "source": "source",
    "编号": "source_ref",
    "source_ref": "source_ref",
    "渠道": "channel",
    "channel": "channel",
}


def _refuse(where: str | None = None, detail: str = "") -> ValidationFailed:
    fields = {where: detail or codes.message_for(codes.CLUE_IMPORT_FORMAT)} if where else None
    return ValidationFailed(codes.CLUE_IMPORT_FORMAT, fields=fields)


def _cell(value: Any) -> Any:
    """A cell as the import reads it: text stripped, whole numbers without ".0", dates kept."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx(data: bytes) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise _refuse() from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise _refuse()
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise _refuse()
        columns = [HEADERS.get(str(name or "").strip().lower()) for name in header]
        if "text" not in columns:
            raise _refuse("row 1", _("The header row has no 内容 (text) column."))
        out: list[dict[str, Any]] = []
        for values in rows:
            row = {
                key: _cell(value)
                for key, value in zip(columns, values, strict=False)
                if key is not None and value is not None
            }
            if any(value not in ("", None) for value in row.values()):
                out.append(row)
        return out
    finally:
        workbook.close()


def _jsonl(data: bytes) -> list[dict[str, Any]]:
    try:
        body = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _refuse() from error
    out: list[dict[str, Any]] = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"  # a stable key; the message is the Chinese
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            raise _refuse(where, _("Not a JSON object.")) from None
        if not isinstance(value, dict):
            raise _refuse(where, _("Not a JSON object."))
        out.append({key: value[key] for key in FIELDS if key in value and value[key] is not None})
    return out


def read_rows(name: str, data: bytes) -> list[dict[str, Any]]:
    """The rows of the batch file `name` (its extension decides the format) holding `data`."""
    lowered = (name or "").strip().lower()
    if lowered.endswith(".xlsx"):
        return _xlsx(data)
    if lowered.endswith(".jsonl"):
        return _jsonl(data)
    raise _refuse()
