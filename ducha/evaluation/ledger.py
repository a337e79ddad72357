"""The year's ledger (专项台账, seed 004 §3): 年初建账 — the office draws the year's tasks up, the leader approves,
each unit confirms its own list or objects; 年中查账 — the mid-year check per unit with its report, the office's
stage records and the entries a unit must explain; 年终结账 — every entry settled, the year's figures frozen and
signed with a SHA-256, later changes kept as corrections that leave the frozen figures alone.

Every step locks the ledger's row first, so concurrent steps run one after the other; a refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted, ValidationFailed
from ducha.evaluation import scoring
from ducha.evaluation.models import (
    ConfirmationStatus,
    EntryCategory,
    ExplanationRequest,
    LedgerConfirmation,
    LedgerEntry,
    LedgerNote,
    LedgerNoteKind,
    LedgerStatus,
    LedgerYear,
    MidYearCheck,
    Settlement,
)
from ducha.evaluation.periods import FIRST_YEAR, LAST_YEAR
from ducha.items.models import Assignment, Item, SourceType, light_of
from ducha.items.statuses import ItemStatus
from ducha.orgs.models import UNIT_ROLES, Role, UnitKind, User

# The items a new ledger picks by their source (the year's work report tasks and 民生实事).
PICKED_SOURCES = {
    SourceType.WORK_REPORT_TASK: EntryCategory.WORK_REPORT,
    SourceType.LIVELIHOOD_PROJECT: EntryCategory.LIVELIHOOD,
}
_DONE = {ItemStatus.ACCEPTED, ItemStatus.CLOSED, ItemStatus.ARCHIVED}
_ON_LEDGER = set(ItemStatus.values) - {ItemStatus.DRAFT, ItemStatus.PENDING_APPROVAL, ItemStatus.REJECTED}


def _office(actor: User, government_id: int) -> None:
    if not actor.has_role(Role.OFFICE) or actor.unit is None or actor.unit.government_id != government_id:
        raise NotPermitted(codes.ROLE_REQUIRED, _("Only the supervision office keeps the year's ledger."))


def _leader(actor: User, government_id: int) -> None:
    if not actor.has_role(Role.LEADER) or actor.unit is None or actor.unit.government_id != government_id:
        raise NotPermitted(
            codes.ROLE_REQUIRED, _("Only a leader of the government approves the year's ledger.")
        )


def _unit_person(actor: User) -> int:
    if actor.unit_id is None or not actor.has_role(Role.UNIT_HEAD, Role.LIAISON):
        raise NotPermitted(codes.ROLE_REQUIRED, _("The unit's head or liaison answers for the unit's list."))
    return actor.unit_id


def _lock(ledger_id: int) -> LedgerYear:
    try:
        return LedgerYear.objects.select_for_update().get(pk=ledger_id)
    except LedgerYear.DoesNotExist:
        raise NotFound() from None


def _status(ledger: LedgerYear, *allowed: str) -> None:
    if ledger.status == LedgerStatus.CLOSED and LedgerStatus.CLOSED not in allowed:
        raise InvalidState(codes.LEDGER_YEAR_CLOSED)
    if ledger.status not in allowed:
        raise InvalidState(
            codes.ACTION_NOT_ALLOWED,
            _("The ledger is %(status)s: this cannot be done now.") % {"status": ledger.get_status_display()},
        )


def _record(ledger: LedgerYear, event_type: EventType, actor: User, **kwargs: Any) -> None:
    event_record(
        event_type=event_type, subject_type="ledger_year", subject_id=ledger.pk, actor=actor, **kwargs
    )


def _lead_units(item_ids: Sequence[int]) -> dict[int, int]:
    """Each item's lead unit, for the items a unit is scored on: an item the supervision office handles itself
    (直接办理) is not on the ledger — the office scores the units, not itself."""
    return dict(
        Assignment.objects.filter(item_id__in=item_ids, role="lead")
        .exclude(unit__kind=UnitKind.SUPERVISION_OFFICE)
        .values_list("item_id", "unit_id")
    )


def _entries_create(
    ledger: LedgerYear, items: dict[int, str], *, carried: dict[int, LedgerEntry] | None = None
) -> list[LedgerEntry]:
    """Entries for these items (item id → category), skipping items already on the ledger."""
    present = set(LedgerEntry.objects.filter(ledger_year=ledger).values_list("item_id", flat=True))
    leads = _lead_units(list(items))
    carried = carried or {}
    entries = [
        LedgerEntry(
            ledger_year=ledger,
            item_id=item_id,
            unit_id=leads[item_id],
            category=category,
            carried_from=carried.get(item_id),
            carry_reason=carried[item_id].carry_reason if item_id in carried else "",
        )
        for item_id, category in items.items()
        if item_id not in present and item_id in leads
    ]
    LedgerEntry.objects.bulk_create(entries)
    return entries


def _carried_in(ledger: LedgerYear) -> list[LedgerEntry]:
    """Last year's entries carried over (each with its reason) come onto this year's ledger."""
    previous = LedgerEntry.objects.filter(
        ledger_year__government_id=ledger.government_id,
        ledger_year__year=ledger.year - 1,
        settlement=Settlement.CARRIED_OVER,
    )
    carried = {entry.item_id: entry for entry in previous}
    return _entries_create(ledger, dict.fromkeys(carried, EntryCategory.CARRIED_OVER), carried=carried)


@transaction.atomic
def ledger_open(*, actor: User, government_id: int, year: object) -> LedgerYear:
    """年初建账: the office draws up the year's ledger; last year's carried-over tasks come onto it with their reasons.
    Refused while last year's ledger still has unfinished tasks neither carried over nor settled."""
    _office(actor, government_id)
    try:
        year_number = int(str(year))
    except (TypeError, ValueError):
        year_number = 0
    if not FIRST_YEAR <= year_number <= LAST_YEAR:
        raise ValidationFailed(
            codes.EVALUATION_PERIOD_INVALID, fields={"year": _("Enter a year from 2000 to 2100.")}
        )
    if LedgerYear.objects.filter(government_id=government_id, year=year_number).exists():
        raise InvalidState(codes.LEDGER_YEAR_EXISTS)
    previous = LedgerYear.objects.filter(government_id=government_id, year=year_number - 1).first()
    if previous is not None and previous.status != LedgerStatus.CLOSED:
        unfinished = _unfinished(previous).count()
        unsettled_carry = unfinished - previous.entries.filter(settlement=Settlement.CARRIED_OVER).count()
        if unsettled_carry > 0:
            raise InvalidState(
                codes.LEDGER_PREVIOUS_UNSETTLED,
                _(
                    "Last year's ledger has %(count)s unfinished tasks not carried over: carry each over with its reason first."
                )
                % {"count": unsettled_carry},
            )
    ledger = LedgerYear.objects.create(government_id=government_id, year=year_number, created_by=actor)
    carried = _carried_in(ledger)
    _record(ledger, EventType.LEDGER_OPENED, actor, new={"year": year_number, "carried_over": len(carried)})
    return ledger


