"""Scores per unit per period: the indicators' counts weighed by the government's scheme, ranked among comparable
units (departments with departments, the townships — the governments below — with each other), stored in a run.

`scores_compute` does any number of governments in one set-based pass per indicator (the province's job runs it
in the background, tasks.py; the office's "compute now" runs it as a background job with progress per indicator,
score_jobs.py); a frozen run (the year closed) is never computed again in place, and
`run_recomputed` recomputes a run's figures without writing them, to prove a frozen period reproducible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.common.events import publish
from ducha.evaluation.indicators import BY_CODE, DEFAULT_WEIGHTS, INDICATORS, Counts, Window, all_counts
from ducha.evaluation.models import RunStatus, Scheme, Score, ScoreGroup, ScoreRun
from ducha.evaluation.periods import Period
from ducha.evaluation.selectors import is_manager
from ducha.orgs.models import Role, Unit, UnitKind, User

if TYPE_CHECKING:
    from ducha.jobs.models import Job

CENT = Decimal("0.01")


class Steps(Protocol):
    """How far a computation is (ducha.jobs.services.Progress is one); `advance` may raise to stop it."""

    def set_stage(self, stage: str, total: int | None = None) -> None: ...

    def advance(self, count: int = 1) -> None: ...


def weights_for(government_id: int) -> dict[str, int]:
    scheme = Scheme.objects.filter(government_id=government_id).first()
    return dict(scheme.weights) if scheme is not None else dict(DEFAULT_WEIGHTS)


def weights_clean(raw: object) -> dict[str, int]:
    """The weights as the scheme stores them, or 400: every known indicator a whole number 0-100, summing to 100."""
    if not isinstance(raw, dict):
        raise ValidationFailed(codes.EVALUATION_WEIGHTS_INVALID)
    weights: dict[str, int] = {}
    fields: dict[str, Any] = {}
    for code, value in raw.items():
        if code not in BY_CODE:
            fields[str(code)] = _("No such indicator.")
            continue
        if isinstance(value, bool):
            fields[code] = _("Enter a whole number from 0 to 100.")
            continue
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            fields[code] = _("Enter a whole number from 0 to 100.")
            continue
        if not 0 <= number <= 100:
            fields[code] = _("Enter a whole number from 0 to 100.")
            continue
        weights[code] = number
    if fields:
        raise ValidationFailed(codes.EVALUATION_WEIGHTS_INVALID, fields=fields)
    for code in BY_CODE:
        weights.setdefault(code, 0)
    total = sum(weights.values())
    if total != 100:
        raise ValidationFailed(
            codes.EVALUATION_WEIGHTS_SUM,
            _("The weights must add up to 100; they add up to %(total)s.") % {"total": total},
        )
    return weights


@transaction.atomic
def scheme_set(*, actor: User, government_id: int, weights: object) -> Scheme:
    if not actor.has_role(Role.OFFICE) or actor.unit is None or actor.unit.government_id != government_id:
        raise NotPermitted(
            codes.ROLE_REQUIRED, _("Only the supervision office sets the evaluation's weights.")
        )
    clean = weights_clean(weights)
    old = weights_for(government_id)
    scheme, _created = Scheme.objects.update_or_create(
        government_id=government_id, defaults={"weights": clean, "updated_by": actor}
    )
    event_record(
        event_type=EventType.EVALUATION_SCHEME_SET,
        subject_type="evaluation_scheme",
        subject_id=scheme.pk,
        actor=actor,
        old=old,
        new=clean,
    )
    return scheme


def comparable_units(government_ids: Sequence[int]) -> dict[int, dict[str, list[int]]]:
    """Per government: its departments, and the governments below it (townships), by id."""
    groups: dict[int, dict[str, list[int]]] = {
        gid: {g.value: [] for g in ScoreGroup} for gid in government_ids
    }
    departments = Unit.objects.filter(
        government_id__in=government_ids, kind=UnitKind.DEPARTMENT, is_active=True
    ).values_list("government_id", "id")
    for government_id, unit_id in departments:
        groups[government_id][ScoreGroup.DEPARTMENT].append(unit_id)
    lower = Unit.objects.filter(
        parent_id__in=government_ids, kind=UnitKind.GOVERNMENT, is_active=True
    ).values_list("parent_id", "id")
    for government_id, unit_id in lower:
        groups[government_id][ScoreGroup.TOWNSHIP].append(unit_id)
    return groups


def unit_score(
    counts: dict[str, Counts],
    unit_id: int,
    weights: dict[str, int],
    adjustments: list[dict[str, Any]] | None = None,
) -> tuple[Decimal, dict[str, Any]]:
    """The unit's total (0-100, two decimals) and its components: per indicator total, bad, rate and points; then
    the adjustments the layers above answer for the period (sanctions deduct, commendations add), under
    "adjustments", the total kept within 0-100."""
    total = Decimal(0)
    components: dict[str, Any] = {}
    for indicator in INDICATORS:
        population, bad = counts[indicator.code].get(unit_id, (0, 0))
        rate = Decimal(1) if population == 0 else Decimal(population - bad) / Decimal(population)
        weight = weights.get(indicator.code, 0)
        points = (rate * weight).quantize(CENT, rounding=ROUND_HALF_UP)
        total += points
        components[indicator.code] = {
            "group": indicator.group,
            "total": population,
            "bad": bad,
            "rate": str(rate.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)),
            "weight": weight,
            "points": str(points),
        }
    if adjustments:
        for adjustment in adjustments:
            total += Decimal(str(adjustment["points"]))
        components["adjustments"] = adjustments
        total = min(max(total, Decimal(0)), Decimal(100))
    return total.quantize(CENT), components


@dataclass
class Row:
    unit_id: int
    group: str
    score: Decimal
    components: dict[str, Any]
    rank: int = 0
    last: bool = False
    last_twice: bool = False


def _ranked(rows: list[Row], previous_last: set[int]) -> None:
    """Competition ranking (1, 2, 2, 4) by score within each group; last place only where someone scored more."""
    for group in ScoreGroup:
        members = sorted(
            (row for row in rows if row.group == group), key=lambda row: (-row.score, row.unit_id)
        )
        if not members:
            continue
        for index, row in enumerate(members):
            row.rank = (
                index + 1 if index == 0 or row.score != members[index - 1].score else members[index - 1].rank
            )
        worst = members[-1].score
        if len(members) >= 2 and worst < members[0].score:
            for row in members:
                if row.score == worst:
                    row.last = True
                    row.last_twice = row.unit_id in previous_last


def digest_of(rows: Sequence[Row] | Sequence[Score]) -> str:
    """SHA-256 of the rows' canonical JSON (stored rows and computed ones give the same digest)."""
    ordered: list[Any] = sorted(rows, key=lambda row: row.unit_id)
    canonical = [
        [row.unit_id, row.group, str(row.score), row.rank, row.last, row.last_twice, row.components]
        for row in ordered
    ]
    data = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def _previous_last(government_ids: Sequence[int], period: Period) -> dict[int, set[int]]:
    before = period.previous()
    found: dict[int, set[int]] = {gid: set() for gid in government_ids}
    rows = Score.objects.filter(
        run__government_id__in=government_ids,
        run__year=before.year,
        run__quarter=before.quarter,
        run__status=RunStatus.DONE,
        last=True,
    ).values_list("run__government_id", "unit_id")
    for government_id, unit_id in rows:
        found[government_id or 0].add(unit_id)
    return found


