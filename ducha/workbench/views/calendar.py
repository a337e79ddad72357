"""日历安排 (a year's working-day arrangement): the State Council's holidays and make-up working days for one year,
entered in one form, previewed, then confirmed.

The preview shows the days whose working/rest status changes and the open deadlines that would move, computed by
a dry run of the real service (`calendar_arrangement_dry_run`); the confirmation calls
`ducha.items.services.calendar_arrangement_enter`, which stores the arrangement and recomputes those deadlines in
one transaction. For administrators, supervision-office staff and staff users.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ducha.common.errors import ValidationFailed
from ducha.items import services
from ducha.items.models import Assignment, AssignmentRole, Item
from ducha.items.selectors import items_for_user
from ducha.orgs.models import Role, User
from ducha.workbench.forms.calendar import Arrangement, ArrangementForm
from ducha.workcalendar import services as workdays
from ducha.workcalendar.models import CalendarYear

YEAR_MIN, YEAR_MAX = 2000, 2100
BLANK_ROWS = 4
MOVED_SHOWN = 200
CHUNK = 500


def may_enter_arrangement(user: User) -> bool:
    return bool(user.is_active and (user.is_staff or user.has_role(Role.ADMIN, Role.OFFICE)))


# --- the current arrangement -------------------------------------------------------------------------------------


def stored_arrangement(year: int) -> tuple[CalendarYear | None, dict[str, Any]]:
    calendar_year = CalendarYear.objects.select_related("entered_by").filter(year=year).first()
    return calendar_year, workdays.calendar_year_snapshot(calendar_year)


def current_arrangement(year: int, snapshot: Mapping[str, Any]) -> Arrangement:
    """The year's arrangement as it stands: the stored rows for an official year; otherwise the rest days on
    weekdays (and named weekend rest days) and the working weekend days of the package or provisional calendar."""
    if snapshot:
        names = snapshot.get("names", {})
        return Arrangement(
            holidays={datetime.date.fromisoformat(d): names.get(d, "") for d in snapshot["holidays"]},
            workdays={datetime.date.fromisoformat(d): names.get(d, "") for d in snapshot["workdays"]},
        )
    arrangement = Arrangement()
    day = datetime.date(year, 1, 1)
    while day.year == year:
        info = workdays.day_info(day)
        weekend = day.weekday() >= 5
        if not info.is_workday and (not weekend or info.name):
            arrangement.holidays[day] = info.name
        elif info.is_workday and weekend:
            arrangement.workdays[day] = info.name
        day += datetime.timedelta(days=1)
    return arrangement


# --- the dry run --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayChange:
    date: datetime.date
    weekday: str
    was_workday: bool
    is_workday: bool
    name: str


@dataclass(frozen=True)
class MovedDeadline:
    item_id: int
    number: str
    title: str
    lead_unit: str
    old_due_date: datetime.date | None
    new_due_date: datetime.date | None


@dataclass
class ArrangementEffects:
    days: list[DayChange]
    changed: int  # items whose stored deadline data would change (what the confirmation will report)
    moved_count: int  # of which the due date moves
    moved: list[MovedDeadline]  # the ones this user may see, at most MOVED_SHOWN
    not_listed: int  # moved but not listed: outside the user's view, or beyond MOVED_SHOWN


class _DryRunDone(Exception):
    """Raised inside the dry run's savepoint to roll it back."""