def _unfinished(ledger: LedgerYear) -> Any:
    return ledger.entries.exclude(item__status__in=[*_DONE, ItemStatus.CANCELLED])


def pick_candidates(ledger: LedgerYear) -> Any:
    """The government's items of the ledger's year not yet on it: assigned (or registered) that year."""
    return (
        Item.objects.filter(government_id=ledger.government_id, status__in=_ON_LEDGER, parent__isnull=True)
        .filter(assigned_at__year=ledger.year)
        .exclude(ledger_entries__ledger_year=ledger)
    )


@transaction.atomic
def ledger_entries_add(
    *,
    actor: User,
    ledger_id: int,
    item_ids: Sequence[int] | None = None,
    category: str = EntryCategory.KEY_WORK,
) -> list[LedgerEntry]:
    """Put tasks on the ledger: the given items (as `category`), or — with no ids — every work report task and
    民生实事 of the year by its source. While the ledger is open, a unit with new tasks confirms its list again."""
    ledger = _lock(ledger_id)
    _office(actor, ledger.government_id)
    _status(ledger, LedgerStatus.DRAFT, LedgerStatus.OPEN)
    if category not in (EntryCategory.WORK_REPORT, EntryCategory.LIVELIHOOD, EntryCategory.KEY_WORK):
        raise ValidationFailed(codes.LEDGER_ENTRY_INVALID, fields={"category": _("Choose a category.")})
    if item_ids is None:
        rows = (
            pick_candidates(ledger)
            .filter(source_type__in=list(PICKED_SOURCES))
            .values_list("id", "source_type")
        )
        wanted: dict[int, str] = {item_id: PICKED_SOURCES[SourceType(source)] for item_id, source in rows}
    else:
        ids = sorted({int(item_id) for item_id in item_ids})
        found = set(pick_candidates(ledger).filter(pk__in=ids).values_list("id", flat=True))
        missing = [item_id for item_id in ids if item_id not in found]
        if missing:
            raise ValidationFailed(
                codes.LEDGER_ENTRY_INVALID,
                _(
                    "These items cannot be put on this ledger (not the government's items of the year, or on it already): %(ids)s"
                )
                % {"ids": ", ".join(map(str, missing))},
            )
        wanted = {item_id: str(category) for item_id in ids}
    entries = _entries_create(ledger, wanted)
    if ledger.status == LedgerStatus.OPEN:
        _confirmations_ensure(ledger, {entry.unit_id for entry in entries}, reset=True)
    _record(
        ledger, EventType.LEDGER_ENTRIES_ADDED, actor, new={"items": [entry.item_id for entry in entries]}
    )
    return entries


