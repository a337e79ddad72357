"""The item page's record (issue 18): what the page shows of an item that is the same for everyone who may see it —
the item with its units and milestones, the reports, extensions, disputes, attachments, child items, instructions,
the procedure's steps, the reminder log and the timeline — read in one go and kept in the cache between page views.

Everything that depends on who is looking is worked out on every request around it (page.py): whether the user
may see the item at all (scope, in the same query as the record's version), the actions open to them with their
forms, which progress reports they may read, which child items, the instruction and procedure forms, the upload
form, the CSRF token. The record holds no form and nothing of the user.

The record's version (PostgreSQL): the transaction ids (`xmin`) of every row it shows — the item, its parent,
its assignments, milestones, reports, extension requests, disputes, attachments, instructions, on-site checks,
consolidated reports, plans, re-checks, child items and their assignments, reminders and 催办, the messages those
reminders went out in and their deliveries — counted and summed per table, and the number and last id of its
audit events (append-only). Any committed write of any of those rows, by whatever code, gives a new transaction
id and so a new version: the next page load misses the cache and reads the record afresh. Not in the version: the
names of people and units (a rename shows within fragments.FRAGMENT_SECONDS) and the working-day calendar (the
"days left" are worked out on every request). Secret items are never cached (each read of one is logged anyway),
nor is anything on another database than PostgreSQL (the embedded SQLite default has no transaction ids to read:
its pages are read as before).

tests/workbench/test_item_record_cache.py checks that a change of each kind shows on the next page load, that
every table the record reads is versioned, and that no user is served a record they may not see.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Model, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.utils import timezone

from ducha.audit.models import Event
from ducha.items import procedure_selectors, selectors
from ducha.items.models import (
    Assignment,
    Attachment,
    Confidentiality,
    ConsolidatedReport,
    Dispute,
    ExtensionRequest,
    Instruction,
    Item,
    Milestone,
    Plan,
    Recheck,
    Report,
    SiteCheck,
)
from ducha.items.procedure_selectors import ItemProcedure
from ducha.items.services.instructions import item_instructions
from ducha.reminders.models import Chase, Delivery, Message, Reminder
from ducha.reminders.selectors import item_reminder_log, item_timeline
from ducha.workbench.fragments import fetch, fragment_key, keep

# The record's sections rendered once (no user, no request): template → what it reads from the record.
SECTIONS = {
    "facts": "items/record/facts.html",
    "units": "items/record/units.html",
    "milestones": "items/record/milestones.html",
    "extensions": "items/record/extensions.html",
    "disputes": "items/record/disputes.html",
    "attachments": "items/record/attachments.html",
    "reminders": "items/record/reminders.html",
    "timeline": "items/record/timeline.html",
}


@dataclass
class ItemRecord:
    """An item as its page shows it to anyone who may see it. `html` holds the sections rendered already;
    the objects are those the page's user-dependent parts still read (the forms, the filtered lists)."""

    item: Item  # with government, parent, delegating unit, approver, assignments (units, signers), milestones
    reports: list[Report]
    extensions: list[ExtensionRequest]
    disputes: list[Dispute]
    attachments: list[Attachment]
    has_children: bool  # the page reads the child items the user may see (selectors.item_children)
    instructions: list[Instruction]
    procedure: ItemProcedure
    today: datetime.date
    html: dict[str, str] = field(default_factory=dict)


def _facts_context(item: Item) -> dict[str, Any]:
    from ducha.workbench.views.items.page import item_facts, item_texts  # the page imports this module

    return {"facts": item_facts(item), "texts": item_texts(item)}


