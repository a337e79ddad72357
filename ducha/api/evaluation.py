"""The evaluation (考核) and the year's ledger (专项台账) over the API: thin endpoints over ducha.evaluation's services
(scoring, ledger, reports) and its selectors (scope).

`/evaluation/scores` — the stored scores of the reader's government for a quarter or the year (a unit gets its own
row only), `POST /evaluation/scores/compute` queues the computation, `/evaluation/scores/{unit_id}/facts` lists the
facts behind a unit's figures, `/evaluation/scheme` the weights. `/ledger-years/` — the year's ledger from its
opening to its close. `/period-reports/` — the reports to the government above, and those received from below.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status

from ducha.api.background import background_job_out
from ducha.api.base import ERRORS, actor
from ducha.api.schemas.common import CommentIn, ReasonIn
from ducha.api.schemas.evaluation import (
    LedgerAnswerIn,
    LedgerCheckIn,
    LedgerCheckOut,
    LedgerConfirmationOut,
    LedgerEntriesIn,
    LedgerEntryOut,
    LedgerExplanationOut,
    LedgerNoteIn,
    LedgerNoteOut,
    LedgerObjectionIn,
    LedgerReplyIn,
    LedgerYearDetailOut,
    LedgerYearIn,
    LedgerYearOut,
    PeriodReportIn,
    PeriodReportOut,
    ReceivedReportsOut,
    SchemeIn,
    SchemeOut,
    ScoreComputeIn,
    ScoreRunOut,
    ScoresOut,
    UnitFactsOut,
)
from ducha.api.shapes import unit_ref, user_ref
from ducha.common.errors import NotFound
from ducha.evaluation import ledger as ledgers
from ducha.evaluation import reports, scoring, selectors
from ducha.evaluation.indicators import DEFAULT_WEIGHTS, GROUPS, INDICATORS
from ducha.evaluation.models import (
    ExplanationRequest,
    LedgerConfirmation,
    LedgerEntry,
    LedgerNote,
    LedgerYear,
    MidYearCheck,
    PeriodReport,
    Scheme,
    Score,
    ScoreRun,
)
from ducha.evaluation.periods import Period, period_of
from ducha.orgs.models import User

router = Router(tags=["evaluation"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _this_year(year: int | None) -> int:
    return timezone.localdate().year if year is None else year


# --- scores ---------------------------------------------------------------------------------------------------------


def _period_out(period: Period) -> dict[str, Any]:
    return {
        "year": period.year,
        "quarter": period.quarter,
        "label": str(period.label),
        "start": period.start,
        "end": period.end,
    }


def _score_out(score: Score) -> dict[str, Any]:
    return {
        "unit": unit_ref(score.unit),
        "group": score.group,
        "score": str(score.score),
        "rank": score.rank,
        "components": score.components,
        "last": score.last,
        "last_twice": score.last_twice,
    }


def _run_out(run: ScoreRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "year": run.year,
        "quarter": run.quarter,
        "status": run.status,
        "cutoff": run.cutoff,
        "computed_at": run.computed_at,
        "frozen": run.frozen,
        "error": run.error,
    }


def _indicators() -> dict[str, dict[str, str]]:
    return {
        indicator.code: {
            "label": str(indicator.label),
            "rule": str(indicator.rule),
            "group": str(GROUPS.get(indicator.group, indicator.group)),
        }
        for indicator in INDICATORS
    }


@router.get("/evaluation/scores", response={200: ScoresOut, **ERRORS}, summary="考核得分")
def scores(
    request: HttpRequest, year: int | None = None, quarter: int = 0, kind: str | None = None
) -> dict[str, Any]:
    """The stored scores of the period (a quarter, or the year with quarter 0; this year by default), as of the
    run's cutoff; `kind` = department or township keeps one comparable group. A unit sees its own row only."""
    period = period_of(_this_year(year), quarter)
    found = selectors.scores_for(actor(request), period, group=selectors.group_of(kind))
    run = found.run
    return {
        "period": _period_out(period),
        "cutoff": run.cutoff,
        "computed_at": run.computed_at,
        "frozen": run.frozen,
        "digest": run.digest,
        "everyone": found.everyone,
        "rows": [_score_out(score) for score in found.rows],
    }