def _deadline_data(ids: list[int]) -> dict[int, tuple[Any, Any, bool]]:
    data: dict[int, tuple[Any, Any, bool]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = Item.objects.filter(pk__in=ids[start : start + CHUNK]).values_list(
            "pk", "due_date", "warn_date", "due_date_is_provisional"
        )
        data.update({pk: (due, warn, provisional) for pk, due, warn, provisional in rows})
    return data


def calendar_arrangement_dry_run(*, year: int, arrangement: Arrangement, actor: User) -> ArrangementEffects:
    """What `calendar_arrangement_enter` would do with this arrangement, without doing it.

    The days: `calendar_year_preview`. The deadlines: the real service runs inside a savepoint that is always
    rolled back (arrangement rows, recomputed items and audit events alike), comparing the candidates' stored due
    dates before and after; the calendar cache is cleared afterwards. Read-only in effect, but it takes the same
    row locks as the real thing for as long as it runs. Raises ValidationFailed like the service."""
    preview = workdays.calendar_year_preview(
        year=year, holidays=arrangement.holidays, workdays=arrangement.workdays
    )
    proposed_names = {**arrangement.holidays, **arrangement.workdays}
    days = [
        DayChange(
            date=day,
            weekday=str(WEEKDAYS[day.weekday()]),
            was_workday=before,
            is_workday=after,
            name=proposed_names.get(day) or workdays.day_info(day).name,
        )
        for day, (before, after) in sorted(preview.items())
    ]
    candidate_ids = list(
        Item.objects.filter(services.deadline_recompute_candidates(year)).values_list("pk", flat=True)
    )
    before = _deadline_data(candidate_ids)
    changed = 0
    after: dict[int, tuple[Any, Any, bool]] = {}
    try:
        with transaction.atomic():
            changed = services.calendar_arrangement_enter(
                year=year,
                holidays=arrangement.holidays,
                workdays_list=arrangement.workdays,  # type: ignore[arg-type]  # the service takes names too
                actor=actor,
            )
            after = _deadline_data(candidate_ids)
            raise _DryRunDone
    except _DryRunDone:
        pass
    finally:
        workdays.calendar_cache_clear()
    moved_ids = sorted(
        (pk for pk in candidate_ids if before[pk][0] != after.get(pk, before[pk])[0]),
        key=lambda pk: (before[pk][0] or datetime.date.max, pk),
    )
    listed = moved_ids[:MOVED_SHOWN]
    lead_unit = Assignment.objects.filter(item=OuterRef("pk"), role=AssignmentRole.LEAD).values("unit__name")[
        :1
    ]
    visible = {
        row["pk"]: row
        for row in items_for_user(actor)
        .filter(pk__in=listed)
        .annotate(lead_unit=Subquery(lead_unit))
        .values("pk", "number", "title", "lead_unit")
    }
    moved = [
        MovedDeadline(
            item_id=pk,
            number=visible[pk]["number"],
            title=visible[pk]["title"],
            lead_unit=visible[pk]["lead_unit"] or "",
            old_due_date=before[pk][0],
            new_due_date=after[pk][0],
        )
        for pk in listed
        if pk in visible
    ]
    return ArrangementEffects(
        days=days,
        changed=changed,
        moved_count=len(moved_ids),
        moved=moved,
        not_listed=len(moved_ids) - len(moved),
    )


# --- the page ---------------------------------------------------------------------------------------------------


def _form_values(arrangement: Arrangement) -> dict[str, Any]:
    rows = [(day.isoformat(), name) for day, name in arrangement.holidays.items()]
    return {
        "holiday_rows": rows + [("", "")] * BLANK_ROWS,
        "holidays_text": "",
        "workdays_text": "\n".join(
            f"{day.isoformat()} {name}".strip() for day, name in arrangement.workdays.items()
        ),
    }


def _typed_form_values(form: ArrangementForm) -> dict[str, Any]:
    typed = form.cleaned_data
    return {
        "holiday_rows": typed["holiday_rows"] + [("", "")] * BLANK_ROWS,
        "holidays_text": typed["holidays_text"],
        "workdays_text": typed["workdays_text"],
    }


def _render(request: HttpRequest, year: int, *, status: int = 200, **context: Any) -> HttpResponse:
    calendar_year, _snapshot = stored_arrangement(year)
    source = workdays.year_source(year)
    sources = {
        workdays.SOURCE_OFFICIAL: _("official arrangement entered"),
        workdays.SOURCE_PACKAGE: _("bundled calendar data (not yet confirmed here)"),
        workdays.SOURCE_PROVISIONAL: _("provisional: statutory holidays only, no make-up working days"),
    }
    context.setdefault("note", calendar_year.note if calendar_year else "")
    return render(
        request,
        "calendar/year.html",
        {
            "year": year,
            "source": source,
            "source_label": sources.get(source, source),
            "calendar_year": calendar_year,
            "previous_year": year - 1 if year > YEAR_MIN else None,
            "next_year": year + 1 if year < YEAR_MAX else None,
            **context,
        },
        status=status,
    )


@login_required
def calendar_index(request: HttpRequest) -> HttpResponse:
    if not may_enter_arrangement(request.user):  # type: ignore[arg-type]
        raise PermissionDenied
    return redirect("calendar-year", year=timezone.localdate().year)


@login_required
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not may_enter_arrangement(user):
        raise PermissionDenied
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Http404
    if request.method != "POST":
        _calendar_year, snapshot = stored_arrangement(year)
        return _render(request, year, **_form_values(current_arrangement(year, snapshot)))

    form = ArrangementForm(request.POST)
    try:
        arrangement = form.arrangement()
        note = form.cleaned_data["note"]
        _calendar_year, snapshot = stored_arrangement(year)
        digest = arrangement.digest(year, snapshot)
        if form.confirms():
            if form.cleaned_data["digest"] == digest:
                changed = services.calendar_arrangement_enter(
                    year=year,
                    holidays=arrangement.holidays,
                    workdays_list=arrangement.workdays,  # type: ignore[arg-type]  # the service takes names too
                    actor=user,
                    note=note,
                )
                messages.success(
                    request,
                    ngettext(
                        "The arrangement for %(year)d was entered; %(count)d item's due date was recomputed.",
                        "The arrangement for %(year)d was entered; %(count)d items' due dates were recomputed.",
                        changed,
                    )
                    % {"year": year, "count": changed},
                )
                return redirect(reverse("calendar-year", kwargs={"year": year}))
            messages.warning(
                request,
                _("The arrangement changed since it was previewed; check the new preview before confirming."),
            )
        effects = calendar_arrangement_dry_run(year=year, arrangement=arrangement, actor=user)
    except ValidationFailed as error:
        typed = _typed_form_values(form)
        return _render(request, year, status=400, error=error, note=form.cleaned_data["note"], **typed)
    return _render(request, year, effects=effects, digest=digest, note=note, **_form_values(arrangement))


urlpatterns = [
    path("calendar/", calendar_index, name="calendar"),
    path("calendar/<int:year>/", calendar_year, name="calendar-year"),
]
