"""The documents of an inspection and of its plan: the 督查报告 (the compiled facts and the office's own analysis,
causes and suggestions), the 整改通知 to one target, the 复核决定 on one review request, the 约谈通知 to a
target's leaders, and the 年度督查计划."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed
from ducha.documents.kinds.base import (
    COMMON_INPUTS,
    CONTACT_INPUTS,
    Draft,
    InputField,
    Inputs,
    Kind,
    default_recipients,
    from_office,
    names,
    paragraphs,
    parse_datetime,
    register,
)
from ducha.documents.layout import Block, chinese_date
from ducha.documents.models import DocumentKind, DocumentProfile
from ducha.inspections.lifecycle import ConclusionStatus, InspectionStatus, PlanStatus, ReviewStatus
from ducha.inspections.models import (
    AnnualPlan,
    Conclusion,
    Finding,
    Inspection,
    InspectionKind,
    PlanProposal,
    Rectification,
    RectificationKind,
    ReviewOutcome,
    ReviewRequest,
)
from ducha.inspections.statuses import ProposalStatus
from ducha.orgs.models import Unit

CONCLUDED = frozenset({InspectionStatus.CONCLUDING, InspectionStatus.RECTIFYING, InspectionStatus.CLOSED})
NUMERALS = "一二三四五六七八九十"


def _numeral(index: int) -> str:
    return NUMERALS[index] if index < len(NUMERALS) else str(index + 1)


def _not_concluded(inspection: Inspection) -> str | None:
    if inspection.status not in CONCLUDED:
        return str(_("The inspection's fieldwork has not finished yet."))
    return None


def _targets(inspection: Inspection) -> list[Unit]:
    return [
        target.unit for target in inspection.targets.select_related("unit").order_by("unit__sort_order", "pk")
    ]


# --- 督查报告 ---------------------------------------------------------------------------------------------------


def _inspection_report(
    inspection: Inspection, profile: DocumentProfile, values: Inputs, today: datetime.date
) -> Draft:
    findings = list(
        Finding.objects.filter(inspection=inspection).select_related("target").order_by("target_id", "pk")
    )
    rectifications = {r.finding_id: r for r in Rectification.objects.filter(inspection=inspection)}
    kind_label = str(InspectionKind(inspection.kind).label)
    body = [
        Block(
            f"根据{inspection.basis or '年度督查计划'}，{inspection.lead_unit.name}于"
            f"{chinese_date(inspection.start_date)}至{chinese_date(inspection.end_date)}对"
            f"{names(_targets(inspection))}开展了{inspection.topic}（{kind_label}）。现将有关情况报告如下。"
        ),
        Block("一、基本情况", 1),
        Block(
            f"本次督查共发现问题{len(findings)}个，其中立行立改"
            f"{sum(1 for f in findings if f.rectification_kind == RectificationKind.IMMEDIATE)}个，"
            f"限期整改{sum(1 for f in findings if f.rectification_kind != RectificationKind.IMMEDIATE)}个。"
        ),
    ]
    for index, finding in enumerate(findings, start=1):
        rectification = rectifications.get(finding.pk)
        state = f"（整改状态：{rectification.get_status_display()}）" if rectification is not None else ""
        body.append(Block(f"{index}.{finding.target.name}：{finding.title}。{finding.description}{state}", 3))
    body.append(Block("二、存在问题及原因分析", 1))
    body += paragraphs(values["analysis"])
    body += paragraphs(values["causes"])
    body.append(Block("三、意见建议", 1))
    body += paragraphs(values["suggestions"])
    content = from_office(
        profile,
        values,
        today,
        title=f"关于{inspection.topic}的督查报告",
        body=body,
    )
    return Draft(content=content, title=f"督查报告：{inspection.topic}")


register(
    Kind(
        name=DocumentKind.INSPECTION_REPORT,
        label=gettext_lazy("inspection report"),
        subject_type="inspection",
        build=_inspection_report,
        code_suffix="报",
        unavailable=_not_concluded,
        inputs=(
            InputField(
                "recipients",
                gettext_lazy("addressed to"),
                required=True,
                default=lambda inspection, profile: f"{inspection.government.name}",
            ),
            InputField("analysis", gettext_lazy("analysis of the problems"), required=True, multiline=True),
            InputField("causes", gettext_lazy("causes"), required=True, multiline=True),
            InputField("suggestions", gettext_lazy("suggestions"), required=True, multiline=True),
            *COMMON_INPUTS,
        ),
    )
)


# --- 整改通知, 约谈通知, 复核决定: about one target, or one review -----------------------------------------------


def _target_of(inspection: Inspection, values: Inputs) -> Unit:
    text = values.get("target", "")
    units = {unit.pk: unit for unit in _targets(inspection)}
    try:
        unit = units[int(text)]
    except (KeyError, ValueError):
        raise ValidationFailed(
            codes.DOCUMENT_FIELD_MISSING, fields={"target": _("Choose a target of the inspection.")}
        ) from None
    return unit


def _rectification_notice(
    inspection: Inspection, profile: DocumentProfile, values: Inputs, today: datetime.date
) -> Draft:
    target = _target_of(inspection, values)
    conclusion = Conclusion.objects.filter(
        inspection=inspection, target=target, status__in=ConclusionStatus.issued()
    ).first()
    if conclusion is None:
        raise ValidationFailed(
            codes.DOCUMENT_NOT_AVAILABLE,
            fields={"target": _("The conclusion for this target has not been issued yet.")},
        )
    rectifications = list(
        Rectification.objects.filter(conclusion=conclusion)
        .select_related("finding")
        .order_by("due_date", "pk")
    )
    body = [
        Block(f"根据{inspection.topic}督查结论，现将你单位需要整改的问题通知如下，请认真抓好整改落实。"),
        Block("一、督查结论", 1),
        *paragraphs(conclusion.revised_judgement or conclusion.judgement),
        Block("二、整改事项", 1),
    ]
    for index, rectification in enumerate(rectifications, start=1):
        kind = str(RectificationKind(rectification.kind).label)
        body.append(
            Block(
                f"{index}.{rectification.finding.title}（{kind}，"
                f"{chinese_date(rectification.due_date)}前完成）。{rectification.finding.description}",
                3,
            )
        )
    body.append(Block("三、工作要求", 1))
    body += paragraphs(values["requirements"])
    content = from_office(
        profile,
        values,
        today,
        title=f"关于{target.short_name or target.name}整改{inspection.topic}发现问题的通知",
        recipients=target.name,
        body=body,
    )
    return Draft(content=content, title=f"整改通知：{target.name}", part=f"target:{target.pk}")


register(
    Kind(
        name=DocumentKind.RECTIFICATION_NOTICE,
        label=gettext_lazy("rectification notice"),
        subject_type="inspection",
        build=_rectification_notice,
        code_suffix="改",
        unavailable=lambda inspection: (
            None
            if inspection.status in {InspectionStatus.RECTIFYING, InspectionStatus.CLOSED}
            else str(_("No conclusion of this inspection has been issued yet."))
        ),
        part_input="target",
        inputs=(
            InputField(
                "requirements",
                gettext_lazy("requirements"),
                required=True,
                multiline=True,
                default=lambda inspection, profile: (
                    "请于收到本通知后制定整改方案，明确责任人和完成时限，"
                    "按期报送整改进展和完成情况，并提供整改佐证材料。"
                ),
            ),
            *CONTACT_INPUTS,
            InputField("copy_to", gettext_lazy("copy to")),
        ),
    )
)


def _talk_notice(
    inspection: Inspection, profile: DocumentProfile, values: Inputs, today: datetime.date
) -> Draft:
    target = _target_of(inspection, values)
    at = parse_datetime(values["talk_at"], "talk_at")
    body = [
        Block(
            f"鉴于{values['reason'].rstrip('。；;，,. ')}，根据{profile.government.name}督查工作有关规定，"
            f"经{profile.government.name}领导同意，"
            f"决定对你单位主要负责同志进行警示约谈。现将有关事项通知如下："
        ),
        Block(f"一、约谈时间：{chinese_date(at.date())}{at:%H:%M}", 1),
        Block(f"二、约谈地点：{values['place']}", 1),
        Block(f"三、约谈人：{values['talker']}", 1),
        Block("四、有关要求", 1),
        Block(
            "请你单位主要负责同志准时参加，并就有关问题的原因、整改措施和完成时限作出书面说明，约谈时一并提交。"
        ),
    ]
    content = from_office(
        profile,
        values,
        today,
        title=f"关于约谈{target.short_name or target.name}主要负责同志的通知",
        recipients=target.name,
        body=body,
    )
    return Draft(content=content, title=f"约谈通知：{target.name}", part=f"target:{target.pk}")


register(
    Kind(
        name=DocumentKind.TALK_NOTICE,
        label=gettext_lazy("talk notice"),
        subject_type="inspection",
        build=_talk_notice,
        code_suffix="约",
        unavailable=_not_concluded,
        part_input="target",
        inputs=(
            InputField("reason", gettext_lazy("reason for the talk"), required=True, multiline=True),
            InputField("talk_at", gettext_lazy("time of the talk"), required=True, kind="datetime"),
            InputField("place", gettext_lazy("place"), required=True),
            InputField("talker", gettext_lazy("held by"), required=True),
            *CONTACT_INPUTS,
            InputField("copy_to", gettext_lazy("copy to")),
        ),
    )
)


def _review_decision(
    inspection: Inspection, profile: DocumentProfile, values: Inputs, today: datetime.date
) -> Draft:
    try:
        review = (
            ReviewRequest.objects.select_related("conclusion__target")
            .filter(inspection=inspection, status=ReviewStatus.DECIDED)
            .get(pk=int(values.get("review", "")))
        )
    except (ValueError, ReviewRequest.DoesNotExist):
        raise ValidationFailed(
            codes.DOCUMENT_FIELD_MISSING, fields={"review": _("Choose a decided review request.")}
        ) from None
    target = review.conclusion.target
    outcome = {
        ReviewOutcome.UPHELD: "维持原督查结论",
        ReviewOutcome.CHANGED: "变更原督查结论",
        ReviewOutcome.WITHDRAWN: "撤销原督查结论",
    }.get(ReviewOutcome(review.outcome), "")
    body = [
        Block(
            f"你单位于{chinese_date(review.filed_on)}对{inspection.topic}督查结论提出复核申请。"
            "经依法组织复核（参与作出原结论的人员已回避），现作出如下决定："
        ),
        Block(f"一、{outcome}。", 1),
        *paragraphs(review.decision),
    ]
    if review.outcome == ReviewOutcome.CHANGED and review.conclusion.revised_judgement:
        body.append(Block("二、变更后的督查结论", 1))
        body += paragraphs(review.conclusion.revised_judgement)
    content = from_office(
        profile,
        values,
        today,
        title=f"关于{target.short_name or target.name}督查结论复核申请的决定",
        recipients=target.name,
        body=body,
    )
    return Draft(content=content, title=f"复核决定：{target.name}", part=f"review:{review.pk}")


register(
    Kind(
        name=DocumentKind.REVIEW_DECISION,
        label=gettext_lazy("review decision"),
        subject_type="inspection",
        build=_review_decision,
        code_suffix="复",
        unavailable=lambda inspection: (
            None
            if ReviewRequest.objects.filter(inspection=inspection, status=ReviewStatus.DECIDED).exists()
            else str(_("No review request of this inspection has been decided."))
        ),
        part_input="review",
        inputs=(InputField("copy_to", gettext_lazy("copy to")),),
    )
)


# --- 年度督查计划 -----------------------------------------------------------------------------------------------


def _annual_plan(plan: AnnualPlan, profile: DocumentProfile, values: Inputs, today: datetime.date) -> Draft:
    accepted = list(
        PlanProposal.objects.filter(plan=plan, status=ProposalStatus.ACCEPTED)
        .select_related("proposing_unit")
        .prefetch_related("targets")
        .order_by("start_date", "pk")
    )
    baseline = plan.baseline_count
    body = [
        Block(
            f"为统筹规范督查工作，切实减轻基层负担，根据有关规定，现将{plan.government.name}{plan.year}年度"
            f"督查计划印发给你们，请认真组织实施。计划外确需开展的督查，须按程序报批报备。"
        ),
        Block("一、总体安排", 1),
        Block(
            f"全年计划开展督查{len(accepted)}项"
            + (f"（上年度{baseline}项）" if baseline is not None else "")
            + "，坚持统筹合并、能合则合，同一对象同一时段不重复督查。"
        ),
        Block("二、督查事项", 1),
    ]
    for index, proposal in enumerate(accepted):
        targets = "、".join(unit.short_name or unit.name for unit in proposal.targets.all())
        body.append(Block(f"（{_numeral(index)}）{proposal.topic}", 2))
        body.append(
            Block(
                f"牵头单位：{proposal.proposing_unit.name}；督查对象：{targets}；"
                f"时间：{chinese_date(proposal.start_date)}至{chinese_date(proposal.end_date)}；"
                f"依据：{proposal.reason}。"
            )
        )
    body.append(Block("三、工作要求", 1))
    body += paragraphs(values["requirements"])
    content = from_office(
        profile,
        values,
        today,
        title=f"{plan.government.name}{plan.year}年度督查计划",
        body=body,
    )
    return Draft(content=content, title=f"{plan.year}年度督查计划")


register(
    Kind(
        name=DocumentKind.ANNUAL_PLAN,
        label=gettext_lazy("annual inspection plan"),
        subject_type="plan",
        build=_annual_plan,
        code_suffix="计",
        unavailable=lambda plan: (
            None
            if plan.status == PlanStatus.APPROVED
            else str(_("The annual plan has not been approved yet."))
        ),
        inputs=(
            InputField(
                "recipients",
                gettext_lazy("addressed to"),
                required=True,
                default=lambda plan, profile: default_recipients(plan.government),
            ),
            InputField(
                "requirements",
                gettext_lazy("requirements"),
                required=True,
                multiline=True,
                default=lambda plan, profile: (
                    "各牵头单位要严格按照计划组织实施，科学制定督查方案，"
                    "不得随意增加督查事项、扩大督查范围；确需调整的，按程序报批。"
                ),
            ),
            InputField("copy_to", gettext_lazy("copy to")),
        ),
    )
)