@router.post(
    "/evaluation/scores/compute", response={202: ScoreRunOut, **ERRORS}, summary="计算考核得分（后台）"
)
def scores_compute(request: HttpRequest, body: ScoreComputeIn) -> Any:
    """The office (or a leader) asks for the period's scores as of now; they are computed in the background."""
    user = actor(request)
    period = period_of(body.year, body.quarter)
    run, job = scoring.run_request(actor=user, government_id=selectors.government_id_of(user), period=period)
    return Status(202, _run_out(run) | {"job": background_job_out(job)})


@router.get(
    "/evaluation/scores/{unit_id}/facts",
    response={200: UnitFactsOut, **ERRORS},
    summary="得分依据（事实明细）",
)
def score_facts(
    request: HttpRequest,
    unit_id: int,
    year: int | None = None,
    quarter: int = 0,
    indicator: str | None = None,
) -> dict[str, Any]:
    """The unit's score and, per indicator, every fact behind its figure as of the run's cutoff."""
    period = period_of(_this_year(year), quarter)
    found = selectors.facts_for(actor(request), unit_id, period, indicator=indicator or None)
    score = found.score
    return {
        "unit": unit_ref(score.unit),
        "score": str(score.score),
        "rank": score.rank,
        "group": score.group,
        "cutoff": found.run.cutoff,
        "components": score.components,
        "facts": {
            code: [
                {
                    "bad": fact.bad,
                    "when": fact.when,
                    "what": str(fact.what),
                    "item_id": fact.item_id,
                    "number": fact.number,
                    "title": fact.title,
                    "subject_type": fact.subject_type,
                    "subject_id": fact.subject_id,
                    "detail": fact.detail,
                }
                for fact in facts
            ]
            for code, facts in found.facts.items()
        },
        "indicators": _indicators(),
    }


def _scheme_out(government_id: int) -> dict[str, Any]:
    scheme = Scheme.objects.filter(government_id=government_id).select_related("updated_by").first()
    return {
        "weights": dict(scheme.weights) if scheme is not None else dict(DEFAULT_WEIGHTS),
        "is_default": scheme is None,
        "updated_by": user_ref(scheme.updated_by) if scheme is not None else None,
        "updated_at": scheme.updated_at if scheme is not None else None,
        "indicators": _indicators(),
    }


@router.get("/evaluation/scheme", response={200: SchemeOut, **ERRORS}, summary="考核指标权重")
def scheme(request: HttpRequest) -> dict[str, Any]:
    return _scheme_out(selectors.government_id_of(actor(request)))


@router.put("/evaluation/scheme", response={200: SchemeOut, **ERRORS}, summary="设置考核指标权重")
def scheme_update(request: HttpRequest, body: SchemeIn) -> dict[str, Any]:
    """The office sets the weights: a whole number 0-100 for each indicator (missing ones weigh 0), adding up to
    100."""
    user = actor(request)
    government_id = selectors.government_id_of(user)
    scoring.scheme_set(actor=user, government_id=government_id, weights=body.weights)
    return _scheme_out(government_id)


# --- the year's ledger ------------------------------------------------------------------------------------------------


def _ledger_out(ledger: LedgerYear) -> dict[str, Any]:
    return {
        "id": ledger.pk,
        "government": unit_ref(ledger.government),
        "year": ledger.year,
        "status": ledger.status,
        "status_display": str(ledger.get_status_display()),
        "created_by": user_ref(ledger.created_by),
        "created_at": ledger.created_at,
        "approved_by": user_ref(ledger.approved_by),
        "approved_at": ledger.approved_at,
        "return_reason": ledger.return_reason,
        "closed_by": user_ref(ledger.closed_by),
        "closed_at": ledger.closed_at,
        "frozen_digest": ledger.frozen_digest,
    }


def _confirmation_out(confirmation: LedgerConfirmation) -> dict[str, Any]:
    return {
        "id": confirmation.pk,
        "unit": unit_ref(confirmation.unit),
        "status": confirmation.status,
        "objection": confirmation.objection,
        "office_reply": confirmation.office_reply,
        "decided_by": user_ref(confirmation.decided_by),
        "decided_at": confirmation.decided_at,
    }


def _explanation_out(explanation: ExplanationRequest) -> dict[str, Any]:
    return {
        "id": explanation.pk,
        "entry": explanation.entry_id,
        "unit": unit_ref(explanation.unit),
        "question": explanation.question,
        "answer": explanation.answer,
        "answered_by": user_ref(explanation.answered_by),
        "answered_at": explanation.answered_at,
    }


