"""What the reminder services share: constants, results, and the SQL building blocks that write reminders."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    CharField,
    DateTimeField,
    Expression,
    F,
    IntegerField,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Concat

from ducha.items.lifecycle import ItemStatus
from ducha.orgs.models import Role
from ducha.reminders.models import (
    Audience,
    Reminder,
    ReminderRun,
)

logger = logging.getLogger("ducha.reminders.services")

RUNNING = sorted(ItemStatus.running())
# A delivery claimed this long ago and still "sending" belonged to a worker that died.
SENDING_LEASE = dt.timedelta(minutes=15)
# A delivery queued this long ago and still waiting is queued again (the queue may have lost it).
REQUEUE_AFTER = dt.timedelta(minutes=10)
DISPATCH_BATCH = 5000
SWEEP_LOCK_KEY = 7_240_513_001  # pg_advisory_xact_lock key of the sweep

# Test hook: `DUCHA_SWEEP_TEST_PAUSE=after_insert|after_commit` makes a sweep write the file named by
# `DUCHA_SWEEP_TEST_MARKER` and sleep there, so that a test can kill it at that very point.
_PAUSE_ENV = "DUCHA_SWEEP_TEST_PAUSE"
_MARKER_ENV = "DUCHA_SWEEP_TEST_MARKER"

# The unit's roles a reminder may go to; each role has its audience's name, so one join with the unit's users
# serves all of them.
UNIT_AUDIENCE_ROLES: dict[str, str] = {
    Audience.LIAISON: Role.LIAISON,
    Audience.HANDLER: Role.HANDLER,
    Audience.UNIT_HEAD: Role.UNIT_HEAD,
}
assert all(audience == role for audience, role in UNIT_AUDIENCE_ROLES.items())
# In place of an item path: the base queryset is of inspection rectifications (整改), whose deadlines follow the
# items' rules. Their office is the inspection's government's, their leader the inspection's approver.
RECTIFICATION = "@rectification"
# Reminder's columns, in the order _rows selects them.
REMINDER_COLUMNS = [
    "item_id",
    "rectification_id",
    "unit_id",
    "recipient_id",
    "audience",
    "kind",
    "period",
    "step",
    "due_date",
    "chase_id",
    "created_at",
    "run_id",
]


@dataclass
class SweepResult:
    at: dt.datetime
    in_window: bool
    run_id: int | None = None
    inserted: dict[str, int] = field(default_factory=dict)
    messages: int = 0
    deliveries: int = 0
    dispatched: int = 0
    dead_lettered: int = 0
    seconds: float = 0.0

    @property
    def reminders(self) -> int:
        return sum(self.inserted.values())


@dataclass(frozen=True)
class RunSummary:
    reminders: int
    messages: int
    deliveries: list[int]


# --- SQL building blocks --------------------------------------------------------------------------------------


def _const(value: Any, output_field: Any) -> Expression:
    """A constant in a SELECT that feeds an INSERT. PostgreSQL types an untyped literal as text there, so it gets
    an explicit cast; SQLite takes the value as it is."""
    expression = Value(value, output_field=output_field)
    if connection.vendor == "postgresql":
        return Cast(expression, output_field)
    return expression


def _text(expression: Any) -> Expression:
    return Cast(expression, CharField())


def _insert_reminders(rows: QuerySet) -> int:
    """One `INSERT … SELECT … ON CONFLICT DO NOTHING` into Reminder: the unique key skips every reminder sent
    already (one index probe per candidate, however large the table grows) and any that another connection writes
    meanwhile. Every row carries its run's id: a run's reminders are exactly those rows."""
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in REMINDER_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Reminder._meta.db_table)} ({columns}) {sql} ON CONFLICT DO NOTHING", params
        )
        return max(cursor.rowcount, 0)


def _rows(
    base: QuerySet,
    *,
    item: str,
    unit: str,
    audiences: list[str],
    kind: str,
    period: Expression,
    step: int,
    run: ReminderRun,
    chase_id: int | None = None,
) -> QuerySet | None:
    """The reminder rows for `audiences` over `base` (assignments, reports or extension requests), with the
    columns of REMINDER_COLUMNS in order. `item` and `unit` are the paths from the base model to the item (or
    RECTIFICATION: the base is of rectifications) and to the unit the reminder is about. `audiences` is either
    some of the unit's roles (liaison, handlers, head — one join with the unit's users, whose role names the
    audience) or a single other audience."""
    audience: Expression | F
    is_rectification = item == RECTIFICATION
    owner = "inspection" if is_rectification else item  # what has the government and the approver
    if all(a in UNIT_AUDIENCE_ROLES for a in audiences):
        users = f"{unit}__users"
        base = base.filter(
            **{
                f"{users}__is_active": True,
                f"{users}__role_grants__role__in": [UNIT_AUDIENCE_ROLES[a] for a in audiences],
            }
        )
        recipient = F(f"{users}__id")
        # The role's name is the audience's (see UNIT_AUDIENCE_ROLES).
        audience = F(f"{users}__role_grants__role")
    elif audiences == [Audience.OFFICE]:
        users = f"{owner}__government__member_units__users"
        base = base.filter(**{f"{users}__is_active": True, f"{users}__role_grants__role": Role.OFFICE})
        recipient = F(f"{users}__id")
        audience = _const(Audience.OFFICE, CharField())
    elif audiences == [Audience.LEADER]:
        base = base.filter(**{f"{owner}__approver__is_active": True})
        recipient = F(f"{owner}__approver_id")
        audience = _const(Audience.LEADER, CharField())
    elif audiences == [Audience.TRACKER] and not is_rectification:
        base = base.filter(**{f"{item}__tracker__user__is_active": True})
        recipient = F(f"{item}__tracker__user_id")
        audience = _const(Audience.TRACKER, CharField())
    else:
        return None
    return (
        base.order_by()
        .annotate(
            r_item=_const(None, BigIntegerField()) if is_rectification else F(f"{item}_id"),
            r_rectification=F("id") if is_rectification else _const(None, BigIntegerField()),
            r_unit=F(f"{unit}_id"),
            r_recipient=recipient,
            r_audience=audience,
            r_kind=_const(kind, CharField()),
            r_period=period,
            r_step=_const(step, IntegerField()),
            r_due_date=F("due_date") if is_rectification else F(f"{item}__due_date"),
            r_chase=_const(chase_id, BigIntegerField()),
            r_created_at=_const(run.at, DateTimeField()),
            r_run=_const(run.pk, BigIntegerField()),
        )
        .values_list(
            "r_item",
            "r_rectification",
            "r_unit",
            "r_recipient",
            "r_audience",
            "r_kind",
            "r_period",
            "r_step",
            "r_due_date",
            "r_chase",
            "r_created_at",
            "r_run",
        )
    )


def _insert_for(
    run: ReminderRun,
    base: QuerySet,
    audiences: Iterable[str],
    *,
    item: str,
    unit: str,
    kind: str,
    period: Expression,
    step: int,
    chase_id: int | None = None,
) -> int:
    """Write the reminders of one rule step: one statement for the unit's roles together, one for each other
    audience."""
    wanted = list(dict.fromkeys(audiences))
    in_unit = [a for a in wanted if a in UNIT_AUDIENCE_ROLES]
    groups = ([in_unit] if in_unit else []) + [[a] for a in wanted if a not in UNIT_AUDIENCE_ROLES]
    total = 0
    for group in groups:
        rows = _rows(
            base,
            item=item,
            unit=unit,
            audiences=group,
            kind=kind,
            period=period,
            step=step,
            run=run,
            chase_id=chase_id,
        )
        if rows is not None:
            total += _insert_reminders(rows)
    return total


def _period(*parts: Any) -> Expression:
    """A period key assembled in SQL from constants and columns (e.g. the due date and the step)."""
    expressions = [_const(part, CharField()) if isinstance(part, str) else _text(part) for part in parts]
    return expressions[0] if len(expressions) == 1 else Concat(*expressions, output_field=CharField())


def _test_pause(point: str) -> None:
    if os.environ.get(_PAUSE_ENV) != point:
        return
    marker = os.environ.get(_MARKER_ENV)
    if marker:
        with open(marker, "w") as handle:
            handle.write(str(os.getpid()))
    time.sleep(600)
