"""Turning a run's reminders into messages: one digest per recipient per run."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Count,
)
from django.utils import timezone
from django.utils.translation import ngettext, override

from ducha.reminders.models import (
    Message,
    Reminder,
    ReminderKind,
    ReminderRun,
)
from ducha.reminders.selectors import message_lines
from ducha.reminders.services.base import RunSummary, _test_pause
from ducha.reminders.services.deliveries import _deliveries_create, deliveries_enqueue

# --- turning a run's reminders into messages ------------------------------------------------------------------


def _digest(run: ReminderRun) -> dict[int, dict[str, int]]:
    """One message per recipient for the run's reminders: how many of each kind, with a subject; its lines are
    the reminders themselves (see selectors.message_lines). Counted in SQL, so the work in Python is one row per
    recipient, however many reminders the run wrote. Returns {recipient: {kind: reminders}}."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = Reminder.objects.filter(run=run).values_list("recipient_id", "kind").annotate(n=Count("id"))
    for recipient, kind, count in rows.order_by():
        counts[recipient][kind] = count
    if not counts:
        return {}
    messages = []
    with override(settings.LANGUAGE_CODE):
        for recipient, kinds in counts.items():
            messages.append(
                Message(
                    run=run,
                    recipient_id=recipient,
                    subject=_subject(kinds),
                    line_count=sum(kinds.values()),
                    created_at=run.at,
                )
            )
        Message.objects.bulk_create(messages, batch_size=2000)
        _subjects_for_single_lines(run)
    return counts


def _subject(kind_counts: dict[str, int]) -> str:
    total = sum(kind_counts.values())
    if total == 1:
        return str(ReminderKind(next(iter(kind_counts))).label)
    return ngettext("%(count)d supervision reminder", "%(count)d supervision reminders", total) % {
        "count": total
    }


def _subjects_for_single_lines(run: ReminderRun) -> None:
    """A message about one item names it in the subject (its number, or its title unless it is secret)."""
    single = list(Message.objects.filter(run=run, line_count=1))
    if not single:
        return
    lines = message_lines(single, limit=1)
    for message in single:
        first = (lines.get(message.pk) or [{}])[0]
        reference = first.get("number") or ("" if first.get("is_secret") else first.get("title", ""))
        message.subject = f"{message.subject}: {reference}".strip(": ")[:200]
    Message.objects.bulk_update(single, ["subject"], batch_size=2000)


def _run_finish(run: ReminderRun, *, counts: dict[str, Any] | None = None) -> RunSummary:
    """Digest the run's new reminders, create the deliveries and (after the commit) queue those that are due
    now. The reminders are their own record: timelines read them (selectors.reminder_timeline)."""
    counts_by_recipient = _digest(run)
    messages = len(counts_by_recipient)
    deliveries = _deliveries_create(run, counts_by_recipient) if messages else []
    run.status = ReminderRun.Status.DONE
    run.finished_at = timezone.now()
    run.counts = {**(counts or {}), "messages": messages, "deliveries": len(deliveries)}
    run.save(update_fields=["status", "finished_at", "counts"])

    def after_commit() -> None:
        _test_pause("after_commit")
        deliveries_enqueue(deliveries)

    transaction.on_commit(after_commit, robust=True)
    return RunSummary(reminders=0, messages=messages, deliveries=deliveries)