def _own_figures(figures: dict[str, Any], unit_id: int | None, entry_ids: set[int]) -> dict[str, Any]:
    """A unit's slice of the ledger's figures: its own row and its own entries' states, no one else's."""
    units = {key: value for key, value in figures.get("units", {}).items() if key == str(unit_id)}
    return {
        "as_of": figures.get("as_of"),
        "units": units,
        "states": {key: value for key, value in figures.get("states", {}).items() if int(key) in entry_ids},
    }


def _check_out(check: MidYearCheck, user: User, manager: bool, entry_ids: set[int]) -> dict[str, Any]:
    explanations = check.explanations.select_related("unit", "answered_by").order_by("id")
    if not manager:
        explanations = explanations.filter(unit_id=user.unit_id or 0)
    return {
        "id": check.pk,
        "as_of": check.as_of,
        "figures": check.figures if manager else _own_figures(check.figures, user.unit_id, entry_ids),
        "report": check.report if manager else "",
        "created_at": check.created_at,
        "explanations": [_explanation_out(explanation) for explanation in explanations],
    }


def _note_out(note: LedgerNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "entry": note.entry_id,
        "kind": note.kind,
        "text": note.text,
        "author": user_ref(note.author),
        "created_at": note.created_at,
    }


def _ledger_detail(user: User, ledger: LedgerYear) -> dict[str, Any]:
    """The ledger as the reader may see it: the office and the leaders everything; a unit its own list, its own
    figures and its own explanations."""
    manager = selectors.is_manager(user, ledger.government_id)
    figures = ledgers.ledger_figures(ledger, timezone.localdate())
    entry_ids = set(selectors.entries_for(user, ledger).values_list("id", flat=True))
    check = MidYearCheck.objects.filter(ledger_year=ledger).first()
    notes = ledger.notes.select_related("author").order_by("id") if manager else LedgerNote.objects.none()
    return {
        **_ledger_out(ledger),
        "figures": figures if manager else _own_figures(figures, user.unit_id, entry_ids),
        "confirmations": [_confirmation_out(c) for c in selectors.confirmations_for(user, ledger)],
        "mid_year_check": _check_out(check, user, manager, entry_ids) if check is not None else None,
        "notes": [_note_out(note) for note in notes],
        "frozen_figures": ledger.frozen_figures if manager else {},
        "frozen_intact": ledgers.frozen_intact(ledger) if ledger.is_closed else None,
    }


def _entry_out(entry: LedgerEntry, today: Any) -> dict[str, Any]:
    item = entry.item
    return {
        "id": entry.pk,
        "item": {
            "id": item.pk,
            "number": item.number,
            "title": item.title,
            "status": item.status,
            "due_date": item.due_date,
        },
        "unit": unit_ref(entry.unit),
        "category": entry.category,
        "carried_from": entry.carried_from_id,
        "carry_reason": entry.carry_reason,
        "settlement": entry.settlement,
        "settled_at": entry.settled_at,
        "state": ledgers.entry_state(item, today),
    }


def _ledger(request: HttpRequest, ledger_id: int) -> tuple[User, LedgerYear]:
    """The ledger if the reader may open it, else 404."""
    user = actor(request)
    return user, selectors.ledger_for(user, ledger_id)


def _fresh(ledger_id: int) -> LedgerYear:
    return LedgerYear.objects.select_related("government", "created_by", "approved_by", "closed_by").get(
        pk=ledger_id
    )


def _entry_of(ledger: LedgerYear, entry_id: int) -> LedgerEntry:
    entry = LedgerEntry.objects.filter(pk=entry_id, ledger_year=ledger).first()
    if entry is None:
        raise NotFound()
    return entry


@router.get("/ledger-years/", response={200: list[LedgerYearOut], **ERRORS}, summary="年度台账列表")
def ledger_years(request: HttpRequest) -> list[dict[str, Any]]:
    rows = selectors.ledgers_for(actor(request)).select_related("created_by", "approved_by", "closed_by")
    return [_ledger_out(ledger) for ledger in rows.distinct()]


@router.post("/ledger-years/", response={201: LedgerYearOut, **ERRORS}, summary="年初建账")
def ledger_open(request: HttpRequest, body: LedgerYearIn) -> Any:
    """The office draws the year's ledger up; last year's carried-over tasks come onto it with their reasons."""
    user = actor(request)
    ledger = ledgers.ledger_open(actor=user, government_id=selectors.government_id_of(user), year=body.year)
    return Status(201, _ledger_out(_fresh(ledger.pk)))


