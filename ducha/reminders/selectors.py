"""Reads of the reminders app: the inbox, an item's reminder log, a unit's record, dead letters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from ducha.audit.models import Event, EventType
from ducha.common.errors import NotFound
from ducha.inspections import selectors as inspection_selectors
from ducha.inspections.models import Inspection, Rectification
from ducha.items import selectors as item_selectors
from ducha.items.models import Confidentiality, Item
from ducha.orgs.models import User
from ducha.reminders import channels
from ducha.reminders.models import (
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    MandatoryChannel,
    Message,
    Reminder,
    ReminderKind,
)
from ducha.workcalendar.services import workdays_between

UNREAD_CAP = 99
# Lines of a message shown in the inbox and sent on a channel; the message counts all of its reminders.
MESSAGE_LINES = 20
# Lines on a message's own page: every reminder of any real digest (a unit's day rarely brings more).
MESSAGE_PAGE_LINES = 2000
# Kinds in the order a message lists them: the most pressing first.
KIND_ORDER = [
    ReminderKind.CHASE,
    ReminderKind.OVERDUE,
    ReminderKind.DUE_TODAY,
    ReminderKind.DUE_SOON,
    ReminderKind.NOT_SIGNED,
    ReminderKind.PROGRESS_DUE,
    ReminderKind.REPORT_CHECK,
    ReminderKind.REVIEW,
    ReminderKind.EXTENSION,
    ReminderKind.ASSIGNED,
]


def unread_count(user: User, *, cap: int = UNREAD_CAP) -> int:
    """The user's unread messages, counted up to `cap` (the badge shows "99+"): a bounded, indexed count."""
    return len(
        Message.objects.filter(recipient=user, read_at__isnull=True).values_list("id", flat=True)[: cap + 1]
    )


@dataclass(frozen=True)
class InboxPage:
    messages: list[Message]
    next_cursor: int | None


def inbox_page(
    user: User, *, unread_only: bool = False, cursor: int | None = None, limit: int = 30
) -> InboxPage:
    """The user's messages, newest first, paged by keyset on id."""
    queryset = Message.objects.filter(recipient=user)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    if cursor is not None:
        queryset = queryset.filter(id__lt=cursor)
    rows = list(queryset.order_by("-id")[: limit + 1])
    messages = rows[:limit]
    with_lines(messages)
    return InboxPage(messages=messages, next_cursor=rows[limit - 1].pk if len(rows) > limit else None)


def message_for_user(user: User, message_id: int, *, limit: int | None = None) -> Message:
    message = Message.objects.filter(pk=message_id, recipient=user).first()
    if message is None:
        raise NotFound()
    with_lines([message], limit=limit)
    return message


def _line_label(kind: str, due_date: dt.date | None, today: dt.date) -> str:
    if kind == ReminderKind.OVERDUE and due_date is not None:
        days = max(workdays_between(due_date, today), 1)
        return ngettext("overdue by %(days)d working day", "overdue by %(days)d working days", days) % {
            "days": days
        }
    return str(ReminderKind(kind).label)


def _of_messages(pairs: Iterable[tuple[int, int]]) -> Q:
    """Reminders of the messages given as (run, recipient): one condition per run, on the (run, recipient) index."""
    recipients_by_run: dict[int, list[int]] = {}
    for run_id, recipient_id in pairs:
        recipients_by_run.setdefault(run_id, []).append(recipient_id)
    condition = Q()
    for run_id, recipients in recipients_by_run.items():
        condition |= Q(run_id=run_id, recipient_id__in=recipients)
    return condition