def rows_computed(
    government_ids: Sequence[int],
    period: Period,
    cutoff: dt.datetime,
    weights: dict[int, dict[str, int]],
    steps: Steps | None = None,
) -> dict[int, list[Row]]:
    """Every government's rows, computed (nothing written). With `steps`: one step per indicator counted."""
    groups = comparable_units(government_ids)
    units = sorted(
        {unit for by_group in groups.values() for members in by_group.values() for unit in members}
    )
    window = Window(period.start, period.end, cutoff)
    if steps is None:
        counts = all_counts(units, window) if units else {indicator.code: {} for indicator in INDICATORS}
    else:
        steps.set_stage(_("Counting the indicators"), len(INDICATORS))
        counts = {}
        for indicator in INDICATORS:
            counts[indicator.code] = indicator.counts(units, window) if units else {}
            steps.advance()
    previous = _previous_last(government_ids, period)
    adjustments = adjustments_for(units, window)
    result: dict[int, list[Row]] = {}
    for government_id in government_ids:
        rows = []
        for group, members in groups[government_id].items():
            for unit_id in members:
                score, components = unit_score(
                    counts, unit_id, weights[government_id], adjustments.get(unit_id)
                )
                rows.append(Row(unit_id, group, score, components))
        _ranked(rows, previous[government_id])
        result[government_id] = rows
    return result


# Published to the layers above while a period is scored: each listener answers, for these units and this window,
# {unit_id: [{"code", "label", "points" (a signed decimal as text), "facts": [...]}]} — the results issue's
# sanctions (deducted) and commendations (added) of the period, as of the cutoff.
ADJUSTMENTS = "evaluation.adjustments"


def adjustments_for(units: Sequence[int], window: Window) -> dict[int, list[dict[str, Any]]]:
    merged: dict[int, list[dict[str, Any]]] = {}
    if not units:
        return merged
    for answer in publish(ADJUSTMENTS, units=list(units), window=window):
        for unit_id, entries in (answer or {}).items():
            merged.setdefault(unit_id, []).extend(entries)
    return merged


def _run_for(government_id: int, period: Period) -> ScoreRun:
    try:
        with transaction.atomic():
            run, _created = ScoreRun.objects.get_or_create(
                government_id=government_id, year=period.year, quarter=period.quarter
            )
    except IntegrityError:  # a concurrent first run of the same period
        run = ScoreRun.objects.get(government_id=government_id, year=period.year, quarter=period.quarter)
    return run