@router.get(
    "/ledger-years/{ledger_id}", response={200: LedgerYearDetailOut, **ERRORS}, summary="年度台账详情"
)
def ledger_year(request: HttpRequest, ledger_id: int) -> dict[str, Any]:
    user, ledger = _ledger(request, ledger_id)
    return _ledger_detail(user, _fresh(ledger.pk))


@router.get(
    "/ledger-years/{ledger_id}/entries", response={200: list[LedgerEntryOut], **ERRORS}, summary="台账任务"
)
def ledger_entries(request: HttpRequest, ledger_id: int, unit: int | None = None) -> list[dict[str, Any]]:
    """The ledger's tasks (a unit gets its own; the office may keep one unit's with `unit`)."""
    user, ledger = _ledger(request, ledger_id)
    today = timezone.localdate()
    return [_entry_out(entry, today) for entry in selectors.entries_for(user, ledger, unit_id=unit)]


@router.post(
    "/ledger-years/{ledger_id}/entries",
    response={201: list[LedgerEntryOut], **ERRORS},
    summary="任务入账",
)
def ledger_entries_add(request: HttpRequest, ledger_id: int, body: LedgerEntriesIn) -> Any:
    """The given items, as `category`; with no `item_ids`, every work report task and 民生实事 of the year."""
    user, ledger = _ledger(request, ledger_id)
    entries = ledgers.ledger_entries_add(
        actor=user, ledger_id=ledger.pk, item_ids=body.item_ids, category=body.category
    )
    today = timezone.localdate()
    rows = LedgerEntry.objects.filter(pk__in=[entry.pk for entry in entries if entry.pk]).select_related(
        "item", "unit"
    )
    if len(rows) != len(entries):  # bulk_create gives no ids on some databases: read them back by item
        rows = LedgerEntry.objects.filter(
            ledger_year=ledger, item_id__in=[entry.item_id for entry in entries]
        ).select_related("item", "unit")
    return Status(201, [_entry_out(entry, today) for entry in rows.order_by("id")])


@router.delete(
    "/ledger-years/{ledger_id}/entries/{entry_id}", response={204: None, **ERRORS}, summary="任务出账"
)
def ledger_entry_remove(request: HttpRequest, ledger_id: int, entry_id: int, body: ReasonIn) -> Any:
    user, ledger = _ledger(request, ledger_id)
    entry = _entry_of(ledger, entry_id)
    ledgers.ledger_entry_remove(actor=user, entry_id=entry.pk, reason=body.reason)
    return Status(204, None)


@router.post(
    "/ledger-years/{ledger_id}/entries/{entry_id}/carry-over",
    response={200: LedgerEntryOut, **ERRORS},
    summary="结转下年",
)
def ledger_carry_over(request: HttpRequest, ledger_id: int, entry_id: int, body: ReasonIn) -> Any:
    user, ledger = _ledger(request, ledger_id)
    entry = _entry_of(ledger, entry_id)
    ledgers.carry_over(actor=user, entry_id=entry.pk, reason=body.reason)
    fresh = LedgerEntry.objects.select_related("item", "unit").get(pk=entry.pk)
    return _entry_out(fresh, timezone.localdate())


@router.post(
    "/ledger-years/{ledger_id}/submit", response={200: LedgerYearOut, **ERRORS}, summary="提交领导审批"
)
def ledger_submit(request: HttpRequest, ledger_id: int) -> Any:
    user, ledger = _ledger(request, ledger_id)
    ledgers.ledger_submit(actor=user, ledger_id=ledger.pk)
    return _ledger_out(_fresh(ledger.pk))


@router.post("/ledger-years/{ledger_id}/approve", response={200: LedgerYearOut, **ERRORS}, summary="批准台账")
def ledger_approve(request: HttpRequest, ledger_id: int, body: CommentIn | None = None) -> Any:
    user, ledger = _ledger(request, ledger_id)
    ledgers.ledger_approve(actor=user, ledger_id=ledger.pk, comment=body.comment if body else "")
    return _ledger_out(_fresh(ledger.pk))


@router.post("/ledger-years/{ledger_id}/return", response={200: LedgerYearOut, **ERRORS}, summary="退回台账")
def ledger_return(request: HttpRequest, ledger_id: int, body: ReasonIn) -> Any:
    user, ledger = _ledger(request, ledger_id)
    ledgers.ledger_return(actor=user, ledger_id=ledger.pk, reason=body.reason)
    return _ledger_out(_fresh(ledger.pk))


