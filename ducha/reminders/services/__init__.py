"""Writes of the reminders app, one module per stage (rules, sweeper, messages, deliveries, notices, inbox): the periodic sweep, event notices, manual 催办, named trackers, the inbox,
channel preferences, and the delivery of messages on external channels.

How a reminder goes out exactly once
------------------------------------
1. The sweep computes the due reminders in SQL, one `INSERT … SELECT … ON CONFLICT DO NOTHING` per rule step and
   audience, into `Reminder`, whose unique key is (item, unit, recipient, kind, period). A row that exists already
   (an earlier or an overlapping sweep wrote it) is skipped by the database, not by a check in Python.
2. Only the rows this run inserted (they carry its run id) become messages: one digest per recipient per run, and
   per message one `Delivery` per external channel the recipient chose or the office made mandatory.
3. Steps 1-2 are one transaction. A sweep killed before the commit leaves nothing; after it, everything — the
   deliveries are sent afterwards by tasks, and any a crash left unsent are picked up by the next sweep's dispatch.
   Concurrent sweeps queue on a transaction-scoped advisory lock (PostgreSQL) or the write lock (SQLite), and the
   unique key holds even without them.
4. A delivery is claimed by a conditional UPDATE before it is sent (two workers never send the same one); one
   `DeliveryAttempt` per try; exponential backoff; a dead letter after the last attempt. A worker that dies while
   sending leaves the outcome unknown: the delivery is dead-lettered, not resent (at most once), and an
   administrator may retry it.

Timing: a sweep acts only inside the sending window (a working day, from the start of office hours); a reminder
whose trigger falls on a rest day or before that waits for the next working day's start. Triggers are monotone
in one stored column, so each rule step becomes one range condition (see timing.py). Notices and 催办 are written
at once (the inbox shows them), while their external deliveries wait for the window too.
"""

from ducha.reminders.selectors import channels_for  # a read, kept here for callers
from ducha.reminders.services.base import (
    DISPATCH_BATCH,
    RECTIFICATION,
    REMINDER_COLUMNS,
    REQUEUE_AFTER,
    RUNNING,
    SENDING_LEASE,
    SWEEP_LOCK_KEY,
    UNIT_AUDIENCE_ROLES,
    RunSummary,
    SweepResult,
)
from ducha.reminders.services.deliveries import (
    backoff,
    deliveries_dispatch,
    deliveries_enqueue,
    delivery_attempt,
    delivery_retry,
)
from ducha.reminders.services.inbox import (
    inbox_mark_all_read,
    mandatory_channels_set,
    message_mark_read,
    preferences_set,
)
from ducha.reminders.services.notices import (
    CHASE_AUDIENCES,
    CHASE_TEXT_MAX,
    CHASEABLE,
    NOTICE_EVENTS,
    chase_send,
    items_batch_chase,
    notice_send,
    tracker_set,
)
from ducha.reminders.services.rules import DELEGATOR_REVIEWS, rule_sets
from ducha.reminders.services.sweeper import sweep

__all__ = [
    "CHASEABLE",
    "CHASE_AUDIENCES",
    "CHASE_TEXT_MAX",
    "DELEGATOR_REVIEWS",
    "DISPATCH_BATCH",
    "NOTICE_EVENTS",
    "RECTIFICATION",
    "REMINDER_COLUMNS",
    "REQUEUE_AFTER",
    "RUNNING",
    "SENDING_LEASE",
    "SWEEP_LOCK_KEY",
    "UNIT_AUDIENCE_ROLES",
    "RunSummary",
    "SweepResult",
    "backoff",
    "channels_for",
    "chase_send",
    "deliveries_dispatch",
    "deliveries_enqueue",
    "delivery_attempt",
    "delivery_retry",
    "inbox_mark_all_read",
    "items_batch_chase",
    "mandatory_channels_set",
    "message_mark_read",
    "notice_send",
    "preferences_set",
    "rule_sets",
    "sweep",
    "tracker_set",
]
