"""The ledger's order and its keyset paging: every sort order has the id as its last tie-break, and a page starts
just after the row an opaque cursor names (never OFFSET). Nullable keys (an unnumbered item has no number, a
draft no due date) sort last in both directions."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OrderBy, Q, QuerySet
from django.utils import timezone

from ducha.items.models import Item
from ducha.items.selectors import MAX_ID
from ducha.workbench.ledger.filters import DIRECTIONS, SORTS, SORTS_NULLABLE, LedgerFilter, Notice


def ordered(queryset: QuerySet[Item], spec: LedgerFilter) -> QuerySet[Item]:
    columns, nullable = SORTS[spec.sort]
    descending = spec.direction == "desc"
    order: list[OrderBy] = []
    for column in columns:
        expression = F(column)
        if column in nullable:
            order.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
        else:
            order.append(expression.desc() if descending else expression.asc())
    order.append(F("id").desc() if descending else F("id").asc())
    return queryset.order_by(*order)


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: just after the row with these sort-key values and id. `position` is only the
    number of rows before the page (for the 序号 column); the query never uses it."""

    sort: str
    direction: str
    values: tuple[Any, ...]
    item_id: int
    position: int


def encode_cursor(cursor: Cursor) -> str:
    values = [v.isoformat() if isinstance(v, datetime.date) else v for v in cursor.values]
    payload = {
        "s": cursor.sort,
        "d": cursor.direction,
        "k": values,
        "i": cursor.item_id,
        "n": cursor.position,
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Largest values of the integer sort columns (a smallint and an int), so a forged cursor stays a valid query.
CURSOR_INT_MAX = {"number_year": 32767, "number_seq": 2**31 - 1}


def _decode_value(column: str, value: Any) -> Any:
    if value is None:
        if column not in SORTS_NULLABLE:
            raise ValueError(column)
        return None
    if column == "due_date":
        if not isinstance(value, str):
            raise ValueError(column)
        return datetime.date.fromisoformat(value)
    if column == "updated_at":
        if not isinstance(value, str):
            raise ValueError(column)
        stamp = datetime.datetime.fromisoformat(value)
        if timezone.is_naive(stamp):
            raise ValueError(column)
        return stamp
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= CURSOR_INT_MAX[column]:
        raise ValueError(column)
    return value


def decode_cursor(text: str, spec: LedgerFilter) -> tuple[Cursor | None, Notice | None]:
    """The cursor in `text` for the page sorted as `spec` says; a malformed or foreign one → (None, notice)."""
    text = text.strip()
    if not text:
        return None, None
    try:
        if len(text) > 500:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, dict):
            raise ValueError("not an object")
        sort, direction = payload["s"], payload["d"]
        if sort not in SORTS or direction not in DIRECTIONS:
            raise ValueError("sort")
        columns = SORTS[sort][0]
        values = payload["k"]
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError("values")
        item_id, position = payload["i"], payload["n"]
        for number in (item_id, position):
            if isinstance(number, bool) or not isinstance(number, int):
                raise ValueError("number")
        if not 1 <= item_id <= MAX_ID or not 0 <= position <= 10**12:
            raise ValueError("range")
        decoded = tuple(_decode_value(column, value) for column, value in zip(columns, values, strict=True))
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        return None, Notice("cursor", "invalid")
    if (sort, direction) != (spec.sort, spec.direction):
        return None, Notice("cursor", "cursor_mismatch")
    return Cursor(sort, direction, decoded, item_id, position), None


def keyset_after(cursor: Cursor) -> Q:
    """Rows strictly after the cursor in the order of `ordered()` (NULL keys last in both directions):
    the lexicographic "greater than" over (key columns…, id)."""
    columns, nullable = SORTS[cursor.sort]
    descending = cursor.direction == "desc"
    after = Q(pk__in=[])
    equal_so_far = Q()
    for column, value in zip(columns, cursor.values, strict=True):
        if value is None:
            # Nothing comes after NULL in this column: NULLs are last. Stay on the NULL rows.
            equal_so_far &= Q(**{f"{column}__isnull": True})
            continue
        beyond = Q(**{f"{column}__lt" if descending else f"{column}__gt": value})
        if column in nullable:
            beyond |= Q(**{f"{column}__isnull": True})
        after |= equal_so_far & beyond
        equal_so_far &= Q(**{column: value})
    after |= equal_so_far & Q(**{"id__lt" if descending else "id__gt": cursor.item_id})
    return after