@router.post(
    "/ledger-years/{ledger_id}/confirm",
    response={200: LedgerConfirmationOut, **ERRORS},
    summary="单位确认清单",
)
def ledger_confirm(request: HttpRequest, ledger_id: int) -> Any:
    user, ledger = _ledger(request, ledger_id)
    confirmation = ledgers.ledger_confirm(actor=user, ledger_id=ledger.pk)
    return _confirmation_out(
        LedgerConfirmation.objects.select_related("unit", "decided_by").get(pk=confirmation.pk)
    )


@router.post(
    "/ledger-years/{ledger_id}/object",
    response={200: LedgerConfirmationOut, **ERRORS},
    summary="单位提出异议",
)
def ledger_object(request: HttpRequest, ledger_id: int, body: LedgerObjectionIn) -> Any:
    user, ledger = _ledger(request, ledger_id)
    confirmation = ledgers.ledger_object(actor=user, ledger_id=ledger.pk, objection=body.objection)
    return _confirmation_out(
        LedgerConfirmation.objects.select_related("unit", "decided_by").get(pk=confirmation.pk)
    )


@router.post(
    "/ledger-years/{ledger_id}/confirmations/{confirmation_id}/answer",
    response={200: LedgerConfirmationOut, **ERRORS},
    summary="答复单位异议",
)
def ledger_objection_answer(
    request: HttpRequest, ledger_id: int, confirmation_id: int, body: LedgerReplyIn
) -> Any:
    user, ledger = _ledger(request, ledger_id)
    if not LedgerConfirmation.objects.filter(pk=confirmation_id, ledger_year=ledger).exists():
        raise NotFound()
    confirmation = ledgers.objection_answer(actor=user, confirmation_id=confirmation_id, reply=body.reply)
    return _confirmation_out(
        LedgerConfirmation.objects.select_related("unit", "decided_by").get(pk=confirmation.pk)
    )


@router.post(
    "/ledger-years/{ledger_id}/mid-year-check", response={201: LedgerCheckOut, **ERRORS}, summary="年中查账"
)
def ledger_check(request: HttpRequest, ledger_id: int, body: LedgerCheckIn | None = None) -> Any:
    user, ledger = _ledger(request, ledger_id)
    check = ledgers.mid_year_check(actor=user, ledger_id=ledger.pk, as_of=body.as_of if body else None)
    entry_ids = set(selectors.entries_for(user, ledger).values_list("id", flat=True))
    return Status(201, _check_out(check, user, True, entry_ids))


@router.post(
    "/ledger-years/{ledger_id}/explanations/{explanation_id}",
    response={200: LedgerExplanationOut, **ERRORS},
    summary="单位作出说明",
)
def ledger_explain(request: HttpRequest, ledger_id: int, explanation_id: int, body: LedgerAnswerIn) -> Any:
    user, ledger = _ledger(request, ledger_id)
    if not ExplanationRequest.objects.filter(pk=explanation_id, mid_year_check__ledger_year=ledger).exists():
        raise NotFound()
    explanation = ledgers.explanation_give(actor=user, explanation_id=explanation_id, answer=body.answer)
    return _explanation_out(
        ExplanationRequest.objects.select_related("unit", "answered_by").get(pk=explanation.pk)
    )


@router.post(
    "/ledger-years/{ledger_id}/notes",
    response={201: LedgerNoteOut, **ERRORS},
    summary="阶段备案（结账后为更正）",
)
def ledger_note(request: HttpRequest, ledger_id: int, body: LedgerNoteIn) -> Any:
    user, ledger = _ledger(request, ledger_id)
    note = ledgers.note_add(actor=user, ledger_id=ledger.pk, text=body.text, entry_id=body.entry)
    return Status(201, _note_out(LedgerNote.objects.select_related("author").get(pk=note.pk)))


@router.post(
    "/ledger-years/{ledger_id}/close", response={200: LedgerYearDetailOut, **ERRORS}, summary="年终结账"
)
def ledger_close(request: HttpRequest, ledger_id: int) -> Any:
    """Every task settled, the year's scores frozen, the year's figures stored with their SHA-256. Closing a closed
    ledger answers the same."""
    user, ledger = _ledger(request, ledger_id)
    ledgers.ledger_close(actor=user, ledger_id=ledger.pk)
    return _ledger_detail(user, _fresh(ledger.pk))


