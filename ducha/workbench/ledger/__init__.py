"""台账 (ledger): the filter spec of the ledger page → the user's queryset → keyset pages and rows. The page and the
Excel export share all of it, so an export holds exactly what the page lists, in the same order.

One module per stage: `filters` (GET parameters → LedgerFilter → the user's items narrowed), `cursors` (the
order and keyset paging), `rows` (values → LedgerRow → HTML), `pages` (a page with its bounded count, the count
alone, the export's stream), `form` (what the filter form offers) and `saved` (a user's saved filters). The names
callers use are re-exported here: `ledger.ledger_page`.

Scope comes from `selectors.items_for_user` and every filter here only narrows it. Paging is by keyset (seek)
for every sort order, never OFFSET; counts are bounded: at most COUNT_LIMIT + 1 rows are counted, never the whole
table.
"""

from ducha.workbench.ledger.cursors import Cursor, decode_cursor, encode_cursor
from ducha.workbench.ledger.filters import (
    PRESETS,
    SORTS,
    LedgerFilter,
    Notice,
    SearchText,
    filter_queryset,
    parse_filter,
    parse_unit_id,
)
from ducha.workbench.ledger.form import FilterForm, filter_form, unit_options
from ducha.workbench.ledger.pages import (
    COUNT_LIMIT,
    PAGE_SIZE,
    LedgerCount,
    LedgerPage,
    counts_apart,
    kept_page,
    ledger_count,
    ledger_page,
    ledger_rows,
)
from ducha.workbench.ledger.rows import LedgerRow, rows_html
from ducha.workbench.ledger.saved import (
    SavedFilterError,
    canonical_query,
    saved_filter_delete,
    saved_filter_save,
    saved_filters_for_user,
)

__all__ = [
    "COUNT_LIMIT",
    "PAGE_SIZE",
    "PRESETS",
    "SORTS",
    "Cursor",
    "FilterForm",
    "LedgerCount",
    "LedgerFilter",
    "LedgerPage",
    "LedgerRow",
    "Notice",
    "SavedFilterError",
    "SearchText",
    "canonical_query",
    "counts_apart",
    "decode_cursor",
    "encode_cursor",
    "filter_form",
    "filter_queryset",
    "kept_page",
    "ledger_count",
    "ledger_page",
    "ledger_rows",
    "parse_filter",
    "parse_unit_id",
    "rows_html",
    "saved_filter_delete",
    "saved_filter_save",
    "saved_filters_for_user",
    "unit_options",
]