@transaction.atomic
def ledger_entry_remove(*, actor: User, entry_id: int, reason: str) -> None:
    entry = LedgerEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    ledger = _lock(entry.ledger_year_id)
    _office(actor, ledger.government_id)
    _status(ledger, LedgerStatus.DRAFT, LedgerStatus.OPEN)
    if entry.carried_from_id is not None:
        raise InvalidState(
            codes.LEDGER_ENTRY_INVALID, _("A task carried over from last year stays until it is settled.")
        )
    if not reason.strip():
        raise ValidationFailed(codes.REASON_REQUIRED, fields={"reason": _("Give the reason.")})
    entry.delete()
    _record(
        ledger, EventType.LEDGER_ENTRY_REMOVED, actor, old={"item": entry.item_id}, comment=reason.strip()
    )


@transaction.atomic
def ledger_submit(*, actor: User, ledger_id: int) -> LedgerYear:
    ledger = _lock(ledger_id)
    _office(actor, ledger.government_id)
    _status(ledger, LedgerStatus.DRAFT)
    if not ledger.entries.exists():
        raise InvalidState(codes.LEDGER_EMPTY)
    ledger.status = LedgerStatus.PENDING_APPROVAL
    ledger.save(update_fields=["status", "updated_at"])
    _record(ledger, EventType.LEDGER_SUBMITTED, actor)
    return ledger


def _confirmations_ensure(ledger: LedgerYear, unit_ids: set[int], *, reset: bool = False) -> None:
    existing = set(LedgerConfirmation.objects.filter(ledger_year=ledger).values_list("unit_id", flat=True))
    LedgerConfirmation.objects.bulk_create(
        LedgerConfirmation(ledger_year=ledger, unit_id=unit_id) for unit_id in sorted(unit_ids - existing)
    )
    if reset:
        LedgerConfirmation.objects.filter(ledger_year=ledger, unit_id__in=unit_ids & existing).update(
            status=ConfirmationStatus.PENDING, decided_by=None, decided_at=None
        )


@transaction.atomic
def ledger_approve(*, actor: User, ledger_id: int, comment: str = "") -> LedgerYear:
    """The leader approves: the ledger opens and every unit with tasks on it is asked to confirm its list."""
    ledger = _lock(ledger_id)
    _leader(actor, ledger.government_id)
    _status(ledger, LedgerStatus.PENDING_APPROVAL)
    ledger.status = LedgerStatus.OPEN
    ledger.approved_by = actor
    ledger.approved_at = timezone.now()
    ledger.return_reason = ""
    ledger.save(update_fields=["status", "approved_by", "approved_at", "return_reason", "updated_at"])
    _confirmations_ensure(ledger, set(ledger.entries.values_list("unit_id", flat=True)))
    _record(ledger, EventType.LEDGER_APPROVED, actor, comment=comment.strip())
    return ledger


