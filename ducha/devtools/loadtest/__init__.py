"""The load scenario (`make load`, docs/benchmarks.md): real people at a county's or a province's morning mix —
units' handlers and liaisons on their to-do lists, signing for items and reporting progress, the supervision
office in the ledger and its review queue, leaders on the dashboard — driven by locust against any running Ducha.

- `locustfile.py`: the locust users (run by locust only; it imports no Django);
- `accounts.py`: the accounts file the users sign in with (plain Python, read by the locustfile);
- `pages.py`: the request names the statistics group by, and what the users read from the pages (plain Python);
- `roster.py`: which accounts of a database to use (Django; `ducha load_accounts` writes them to the file).
"""
