"""The report to the level above as an official document (督查工作情况报告): a kind of the government's documents,
registered by this app (EvaluationConfig.ready), its text pre-filled from the government's latest report to the
level above — the summary and the figures — which the office edits before it issues it."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy

from ducha.documents.kinds.base import (
    COMMON_INPUTS,
    Draft,
    InputField,
    Inputs,
    Kind,
    from_office,
    paragraphs,
    register,
)
from ducha.documents.models import DocumentKind, DocumentProfile
from ducha.evaluation.models import PeriodReport, PeriodReportStatus
from ducha.evaluation.reports import FIGURE_LABELS, SUMMED, recipient_of
from ducha.orgs.models import Unit


def latest_report(government: Unit) -> PeriodReport | None:
    return (
        PeriodReport.objects.filter(government=government)
        .exclude(status=PeriodReportStatus.DRAFT)
        .order_by("-approved_at", "-id")
        .first()
    )


def _default_title(government: Unit, profile: DocumentProfile) -> str:
    report = latest_report(government)
    name = profile.issuer or government.name
    if report is None:
        return f"{name}关于督查工作情况的报告"
    return f"{name}关于{report.year}年{_period_words(report)}督查工作情况的报告"


def _period_words(report: PeriodReport) -> str:
    if report.period == "month":
        return f"{report.number}月份"
    if report.period == "quarter":
        return f"第{report.number}季度"
    return ""


def _default_recipients(government: Unit, profile: DocumentProfile) -> str:
    above = recipient_of(government)
    return f"{above.short_name or above.name}督查室" if above is not None else ""


def _default_body(government: Unit, profile: DocumentProfile) -> str:
    report = latest_report(government)
    if report is None:
        return ""
    lines = [report.summary, "", "一、主要数据"]
    lines.extend(f"{FIGURE_LABELS[key]}：{report.figures.get(key, 0)}" for key in SUMMED)
    lines.extend(["", "特此报告。"])
    return "\n".join(lines)


def _build(government: Unit, profile: DocumentProfile, values: Inputs, today: datetime.date) -> Draft:
    content = from_office(profile, values, today, title=values["title"], body=paragraphs(values["body"]))
    return Draft(content=content, title=values["title"])


PERIOD_REPORT_KIND = Kind(
    name=DocumentKind.PERIOD_REPORT,
    label=gettext_lazy("report to the level above"),
    subject_type="government",
    build=_build,
    repeatable=True,
    code_suffix="报",
    inputs=(
        InputField("title", gettext_lazy("title"), required=True, default=_default_title),
        InputField("recipients", gettext_lazy("addressed to"), required=True, default=_default_recipients),
        InputField("body", gettext_lazy("text"), required=True, multiline=True, default=_default_body),
        *COMMON_INPUTS,
    ),
)


def register_kind() -> None:
    register(PERIOD_REPORT_KIND)