@transaction.atomic
def ledger_return(*, actor: User, ledger_id: int, reason: str) -> LedgerYear:
    ledger = _lock(ledger_id)
    _leader(actor, ledger.government_id)
    _status(ledger, LedgerStatus.PENDING_APPROVAL)
    if not reason.strip():
        raise ValidationFailed(codes.REASON_REQUIRED, fields={"reason": _("Give the reason.")})
    ledger.status = LedgerStatus.DRAFT
    ledger.return_reason = reason.strip()
    ledger.save(update_fields=["status", "return_reason", "updated_at"])
    _record(ledger, EventType.LEDGER_RETURNED, actor, comment=reason.strip())
    return ledger


def _own_confirmation(ledger: LedgerYear, unit_id: int) -> LedgerConfirmation:
    confirmation = LedgerConfirmation.objects.filter(ledger_year=ledger, unit_id=unit_id).first()
    if confirmation is None:
        raise NotFound()
    return confirmation


@transaction.atomic
def ledger_confirm(*, actor: User, ledger_id: int) -> LedgerConfirmation:
    """One click: the unit confirms its own list on the year's ledger."""
    unit_id = _unit_person(actor)
    ledger = _lock(ledger_id)
    confirmation = _own_confirmation(ledger, unit_id)
    _status(ledger, LedgerStatus.OPEN)
    confirmation.status = ConfirmationStatus.CONFIRMED
    confirmation.decided_by = actor
    confirmation.decided_at = timezone.now()
    confirmation.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    _record(ledger, EventType.LEDGER_CONFIRMED, actor, new={"unit": unit_id})
    return confirmation


@transaction.atomic
def ledger_object(*, actor: User, ledger_id: int, objection: str) -> LedgerConfirmation:
    """The unit objects to its list; the objection goes back to the office."""
    unit_id = _unit_person(actor)
    ledger = _lock(ledger_id)
    confirmation = _own_confirmation(ledger, unit_id)
    _status(ledger, LedgerStatus.OPEN)
    if not objection.strip():
        raise ValidationFailed(
            codes.TEXT_REQUIRED, fields={"objection": _("Say what is wrong with the list.")}
        )
    confirmation.status = ConfirmationStatus.OBJECTED
    confirmation.objection = objection.strip()
    confirmation.decided_by = actor
    confirmation.decided_at = timezone.now()
    confirmation.save(update_fields=["status", "objection", "decided_by", "decided_at", "updated_at"])
    _record(ledger, EventType.LEDGER_OBJECTED, actor, new={"unit": unit_id}, comment=confirmation.objection)
    return confirmation


@transaction.atomic
def objection_answer(*, actor: User, confirmation_id: int, reply: str) -> LedgerConfirmation:
    """The office answers an objection (after changing the list where it agrees); the unit is asked again."""
    confirmation = LedgerConfirmation.objects.filter(pk=confirmation_id).first()
    if confirmation is None:
        raise NotFound()
    ledger = _lock(confirmation.ledger_year_id)
    _office(actor, ledger.government_id)
    _status(ledger, LedgerStatus.OPEN)
    confirmation.refresh_from_db()
    if confirmation.status != ConfirmationStatus.OBJECTED:
        raise InvalidState(codes.ACTION_NOT_ALLOWED, _("There is no objection to answer."))
    if not reply.strip():
        raise ValidationFailed(codes.TEXT_REQUIRED, fields={"reply": _("Write the answer.")})
    confirmation.status = ConfirmationStatus.PENDING
    confirmation.office_reply = reply.strip()
    confirmation.save(update_fields=["status", "office_reply", "updated_at"])
    _record(
        ledger,
        EventType.LEDGER_OBJECTION_ANSWERED,
        actor,
        new={"unit": confirmation.unit_id},
        comment=reply.strip(),
    )
    return confirmation


