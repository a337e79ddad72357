"""What the ledger's export and the import template share: the file type, and a valid worksheet name."""

from __future__ import annotations

import re

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet1"
