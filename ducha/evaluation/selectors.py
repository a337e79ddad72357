"""Reads of the evaluation within the reader's scope. The office and the leaders of a government see its ledger,
every unit's score and rank, and the facts behind them; a unit sees its own list, its own score and its own
place — not a league table (the 2023-2024 rules against compulsory points rankings) unless the office publishes
one. The government above sees the reports submitted to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, ValidationFailed
from ducha.evaluation.indicators import BY_CODE, Fact, Window, unit_facts
from ducha.evaluation.models import (
    LedgerConfirmation,
    LedgerEntry,
    LedgerYear,
    PeriodReport,
    PeriodReportStatus,
    RunStatus,
    Score,
    ScoreGroup,
    ScoreRun,
)
from ducha.evaluation.periods import Period
from ducha.orgs.models import Role, User
from ducha.orgs.selectors import government_of


def is_manager(actor: User, government_id: int) -> bool:
    """The supervision office of the government and its leaders (they run the evaluation and see every unit)."""
    unit = actor.unit
    return (
        unit is not None and unit.government_id == government_id and actor.has_role(Role.OFFICE, Role.LEADER)
    )


def government_id_of(actor: User) -> int:
    return government_of(actor).pk


def group_of(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if value not in ScoreGroup.values:
        raise ValidationFailed(codes.EVALUATION_GROUP_INVALID, fields={"kind": ScoreGroup.values})
    return value


@dataclass
class Scores:
    run: ScoreRun
    rows: list[Score]
    # Whether the reader sees every unit (the office, the leaders) or only its own.
    everyone: bool


def run_of(government_id: int, period: Period) -> ScoreRun | None:
    return ScoreRun.objects.filter(
        government_id=government_id, year=period.year, quarter=period.quarter
    ).first()


def scores_for(actor: User, period: Period, *, group: str | None = None) -> Scores:
    """The stored scores of the reader's government for the period; 409 when not computed yet."""
    government_id = government_id_of(actor)
    run = run_of(government_id, period)
    if run is None or run.status != RunStatus.DONE:
        raise InvalidState(codes.EVALUATION_NOT_COMPUTED)
    rows = (
        Score.objects.filter(run=run)
        .select_related("unit")
        .order_by("group", "rank", "unit__sort_order", "unit_id")
    )
    if group is not None:
        rows = rows.filter(group=group)
    everyone = is_manager(actor, government_id)
    if not everyone:
        rows = rows.filter(unit_id=actor.unit_id or 0)
    return Scores(run, list(rows), everyone)


@dataclass
class UnitFacts:
    score: Score
    run: ScoreRun
    facts: dict[str, list[Fact]]


def facts_for(actor: User, unit_id: int, period: Period, *, indicator: str | None = None) -> UnitFacts:
    """The unit's score and the facts behind each of its figures, as of the run's cutoff."""
    government_id = government_id_of(actor)
    if not is_manager(actor, government_id) and actor.unit_id != unit_id:
        raise NotFound()
    run = run_of(government_id, period)
    if run is None or run.status != RunStatus.DONE or run.cutoff is None:
        raise InvalidState(codes.EVALUATION_NOT_COMPUTED)
    score = Score.objects.filter(run=run, unit_id=unit_id).select_related("unit").first()
    if score is None:
        raise NotFound()
    if indicator is not None and indicator not in BY_CODE:
        raise ValidationFailed(codes.INVALID_INPUT, fields={"indicator": sorted(BY_CODE)})
    window = Window(period.start, period.end, run.cutoff)
    return UnitFacts(score, run, unit_facts(unit_id, window, [indicator] if indicator else None))


def ledgers_for(actor: User) -> QuerySet[LedgerYear]:
    """The ledgers the reader may open: its government's for the office and leaders; for a unit, the ledgers on
    which it has a list to confirm."""
    if actor.unit is None or actor.unit.government_id is None:
        return LedgerYear.objects.none()
    government_id = actor.unit.government_id
    queryset = LedgerYear.objects.select_related("government")
    if is_manager(actor, government_id):
        return queryset.filter(government_id=government_id)
    return queryset.filter(confirmations__unit_id=actor.unit_id or 0)


def ledger_for(actor: User, ledger_id: int) -> LedgerYear:
    ledger = ledgers_for(actor).filter(pk=ledger_id).first()
    if ledger is None:
        raise NotFound()
    return ledger


def entries_for(actor: User, ledger: LedgerYear, *, unit_id: int | None = None) -> QuerySet[LedgerEntry]:
    entries = ledger.entries.select_related("item", "unit").order_by("unit__sort_order", "unit_id", "id")
    if not is_manager(actor, ledger.government_id):
        return entries.filter(unit_id=actor.unit_id or 0)
    if unit_id is not None:
        entries = entries.filter(unit_id=unit_id)
    return entries


def confirmations_for(actor: User, ledger: LedgerYear) -> QuerySet[LedgerConfirmation]:
    rows = ledger.confirmations.select_related("unit", "decided_by")
    if not is_manager(actor, ledger.government_id):
        return rows.filter(unit_id=actor.unit_id or 0)
    return rows


def reports_for(actor: User) -> QuerySet[PeriodReport]:
    """The reader's government's own reports (office and leaders)."""
    if actor.unit is None or not is_manager(actor, actor.unit.government_id or 0):
        return PeriodReport.objects.none()
    return PeriodReport.objects.filter(government_id=actor.unit.government_id).select_related("government")


def received_reports(actor: User, **filters: Any) -> QuerySet[PeriodReport]:
    """The reports the governments below submitted to the reader's government (its office and leaders)."""
    if actor.unit is None or not is_manager(actor, actor.unit.government_id or 0):
        return PeriodReport.objects.none()
    return PeriodReport.objects.filter(
        recipient_id=actor.unit.government_id, status=PeriodReportStatus.SUBMITTED, **filters
    ).select_related("government")


def report_for(actor: User, report_id: int) -> PeriodReport:
    report = (reports_for(actor) | received_reports(actor)).filter(pk=report_id).first()
    if report is None:
        raise NotFound()
    return report