def message_lines(messages: list[Message], *, limit: int | None = None) -> dict[int, list[dict[str, Any]]]:
    """The lines of each message: its reminders (the run's reminders of its recipient), the most pressing
    first, at most `limit` per message, in one query (a window over the (run, recipient) index). A line:
    {item, rectification, url, number, title, is_secret, kind, step, label, due_date, unit, note}; a
    rectification's line has no item, and its inspection's topic and finding as title."""
    limit = MESSAGE_LINES if limit is None else limit
    by_pair = {(m.run_id, m.recipient_id): m for m in messages if m.run_id is not None}
    if not by_pair:
        return {}
    pairs = _of_messages(by_pair)
    rank = Case(
        *[When(kind=kind, then=Value(position)) for position, kind in enumerate(KIND_ORDER)],
        default=Value(len(KIND_ORDER)),
        output_field=IntegerField(),
    )
    rows = (
        Reminder.objects.filter(pairs)
        .annotate(
            line=Window(
                RowNumber(),
                partition_by=[F("run_id"), F("recipient_id")],
                order_by=[rank.asc(), F("due_date").asc(nulls_last=True), F("item_id").asc(), F("id").asc()],
            )
        )
        .filter(line__lte=limit)
        .order_by("run_id", "recipient_id", "line")
        .values_list(
            "run_id",
            "recipient_id",
            "item_id",
            "kind",
            "step",
            "due_date",
            "item__number",
            "item__title",
            "item__confidentiality",
            "unit__name",
            "chase__text",
            "rectification_id",
            "rectification__inspection_id",
            "rectification__inspection__topic",
            "rectification__finding__title",
        )
    )
    result: dict[int, list[dict[str, Any]]] = {m.pk: [] for m in by_pair.values()}
    labels: dict[tuple[str, dt.date | None, dt.date], str] = {}
    with override(settings.LANGUAGE_CODE):
        for row in rows:
            run_id, recipient_id, item, kind, step, due, number, title, secrecy, unit, note = row[:11]
            rectification, inspection, topic, finding = row[11:]
            message = by_pair[(run_id, recipient_id)]
            today = timezone.localtime(message.created_at).date()
            label = labels.get((kind, due, today))
            if label is None:
                label = labels[(kind, due, today)] = _line_label(kind, due, today)
            if rectification is not None:  # an inspection's rectification (整改)
                number, title = str(_("Rectification")), f"{topic}：{finding}"
                url = f"{reverse('inspections:detail', args=[inspection])}#rectification-{rectification}"
            else:
                url = reverse("item-detail", args=[item])
            result[message.pk].append(
                {
                    "item": item,
                    "rectification": rectification,
                    "url": url,
                    "number": number,
                    "title": title,
                    "is_secret": secrecy == Confidentiality.SECRET,
                    "kind": kind,
                    "step": step,
                    "label": label,
                    "due_date": due.isoformat() if due else None,
                    "unit": unit,
                    "note": note or "",
                }
            )
    return result


def with_lines(messages: list[Message], *, limit: int | None = None) -> list[Message]:
    """Attach each message's lines (`message.lines`) for the inbox, the API and the channels."""
    lines = message_lines(messages, limit=limit)
    for message in messages:
        message.lines = lines.get(message.pk, [])
    return messages


def message_text(message: Message) -> str:
    """The message as plain text (its lines, how many more, where to act) — what an e-mail carries."""
    if not hasattr(message, "lines"):
        with_lines([message])
    outgoing = channels.Outgoing(
        subject=message.subject,
        lines=message.lines,
        line_count=message.line_count,
        target="",
        inbox_url=f"{settings.DUCHA_SITE_URL}/inbox/",
    )
    return channels.plain_body(outgoing, external=False)


def reminder_timeline(*, item: Item | None = None, inspection_id: int | None = None) -> list[Event]:
    """The reminders of an item — or of an inspection's rectifications — as timeline entries, one per run, kind
    and step (who was reminded, on which channel and whether it was read: the reminder log). The reminders are
    the record: the sweep does not copy them into the audit log, so these entries are built from them (unsaved
    events, without id). A 催办 has its own audit event (item_chased) and is left out here."""
    if item is not None:
        queryset = Reminder.objects.filter(item=item)
        event_type, subject_type, subject_id = EventType.ITEM_REMINDED, "item", item.pk
    elif inspection_id is not None:
        rectifications = Rectification.objects.filter(inspection_id=inspection_id).values("pk")
        queryset = Reminder.objects.filter(rectification_id__in=rectifications)
        event_type, subject_type, subject_id = EventType.RECTIFICATION_REMINDED, "inspection", inspection_id
    else:
        return []
    rows = (
        queryset.exclude(kind=ReminderKind.CHASE)
        .values("run_id", "rectification_id", "kind", "step", "created_at")
        .annotate(recipients=Count("id"))
        .order_by("created_at", "run_id", "rectification_id", "kind", "step")
    )
    entries = []
    for row in rows:
        new: dict[str, Any] = {"kind": row["kind"], "step": row["step"], "run": row["run_id"]}
        if row["rectification_id"] is not None:
            new["rectification"] = row["rectification_id"]
        new["recipients"] = row["recipients"]
        entries.append(
            Event(
                event_type=event_type,
                subject_type=subject_type,
                subject_id=subject_id,
                created_at=row["created_at"],
                old={},
                new=new,
                comment=str(ReminderKind(row["kind"]).label),
            )
        )
    return entries