def entry_state(item: Item | dict[str, Any], as_of: dt.date) -> str:
    """Where a ledger task stood on a day: done (on time or late) if reported complete by then, else late, at_risk
    or on_time by its light that day; withdrawn."""
    get = item.get if isinstance(item, dict) else lambda name: getattr(item, name)
    status, due, warn, completed = get("status"), get("due_date"), get("warn_date"), get("completed_at")
    if status == ItemStatus.CANCELLED:
        return "cancelled"
    completed_day = timezone.localdate(completed) if completed is not None else None
    if (completed_day is not None and completed_day <= as_of) or (completed_day is None and status in _DONE):
        if due is not None and completed_day is not None and completed_day > due:
            return "done_late"
        return "done"
    # Still running that day (whatever it is now).
    light = light_of(str(ItemStatus.IN_PROGRESS if completed_day is not None else status), due, warn, as_of)
    return {"red": "late", "yellow": "at_risk"}.get(light, "on_time")


MID_YEAR_STATES = ("done", "done_late", "on_time", "at_risk", "late", "cancelled")


def ledger_figures(ledger: LedgerYear, as_of: dt.date) -> dict[str, Any]:
    """Per unit (and in all) how many of its ledger tasks stand where, as of a day; by category too."""
    rows = ledger.entries.values(
        "id",
        "unit_id",
        "unit__name",
        "category",
        "settlement",
        "item__status",
        "item__due_date",
        "item__warn_date",
        "item__completed_at",
    )
    units: dict[str, dict[str, Any]] = {}
    total = dict.fromkeys(MID_YEAR_STATES, 0)
    categories: dict[str, int] = {}
    states: dict[int, str] = {}
    for row in rows:
        state = entry_state(
            {
                "status": row["item__status"],
                "due_date": row["item__due_date"],
                "warn_date": row["item__warn_date"],
                "completed_at": row["item__completed_at"],
            },
            as_of,
        )
        states[row["id"]] = state
        unit = units.setdefault(
            str(row["unit_id"]),
            {"name": row["unit__name"], **dict.fromkeys(MID_YEAR_STATES, 0), "entries": 0},
        )
        unit[state] += 1
        unit["entries"] += 1
        total[state] += 1
        categories[row["category"]] = categories.get(row["category"], 0) + 1
    return {
        "as_of": as_of.isoformat(),
        "entries": sum(total.values()),
        "total": total,
        "categories": categories,
        "units": units,
        "states": {str(key): value for key, value in states.items()},
    }


def _mid_year_report(ledger: LedgerYear, figures: dict[str, Any]) -> str:
    total = figures["total"]
    lines = [
        _("Mid-year check of the %(year)s ledger of %(government)s, as of %(day)s.")
        % {"year": ledger.year, "government": ledger.government.name, "day": figures["as_of"]},
        _(
            "%(entries)s tasks: %(done)s done (%(done_late)s of them late), %(on_time)s on time, %(at_risk)s at risk, %(late)s late, %(cancelled)s withdrawn."
        )
        % {"entries": figures["entries"], **total},
    ]
    behind = sorted(
        (
            (unit["late"], unit["at_risk"], unit["name"])
            for unit in figures["units"].values()
            if unit["late"] or unit["at_risk"]
        ),
        reverse=True,
    )
    if behind:
        lines.append(_("Units with late or at-risk tasks, to explain them:"))
        lines.extend(
            _("%(unit)s: %(late)s late, %(at_risk)s at risk.") % {"unit": name, "late": late, "at_risk": risk}
            for late, risk, name in behind
        )
    else:
        lines.append(_("No task is late or at risk."))
    return "\n".join(lines)