def scores_compute(
    government_ids: Sequence[int],
    period: Period,
    *,
    now: dt.datetime | None = None,
    steps: Steps | None = None,
) -> list[ScoreRun]:
    """Compute and store the period's scores of these governments as of now (the period's end once it is over).
    Frozen runs are left as they are. Returns the runs. With `steps`: a step per indicator counted, then per
    government stored (each in its own transaction; a stop before a government's turn leaves its run as it was)."""
    now = now or timezone.now()
    if not period.has_begun(now):
        raise InvalidState(codes.EVALUATION_PERIOD_NOT_BEGUN)
    frozen = set(
        ScoreRun.objects.filter(
            government_id__in=government_ids, year=period.year, quarter=period.quarter, frozen=True
        ).values_list("government_id", flat=True)
    )
    todo = [gid for gid in government_ids if gid not in frozen]
    cutoff = period.cutoff(now)
    weights = {gid: weights_for(gid) for gid in todo}
    computed = rows_computed(todo, period, cutoff, weights, steps) if todo else {}
    if steps is not None:
        steps.set_stage(_("Storing the scores"), len(todo))
    runs = []
    for government_id in government_ids:
        if government_id in frozen:
            runs.append(
                ScoreRun.objects.get(government_id=government_id, year=period.year, quarter=period.quarter)
            )
            continue
        runs.append(
            _store(government_id, period, cutoff, weights[government_id], computed[government_id], now)
        )
        if steps is not None:
            steps.advance()
    return runs


@transaction.atomic
def _store(
    government_id: int,
    period: Period,
    cutoff: dt.datetime,
    weights: dict[str, int],
    rows: list[Row],
    now: dt.datetime,
    *,
    freeze: bool = False,
) -> ScoreRun:
    run = ScoreRun.objects.select_for_update().get(pk=_run_for(government_id, period).pk)
    if run.frozen:
        return run
    Score.objects.filter(run=run).delete()
    Score.objects.bulk_create(
        Score(
            run=run,
            unit_id=row.unit_id,
            group=row.group,
            score=row.score,
            rank=row.rank,
            last=row.last,
            last_twice=row.last_twice,
            components=row.components,
        )
        for row in rows
    )
    run.status = RunStatus.DONE
    run.cutoff = cutoff
    run.weights = weights
    run.computed_at = now
    run.digest = digest_of(rows)
    run.error = ""
    run.frozen = freeze
    run.save()
    return run


def run_recomputed(run: ScoreRun) -> tuple[str, list[Row]]:
    """The run's figures computed again from the record as of its cutoff with its weights (nothing written):
    the digest equals the stored one when the period is reproducible."""
    if run.cutoff is None:
        raise InvalidState(codes.EVALUATION_NOT_COMPUTED)
    period = Period(run.year, run.quarter)
    rows = rows_computed([run.government_id], period, run.cutoff, {run.government_id: dict(run.weights)})[
        run.government_id
    ]
    # "Last twice" reads the stored run before; keep the stored answer's inputs the same.
    return digest_of(rows), rows


def year_freeze(government_id: int, year: int, *, now: dt.datetime) -> ScoreRun:
    """Compute (unless frozen already) and freeze the year's scores and its quarters' (the year's close)."""
    runs = []
    for quarter in (1, 2, 3, 4, 0):
        period = Period(year, quarter)
        if not period.has_begun(now):
            continue
        run = ScoreRun.objects.filter(government_id=government_id, year=year, quarter=quarter).first()
        if run is not None and run.frozen:
            runs.append(run)
            continue
        cutoff = period.cutoff(now)
        weights = weights_for(government_id)
        rows = rows_computed([government_id], period, cutoff, {government_id: weights})[government_id]
        runs.append(_store(government_id, period, cutoff, weights, rows, now, freeze=True))
    return runs[-1]


def run_request(*, actor: User, government_id: int, period: Period) -> tuple[ScoreRun, Job]:
    """The office (or a leader) asks for the period's scores: the run is queued and computed in a background job
    of the asker's (score_jobs.SCORES: progress per indicator, cancel, retry, the inbox told when done); asked
    again while it waits or runs, the same job. Returns the run and the job."""
    if not is_manager(actor, government_id):
        raise NotPermitted(
            codes.ROLE_REQUIRED, _("Only the supervision office and the leaders compute the scores.")
        )
    now = timezone.now()
    if not period.has_begun(now):
        raise InvalidState(codes.EVALUATION_PERIOD_NOT_BEGUN)
    run = _run_for(government_id, period)
    if run.frozen:
        raise InvalidState(codes.EVALUATION_FROZEN)
    if run.status != RunStatus.DONE:
        ScoreRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED, error="")
    from ducha.evaluation import score_jobs  # it runs this module's computation

    job = score_jobs.scores_job_start(actor=actor, government_id=government_id, period=period)
    run.refresh_from_db()
    return run, job