def with_reminders(events: list[Event], entries: list[Event]) -> list[Event]:
    """Audit events and reminder entries in one timeline, oldest first (an event before an entry of its time)."""
    return sorted([*events, *entries], key=lambda event: event.created_at)


def item_timeline(item: Item) -> list[Event]:
    """The item's whole timeline, oldest first: its audit events (ducha.items.selectors) and the reminders sent
    about it. The items domain does not know reminders; the pages and the API read the timeline from here."""
    return with_reminders(item_selectors.item_timeline(item), reminder_timeline(item=item))


def inspection_timeline(inspection: Inspection, user: User) -> list[Event]:
    """The inspection's whole timeline as `user` may see it, oldest first: its audit events
    (ducha.inspections.selectors; a target view sees none) and the reminders sent about its rectifications. The
    inspections domain does not know reminders; the pages and the API read the timeline from here."""
    if not inspection_selectors.has_full_view(inspection, user):
        return []
    return with_reminders(
        inspection_selectors.inspection_timeline(inspection, user),
        reminder_timeline(inspection_id=inspection.pk),
    )


def item_reminder_log(item: Item, *, limit: int = 100) -> list[Reminder]:
    """The item's latest reminders and 催办: who was reminded of what, when, how (the message's deliveries) and
    whether it was read. Each reminder gets `message`: the message it went out in (its run's, to its
    recipient), or None."""
    reminders = list(
        Reminder.objects.filter(item=item)
        .select_related("recipient", "unit", "chase__actor")
        .order_by("-created_at", "-id")[:limit]
    )
    pairs = {(r.run_id, r.recipient_id) for r in reminders if r.run_id is not None}
    messages: dict[tuple[int | None, int], Message] = {}
    if pairs:
        for message in Message.objects.filter(_of_messages(pairs)).prefetch_related(
            Prefetch("deliveries", queryset=Delivery.objects.order_by("channel"))
        ):
            messages[(message.run_id, message.recipient_id)] = message
    for reminder in reminders:
        reminder.message = messages.get((reminder.run_id, reminder.recipient_id))
    return reminders


def unit_record(
    *, unit_id: int, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str, int]:
    """How often the unit was late, by kind (distinct items; for scoring late sign-for, overdue items, progress
    reports due or missed, and the office's 催办). Only the late kinds count (ReminderKind.late()): they are the
    ones the (unit, kind, created_at) index holds."""
    queryset = Reminder.objects.filter(unit_id=unit_id, kind__in=ReminderKind.late())
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    rows = queryset.values("kind").annotate(items=Count("item_id", distinct=True)).order_by()
    record = {kind: 0 for kind in ReminderKind.late()}
    record.update({row["kind"]: row["items"] for row in rows})
    return record


def dead_letters(*, cursor: int | None = None, limit: int = 50) -> tuple[list[Delivery], int | None]:
    queryset = Delivery.objects.filter(status=DeliveryStatus.DEAD).select_related("message__recipient")
    if cursor is not None:
        queryset = queryset.filter(id__lt=cursor)
    rows = list(queryset.order_by("-id")[: limit + 1])
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)


def mandatory_channels() -> list[tuple[str, str]]:
    return sorted(MandatoryChannel.objects.values_list("kind", "channel"))


def channels_for(users: Iterable[int]) -> dict[int, set[str]]:
    """The external channels each user has switched on (the inbox is always on)."""
    defaults = {c for c in settings.DUCHA_NOTIFY_DEFAULT_CHANNELS if c in Channel.external()}
    ids = list(users)
    chosen: dict[int, set[str]] = {user: set(defaults) for user in ids}
    for user, channel, enabled in ChannelPreference.objects.filter(user_id__in=ids).values_list(
        "user_id", "channel", "is_enabled"
    ):
        if channel not in Channel.external():
            continue
        (chosen[user].add if enabled else chosen[user].discard)(channel)
    return chosen


def channel_preferences(user: User) -> dict[str, Any]:
    chosen = channels_for([user.pk])[user.pk]
    return {
        "channels": {name: name in chosen for name in Channel.external()},
        "mandatory": mandatory_channels(),
        "addresses": {"email": user.email, "sms": user.phone},
    }