@transaction.atomic
def mid_year_check(*, actor: User, ledger_id: int, as_of: dt.date | None = None) -> MidYearCheck:
    """年中查账: the figures per unit as of a day (today by default), the generated report, and an explanation asked of
    the unit for every late or at-risk task. Once per year."""
    ledger = _lock(ledger_id)
    _office(actor, ledger.government_id)
    _status(ledger, LedgerStatus.OPEN)
    if MidYearCheck.objects.filter(ledger_year=ledger).exists():
        raise InvalidState(codes.LEDGER_CHECK_EXISTS)
    day = as_of or timezone.localdate()
    figures = ledger_figures(ledger, day)
    check = MidYearCheck.objects.create(
        ledger_year=ledger,
        as_of=day,
        figures=figures,
        report=_mid_year_report(ledger, figures),
        created_by=actor,
    )
    asked = [
        (int(entry_id), state)
        for entry_id, state in figures["states"].items()
        if state in ("late", "at_risk")
    ]
    units = dict(
        LedgerEntry.objects.filter(pk__in=[entry_id for entry_id, _s in asked]).values_list("id", "unit_id")
    )
    ExplanationRequest.objects.bulk_create(
        ExplanationRequest(
            mid_year_check=check,
            entry_id=entry_id,
            unit_id=units[entry_id],
            question=str(
                _("The task is late: explain why and when it will be done.")
                if state == "late"
                else _("The task is at risk: explain what is being done to finish it on time.")
            ),
        )
        for entry_id, state in asked
    )
    _record(
        ledger, EventType.LEDGER_CHECKED, actor, new={"as_of": day.isoformat(), "explanations": len(asked)}
    )
    return check


@transaction.atomic
def explanation_give(*, actor: User, explanation_id: int, answer: str) -> ExplanationRequest:
    unit_id = actor.unit_id
    request = (
        ExplanationRequest.objects.select_related("mid_year_check__ledger_year")
        .filter(pk=explanation_id)
        .first()
    )
    if request is None or unit_id != request.unit_id or not actor.has_role(*UNIT_ROLES):
        raise NotFound()
    ledger = _lock(request.mid_year_check.ledger_year_id)
    _status(ledger, LedgerStatus.OPEN)
    if not answer.strip():
        raise ValidationFailed(codes.TEXT_REQUIRED, fields={"answer": _("Write the explanation.")})
    request.answer = answer.strip()
    request.answered_by = actor
    request.answered_at = timezone.now()
    request.save(update_fields=["answer", "answered_by", "answered_at", "updated_at"])
    _record(
        ledger, EventType.LEDGER_EXPLAINED, actor, new={"entry": request.entry_id}, comment=request.answer
    )
    return request


@transaction.atomic
def note_add(*, actor: User, ledger_id: int, text: str, entry_id: int | None = None) -> LedgerNote:
    """阶段备案 while the year runs; after the close, a correction — recorded, and the frozen figures stay."""
    ledger = _lock(ledger_id)
    _office(actor, ledger.government_id)
    if not text.strip():
        raise ValidationFailed(codes.TEXT_REQUIRED, fields={"text": _("Write the record.")})
    if entry_id is not None and not ledger.entries.filter(pk=entry_id).exists():
        raise ValidationFailed(
            codes.LEDGER_ENTRY_INVALID, fields={"entry": _("No such task on this ledger.")}
        )
    kind = LedgerNoteKind.CORRECTION if ledger.is_closed else LedgerNoteKind.STAGE
    note = LedgerNote.objects.create(
        ledger_year=ledger, entry_id=entry_id, kind=kind, text=text.strip(), author=actor
    )
    _record(
        ledger,
        EventType.LEDGER_CORRECTED if ledger.is_closed else EventType.LEDGER_NOTE_ADDED,
        actor,
        new={"entry": entry_id},
        comment=note.text,
    )
    return note