def load_record(item: Item, *, today: datetime.date | None = None) -> ItemRecord:
    """The record of `item` (fetched in scope, with selectors._with_related), read and rendered now."""
    today = today or timezone.localdate()
    assignments = list(item.assignments.all())
    prefetch_related_objects(assignments, "signed_by")
    for assignment in assignments:
        assignment.light_today = assignment.light_on(today)  # type: ignore[attr-defined]
    record = ItemRecord(
        item=item,
        reports=list(selectors.item_reports(item)),
        extensions=list(selectors.item_extensions(item)),
        disputes=list(selectors.item_disputes(item)),
        attachments=list(selectors.item_attachments(item)),
        has_children=Item.objects.filter(parent=item).exists(),
        instructions=list(item_instructions(item)),
        procedure=procedure_selectors.item_procedure(item),
        today=today,
    )
    context = {
        "item": item,
        "assignments": assignments,
        "record": record,
        "timeline": item_timeline(item),
        "reminder_log": item_reminder_log(item, limit=100),
        **_facts_context(item),
    }
    record.html = {name: render_to_string(template, context) for name, template in SECTIONS.items()}
    return record


# --- the version --------------------------------------------------------------------------------------------------


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _rows_version(model: type[Model], where: str) -> str:
    """How many rows of `model` match `where` and the sum of their transaction ids."""
    return f"(SELECT count(*) || '.' || coalesce(sum(r.xmin::text::bigint), 0) FROM {_table(model)} r WHERE {where})"


def version_sql() -> str:
    """The SQL expression (PostgreSQL) of an item's record version, for the item row of the outer query."""
    item = _table(Item)
    this = f'{item}."id"'
    by_item: list[type[Model]] = [Assignment, Milestone, Report, ExtensionRequest, Dispute, Attachment]
    by_item += [Instruction, SiteCheck, ConsolidatedReport, Recheck, Chase, Reminder]
    reminder_pairs = (
        f"SELECT DISTINCT p.run_id, p.recipient_id FROM {_table(Reminder)} p WHERE p.item_id = {this}"
    )
    parts = [
        f"{item}.xmin::text",
        f'(SELECT p.xmin::text FROM {item} p WHERE p.id = {item}."parent_id")',
        *(_rows_version(model, f"r.item_id = {this}") for model in by_item),
        _rows_version(
            Plan, f"r.assignment_id IN (SELECT a.id FROM {_table(Assignment)} a WHERE a.item_id = {this})"
        ),
        _rows_version(Item, f"r.parent_id = {this}"),
        _rows_version(Assignment, f"r.item_id IN (SELECT c.id FROM {item} c WHERE c.parent_id = {this})"),
        f"(SELECT count(*) || '.' || coalesce(max(e.id), 0) FROM {_table(Event)} e "
        f"WHERE e.subject_type = 'item' AND e.subject_id = {this})",
        _rows_version(Message, f"(r.run_id, r.recipient_id) IN ({reminder_pairs})"),
        _rows_version(
            Delivery,
            f"r.message_id IN (SELECT m.id FROM {_table(Message)} m "
            f"WHERE (m.run_id, m.recipient_id) IN ({reminder_pairs}))",
        ),
    ]
    return "concat_ws(',', " + ", ".join(parts) + ")"


_probe: selectors.ItemProbe | None = None


def probe() -> selectors.ItemProbe:
    """The item's confidentiality and its record's version, if the user may see it (one query)."""
    global _probe
    if _probe is None:
        _probe = selectors.ItemProbe(["confidentiality"], version=RawSQL(version_sql(), ()))
    return _probe


def caching_records() -> bool:
    return connection.vendor == "postgresql"


def record_key(item_id: int, version: str, today: datetime.date) -> str:
    return fragment_key("item-record", item_id, version, today.isoformat())


class NotVisible(Exception):
    """The user may not see the item (or it does not exist)."""


def cached_record(user: Any, item_id: int) -> ItemRecord | None:
    """The record of the item from the cache (read and kept on a miss), or None when it is not to be cached (a
    secret item, another database than PostgreSQL). Raises NotVisible when the user may not see the item."""
    if not caching_records():
        return None
    found = probe()(user, item_id)
    if found is None:
        raise NotVisible
    if found["confidentiality"] == Confidentiality.SECRET:
        return None
    today = timezone.localdate()
    key = record_key(item_id, found["version"], today)
    record: ItemRecord | None = fetch(key)
    if record is None:
        item = selectors.get_item_for_user(user, item_id, record_view=False)
        record = load_record(item, today=today)
        keep(key, record)
    return record