# --- reports to the level above ------------------------------------------------------------------------------------


def _report_out(report: PeriodReport) -> dict[str, Any]:
    period = Period(
        report.year,
        report.number if report.period == "quarter" else 0,
        report.number if report.period == "month" else 0,
    )
    return {
        "id": report.pk,
        "government": unit_ref(report.government),
        "recipient": unit_ref(report.recipient),
        "period": report.period,
        "year": report.year,
        "number": report.number,
        "label": str(period.label),
        "status": report.status,
        "cutoff": report.cutoff,
        "figures": report.figures,
        "summary": report.summary,
        "created_by": user_ref(report.created_by),
        "created_at": report.created_at,
        "approved_by": user_ref(report.approved_by),
        "approved_at": report.approved_at,
        "submitted_by": user_ref(report.submitted_by),
        "submitted_at": report.submitted_at,
        "xlsx_url": f"/api/v1/period-reports/{report.pk}.xlsx",
    }


_REPORT_RELATED = ("government", "recipient", "created_by", "approved_by", "submitted_by")


def _report(report_id: int) -> PeriodReport:
    return PeriodReport.objects.select_related(*_REPORT_RELATED).get(pk=report_id)


@router.get("/period-reports/", response={200: list[PeriodReportOut], **ERRORS}, summary="本级报表")
def period_reports(request: HttpRequest, year: int | None = None) -> list[dict[str, Any]]:
    rows = selectors.reports_for(actor(request)).select_related(*_REPORT_RELATED)
    if year is not None:
        rows = rows.filter(year=year)
    return [_report_out(report) for report in rows]


@router.post("/period-reports/", response={201: PeriodReportOut, **ERRORS}, summary="生成报表")
def period_report_generate(request: HttpRequest, body: PeriodReportIn) -> Any:
    """The office generates the period's report with today's figures (again, while not yet approved)."""
    user = actor(request)
    report = reports.report_generate(
        actor=user,
        government_id=selectors.government_id_of(user),
        kind=body.period,
        year=body.year,
        number=body.number,
    )
    return Status(201, _report_out(_report(report.pk)))


# Declared before `{report_id}`, which would take "received" as its id.
@router.get(
    "/period-reports/received", response={200: ReceivedReportsOut, **ERRORS}, summary="下级报送的报表（汇总）"
)
def period_reports_received(
    request: HttpRequest, period: str | None = None, year: int | None = None, number: int | None = None
) -> dict[str, Any]:
    """The reports the governments below submitted, and their figures added up (keep one period with `period`,
    `year` and `number` for a meaningful total)."""
    filters: dict[str, Any] = {}
    if period:
        filters["period"] = period
    if year is not None:
        filters["year"] = year
    if number is not None:
        filters["number"] = number
    rows = list(
        selectors.received_reports(actor(request), **filters)
        .select_related(*_REPORT_RELATED)
        .order_by("-year", "-number", "government__sort_order", "id")
    )
    return {"reports": [_report_out(report) for report in rows], "rollup": reports.rollup(rows)}


@router.get("/period-reports/{report_id}.xlsx", response={200: None, **ERRORS}, summary="报表 .xlsx")
def period_report_xlsx(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_for(actor(request), report_id)
    response = HttpResponse(reports.report_xlsx([_report(report.pk)]), content_type=XLSX)
    name = f"{report.government.name}-{report.period}-{report.year}-{report.number}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@router.get("/period-reports/{report_id}", response={200: PeriodReportOut, **ERRORS}, summary="报表详情")
def period_report(request: HttpRequest, report_id: int) -> dict[str, Any]:
    return _report_out(_report(selectors.report_for(actor(request), report_id).pk))


@router.post(
    "/period-reports/{report_id}/approve", response={200: PeriodReportOut, **ERRORS}, summary="审定报表"
)
def period_report_approve(request: HttpRequest, report_id: int) -> Any:
    report = selectors.report_for(actor(request), report_id)
    reports.report_approve(actor=actor(request), report_id=report.pk)
    return _report_out(_report(report.pk))


@router.post(
    "/period-reports/{report_id}/submit", response={200: PeriodReportOut, **ERRORS}, summary="报送上级"
)
def period_report_submit(request: HttpRequest, report_id: int) -> Any:
    report = selectors.report_for(actor(request), report_id)
    reports.report_submit(actor=actor(request), report_id=report.pk)
    return _report_out(_report(report.pk))
