"""Reports to the level above (月报/季报/年报): the office generates a period's report, the office head (another
office user than the one who generated it) or a leader approves it, the office submits it to the government above;
its detail with the figures and the summary, downloaded as .xlsx. The office above sees the reports submitted to
it, with the roll-up row."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ducha.common.errors import DomainError, NotFound
from ducha.evaluation import reports as services
from ducha.evaluation import selectors
from ducha.evaluation.models import PeriodReport, PeriodReportStatus, ReportPeriod
from ducha.evaluation.periods import Period
from ducha.items.models import SourceType
from ducha.orgs.models import Role, User
from ducha.workbench.forms.evaluation import ReportGenerateForm
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.views.evaluation.base import (
    checked_id,
    manager_or_403,
    refusal_of,
    render_refused,
    user_of,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def period_label(report: PeriodReport) -> str:
    if report.period == ReportPeriod.MONTH:
        return Period(report.year, month=report.number).label
    if report.period == ReportPeriod.QUARTER:
        return Period(report.year, report.number).label
    return Period(report.year).label


def _labelled(reports: list[PeriodReport]) -> list[PeriodReport]:
    for report in reports:
        report.period_label = period_label(report)  # type: ignore[attr-defined]
    return reports


def _list_context(user: User) -> dict[str, Any]:
    return {
        "reports": _labelled(list(selectors.reports_for(user))),
        "may_generate": user.has_role(Role.OFFICE),
        "kinds": ReportPeriod.choices,
        "this_year": timezone.localdate().year,
        "received_count": selectors.received_reports(user).count(),
    }


@login_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    manager_or_403(user)
    return render(request, "evaluation/reports.html", _list_context(user))


@login_required
@require_POST
def report_generate(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government = manager_or_403(user)
    data = cleaned(ReportGenerateForm(request.POST))
    try:
        report = services.report_generate(
            actor=user,
            government_id=government.pk,
            kind=data["period"],
            year=data["year"],
            number=data["number"] or 0,
        )
    except DomainError as error:
        context = _list_context(user) | {"refusal": refusal_of(error, "generate", values=request.POST)}
        return render_refused(request, "evaluation/reports.html", context, error)
    messages.success(request, _("The report is generated."))
    return redirect("evaluation-report", report.pk)


def _report_or_404(user: User, report_id: int) -> PeriodReport:
    try:
        return selectors.report_for(user, checked_id(report_id))
    except NotFound:
        raise Http404 from None


def _figure_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"key": key, "label": services.FIGURE_LABELS.get(key, key), "value": figures.get(key, 0)}
        for key in services.SUMMED
    ]


def _sources(by_source: dict[str, int]) -> list[tuple[str, int]]:
    labels = dict(SourceType.choices)
    return [(str(labels.get(code, code)), n) for code, n in sorted(by_source.items())]


def _detail_context(user: User, report: PeriodReport) -> dict[str, Any]:
    own = user.unit is not None and user.unit.government_id == report.government_id
    draft = report.status == PeriodReportStatus.DRAFT
    return {
        "report": report,
        "period_label": period_label(report),
        "rows": _figure_rows(report.figures),
        "sources": _sources(report.figures.get("by_source") or {}),
        "scores": report.figures.get("scores") or [],
        "own": own,
        "may_approve": own
        and draft
        and (user.has_role(Role.LEADER) or (user.has_role(Role.OFFICE) and user.pk != report.created_by_id)),
        "approval_waits_on_another": own and draft and user.pk == report.created_by_id,
        "may_regenerate": own and draft and user.has_role(Role.OFFICE),
        "may_submit": own and report.status == PeriodReportStatus.APPROVED and user.has_role(Role.OFFICE),
    }


@login_required
@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    user = user_of(request)
    report = _report_or_404(user, report_id)
    return render(request, "evaluation/report.html", _detail_context(user, report))


@login_required
@require_POST
def report_act(request: HttpRequest, report_id: int, action: str) -> HttpResponse:
    user = user_of(request)
    report = _report_or_404(user, report_id)
    if action not in ("approve", "submit"):
        raise Http404
    try:
        if action == "approve":
            services.report_approve(actor=user, report_id=report.pk)
            message = _("The report is approved.")
        else:
            services.report_submit(actor=user, report_id=report.pk)
            message = _("The report is submitted to %(recipient)s.") % {"recipient": report.recipient.name}
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        report.refresh_from_db()
        context = _detail_context(user, report) | {"refusal": refusal_of(error, action)}
        return render_refused(request, "evaluation/report.html", context, error)
    messages.success(request, message)
    return redirect("evaluation-report", report.pk)


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_GET
def report_download(request: HttpRequest, report_id: int) -> HttpResponse:
    user = user_of(request)
    report = _report_or_404(user, report_id)
    name = f"{report.government.name}-{period_label(report)}.xlsx"
    return _xlsx(services.report_xlsx([report]), name)


@login_required
@require_GET
def received_page(request: HttpRequest) -> HttpResponse:
    """The reports the governments below submitted to the user's government, and their roll-up."""
    user = user_of(request)
    manager_or_403(user)
    received = _labelled(list(selectors.received_reports(user).order_by("-year", "-number", "government_id")))
    total = services.rollup(received)
    return render(
        request,
        "evaluation/received.html",
        {
            "rows": [
                (report, [int(report.figures.get(key, 0) or 0) for key in services.SUMMED])
                for report in received
            ],
            "labels": [services.FIGURE_LABELS.get(key, key) for key in services.SUMMED],
            "total": total,
            "total_values": [total[key] for key in services.SUMMED],
            "sources": _sources(total.get("by_source") or {}),
        },
    )


@login_required
@require_GET
def received_download(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    manager_or_403(user)
    received = list(selectors.received_reports(user).order_by("-year", "-number", "government_id"))
    return _xlsx(services.report_xlsx(received), f"{_('Received reports')}.xlsx")
