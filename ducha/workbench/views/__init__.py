"""Web pages over the domains' services and selectors: thin views, one module (or package) per area — the item
pages (items), the ledger with its Excel files, the dashboard, the calendar page, the inbox, the inspection
pages (inspections). Each lists its own URLs; ducha/workbench/urls.py joins them."""