@transaction.atomic
def carry_over(*, actor: User, entry_id: int, reason: str) -> LedgerEntry:
    """An unfinished task goes on to next year's ledger, with its reason (never silently)."""
    entry = LedgerEntry.objects.filter(pk=entry_id).first()
    if entry is None:
        raise NotFound()
    ledger = _lock(entry.ledger_year_id)
    _office(actor, ledger.government_id)
    _status(ledger, LedgerStatus.OPEN)
    entry.refresh_from_db()
    if entry.item.status in _DONE or entry.item.status == ItemStatus.CANCELLED:
        raise InvalidState(
            codes.LEDGER_ENTRY_INVALID, _("This task is finished: it is settled as it is, not carried over.")
        )
    if not reason.strip():
        raise ValidationFailed(codes.LEDGER_CARRY_REASON_REQUIRED, fields={"reason": _("Give the reason.")})
    entry.settlement = Settlement.CARRIED_OVER
    entry.carry_reason = reason.strip()
    entry.settled_at = timezone.now()
    entry.settled_by = actor
    entry.save(update_fields=["settlement", "carry_reason", "settled_at", "settled_by", "updated_at"])
    following = (
        LedgerYear.objects.filter(government_id=ledger.government_id, year=ledger.year + 1)
        .exclude(status=LedgerStatus.CLOSED)
        .first()
    )
    if following is not None:
        _entries_create(
            following, {entry.item_id: EntryCategory.CARRIED_OVER}, carried={entry.item_id: entry}
        )
    _record(
        ledger, EventType.LEDGER_CARRIED_OVER, actor, new={"item": entry.item_id}, comment=entry.carry_reason
    )
    return entry


def _canonical_digest(figures: dict[str, Any]) -> str:
    data = json.dumps(figures, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


@transaction.atomic
def ledger_close(*, actor: User, ledger_id: int) -> LedgerYear:
    """年终结账: every task settled — done, withdrawn with the leader's approval, or carried over with a reason — then
    the year's scores computed and frozen, and the year's figures stored with their SHA-256. Closing a closed
    ledger returns it unchanged (concurrent closes wait on the row lock and find it closed)."""
    ledger = _lock(ledger_id)
    _office(actor, ledger.government_id)
    if ledger.is_closed:
        return ledger
    _status(ledger, LedgerStatus.OPEN)
    now = timezone.now()
    pending = LedgerConfirmation.objects.filter(ledger_year=ledger).exclude(
        status=ConfirmationStatus.CONFIRMED
    )
    if pending.exists():
        raise InvalidState(
            codes.LEDGER_UNCONFIRMED,
            _("%(count)s units have not confirmed their lists.") % {"count": pending.count()},
        )
    open_entries = ledger.entries.filter(settlement=Settlement.OPEN)
    unsettled = open_entries.exclude(item__status__in=[*_DONE, ItemStatus.CANCELLED]).count()
    if unsettled:
        raise InvalidState(
            codes.LEDGER_UNSETTLED,
            _(
                "%(count)s tasks are not settled: each must be done, carried over with a reason or withdrawn with approval."
            )
            % {"count": unsettled},
        )
    open_entries.filter(item__status__in=list(_DONE)).update(
        settlement=Settlement.DONE, settled_at=now, settled_by=actor
    )
    open_entries.filter(item__status=ItemStatus.CANCELLED).update(
        settlement=Settlement.CANCELLED, settled_at=now, settled_by=actor
    )
    year_run = scoring.year_freeze(ledger.government_id, ledger.year, now=now)
    settlements = dict(ledger.entries.values_list("settlement").annotate(n=Count("id")).order_by())
    figures = {
        "government": ledger.government_id,
        "year": ledger.year,
        "closed_at": timezone.localtime(now).isoformat(),
        "ledger": ledger_figures(ledger, min(timezone.localdate(now), dt.date(ledger.year, 12, 31))),
        "settlements": settlements,
        "scores": {
            "run": year_run.pk,
            "cutoff": timezone.localtime(year_run.cutoff).isoformat() if year_run.cutoff else None,
            "digest": year_run.digest,
        },
    }
    ledger.status = LedgerStatus.CLOSED
    ledger.closed_by = actor
    ledger.closed_at = now
    ledger.frozen_figures = figures
    ledger.frozen_digest = _canonical_digest(figures)
    ledger.save(
        update_fields=["status", "closed_by", "closed_at", "frozen_figures", "frozen_digest", "updated_at"]
    )
    _record(ledger, EventType.LEDGER_CLOSED, actor, new={"digest": ledger.frozen_digest})
    return ledger


def frozen_intact(ledger: LedgerYear) -> bool:
    """Whether the stored figures still hash to the digest signed at the close."""
    return bool(ledger.frozen_digest) and _canonical_digest(ledger.frozen_figures) == ledger.frozen_digest
