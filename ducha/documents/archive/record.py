"""The record of the matter (办理情况记录) in Chinese, and the other 件 of a dossier: the documents issued, an item's
attachments, an inspection's evidence files."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from ducha.audit.models import Event, EventType
from ducha.documents.archive.scheme import Filing, label_of
from ducha.documents.layout import Block, chinese_date
from ducha.documents.models import Document
from ducha.documents.services import profile_for
from ducha.inspections.models import (
    Amendment,
    AmendmentStatus,
    Conclusion,
    EvidenceUse,
    Finding,
    Inspection,
    InspectionKind,
    InvitedKind,
    Rectification,
    RectificationKind,
    RectificationProgress,
    ResultProposal,
    ResultProposalKind,
    ReviewOutcome,
    ReviewRequest,
    TeamMember,
    TeamRole,
)
from ducha.inspections.statuses import (
    ConclusionStatus,
    RectificationStatus,
    ResultProposalStatus,
    ReviewStatus,
)
from ducha.items.models import (
    ApprovalBasis,
    Assignment,
    AssignmentRole,
    Attachment,
    Confidentiality,
    DisputeStatus,
    ExtensionStatus,
    Item,
    ReportKind,
    ReportStatus,
    Review,
    SourceType,
    Urgency,
)
from ducha.items.selectors import item_disputes, item_extensions, item_reports
from ducha.items.statuses import ItemStatus
from ducha.orgs.models import User
from ducha.reminders import selectors as reminder_selectors

# --- small helpers for the texts -------------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """一, 十二, 一百零五: the numbering of headings (一、 and （一）), for as many as a record holds."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n - 10] if n > 10 else "")
    if n >= 10000:
        return str(n)
    text, gap = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            text += ("零" if gap else "") + _DIGITS[digit] + unit
            gap = False
        elif text:
            gap = True
    return text


def when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return f"{chinese_date(local.date())} {local:%H:%M}"


def day(date: datetime.date | None) -> str:
    return chinese_date(date) if date else "—"


def person_name(user: User | None) -> str:
    return (user.full_name or user.username) if user is not None else ""


def unit_of(user: User | None) -> str:
    unit = user.unit if user is not None else None
    return unit.name if unit is not None else person_name(user)


def _yes(value: bool) -> str:
    return "是" if value else "否"


def iso(moment: datetime.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


class _Sections:
    """The record's text: sections numbered 一、二、… in the order they are added; an empty one says 无。"""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.count = 0

    def add(self, title: str, blocks: list[Block]) -> None:
        self.count += 1
        self.blocks.append(Block(f"{chinese_number(self.count)}、{title}", 1))
        self.blocks.extend(blocks or [Block("无。")])


def _numbered(index: int, text: str) -> Block:
    return Block(f"（{chinese_number(index)}）{text}", 2)


def _lines(*parts: str) -> list[Block]:
    return [Block(part) for part in parts if part]


# --- what goes in: the sources of the 件 ------------------------------------------------------------------------------


@dataclass
class Source:
    """One 件 besides the record: an issued document, an attachment or an evidence file."""

    kind: str  # document | attachment | evidence
    obj: Any
    moment: datetime.datetime
    title: str
    responsible: str
    number: str = ""
    note: str = ""
    seq: int = 0


def document_sources(filing: Filing) -> list[Source]:
    documents = list(
        Document.objects.filter(subject_type=filing.subject_type, subject_id=filing.subject.pk)
        .select_related("issued_by", "government")
        .order_by("issued_at", "id")
    )
    corrected_by = {document.previous_id: document for document in documents if document.previous_id}
    issuer = profile_for(filing.government).issuer
    sources = []
    for document in documents:
        notes = []
        if document.previous_id:
            notes.append(f"更正第{document.version - 1}版：{document.correction_reason}")
        later = corrected_by.get(document.pk)
        if later is not None:
            notes.append(f"已被第{later.version}版更正")
        title = (
            document.title
            if document.version == 1 and later is None
            else f"{document.title}（第{document.version}版）"
        )
        sources.append(
            Source("document", document, document.issued_at, title, issuer, document.number, "；".join(notes))
        )
    return sources


def attachment_sources(item: Item) -> list[Source]:
    rows = (
        Attachment.objects.filter(item=item)
        .select_related("uploaded_by__unit", "report")
        .order_by("created_at", "id")
    )
    return [
        Source(
            "attachment",
            attachment,
            attachment.created_at,
            attachment.original_name,
            unit_of(attachment.uploaded_by),
            note=f"报告附件（{when(attachment.report.created_at)}）" if attachment.report else "",
        )
        for attachment in rows
    ]


def evidence_uses(inspection: Inspection) -> list[EvidenceUse]:
    return list(
        EvidenceUse.objects.filter(inspection=inspection)
        .select_related(
            "file__uploaded_by__unit",
            "recorded_by__unit",
            "finding__target",
            "rectification__finding",
            "review_request__conclusion__target",
        )
        .order_by("created_at", "id")
    )


def _use_text(use: EvidenceUse) -> str:
    if use.finding is not None:
        return f"问题“{use.finding.title}”"
    if use.rectification is not None:
        return f"整改“{use.rectification.finding.title}”"
    if use.review_request is not None:
        return f"{use.review_request.conclusion.target.name}的复核申请"
    return ""


def evidence_sources(uses: list[EvidenceUse]) -> list[Source]:
    """One 件 per file, however often the inspection used it; the uses go in the 备注."""
    by_file: dict[int, list[EvidenceUse]] = defaultdict(list)
    for use in uses:
        by_file[use.file_id].append(use)
    sources = []
    for file_uses in by_file.values():
        first = file_uses[0]
        title = first.file.original_name + (f"（{first.description}）" if first.description else "")
        note = "用于" + "、".join(_use_text(use) for use in file_uses)
        if any(use.is_flagged for use in file_uses):
            note += "；同一文件另有使用，已标记"
        sources.append(
            Source("evidence", first.file, first.created_at, title, unit_of(first.recorded_by), note=note)
        )
    return sources


# --- the record of the matter ----------------------------------------------------------------------------------------


def _refs(sources: Iterable[Source]) -> str:
    return "、".join(f"第{source.seq}件《{source.title}》" for source in sources)


def _documents_section(sources: list[Source]) -> list[Block]:
    return [
        Block(f"第{s.seq}件：{s.number}《{s.title}》，{when(s.moment)}签发。{s.note}")
        for s in sources
        if s.kind == "document"
    ]


def _timeline(events: list[Event]) -> list[Block]:
    blocks = []
    for event in events:
        actor = person_name(event.actor) if event.actor_id else ""
        unit = event.actor_unit.name if event.actor_unit_id and event.actor_unit else ""
        who = f"{actor}（{unit}）" if actor and unit else actor or unit or "系统"
        text = f"{when(event.created_at)}　{who}　{label_of(EventType, event.event_type)}"
        if isinstance(event.new, dict):
            for key in ("number", "name"):
                if event.new.get(key):
                    text += f"（{event.new[key]}）"
            if event.new.get("recipients"):
                text += f"（{event.new['recipients']}人）"
        if event.comment and event.event_type not in (
            EventType.ITEM_REMINDED,
            EventType.RECTIFICATION_REMINDED,
        ):
            text += f"：{event.comment}"
        blocks.append(Block(text))
    return blocks


def item_record(item: Item, sources: list[Source]) -> list[Block]:
    attachments = {s.obj.pk: s for s in sources if s.kind == "attachment"}
    sections = _Sections()
    source = label_of(SourceType, item.source_type) + (
        f"，{item.source_reference}" if item.source_reference else ""
    )
    if item.source_date:
        source += f"（{day(item.source_date)}）"
    basics = _lines(
        f"事项编号：{item.number or '未编号'}",
        f"事项名称：{item.title}",
        f"来源：{source}",
        f"立项依据：{label_of(ApprovalBasis, item.approval_basis)}；批准人：{person_name(item.approver) or '—'}，"
        f"{when(item.approved_at)}",
        f"紧急程度：{label_of(Urgency, item.urgency)}；密级：{label_of(Confidentiality, item.confidentiality)}",
        f"交办时间：{when(item.assigned_at)}；办结时限：{day(item.due_date)}",
        f"报告办结：{when(item.completed_at)}；办结：{when(item.closed_at)}；归档：{when(item.archived_at)}",
        f"上级事项：{item.parent.number}《{item.parent.title}》" if item.parent else "",
        f"事项内容：{item.content}" if item.content else "",
        f"办理要求：{item.requirements}" if item.requirements else "",
        f"办结意见：{item.closing_opinion}" if item.closing_opinion else "",
    )
    sections.add("基本情况", basics)

    units = []
    rows = Assignment.objects.filter(item=item).select_related("unit", "signed_by").order_by("id")
    for assignment in sorted(rows, key=lambda a: (a.role != AssignmentRole.LEAD, a.pk)):
        text = f"{'主办' if assignment.role == AssignmentRole.LEAD else '协办'}单位：{assignment.unit.name}"
        share = "，".join(
            part
            for part in (
                f"分工：{assignment.share_note}" if assignment.share_note else "",
                f"承担{assignment.share}%" if assignment.share else "",
            )
            if part
        )
        text += f"（{share}）" if share else ""
        if assignment.signed_at:
            text += f"；{when(assignment.signed_at)}由{person_name(assignment.signed_by)}签收"
        if assignment.reported_at:
            text += f"；{when(assignment.reported_at)}报告"
        units.append(Block(text + "。"))
    sections.add("承办单位", units)

    reports: list[Block] = []
    for index, report in enumerate(item_reports(item), start=1):
        reports.append(
            _numbered(
                index,
                f"{report.assignment.unit.name}{label_of(ReportKind, report.kind)}"
                f"（{when(report.created_at)}，{person_name(report.author)}）",
            )
        )
        reports.append(Block(report.text))
        status = f"状态：{label_of(ReportStatus, report.status)}"
        if report.head_decided_by_id:
            status += f"；单位负责人{person_name(report.head_decided_by)}于{when(report.head_decided_at)}审核"
            status += f"，意见：{report.head_comment}" if report.head_comment else ""
        reports.append(Block(status + "。"))
        files = [s for s in attachments.values() if s.obj.report_id == report.pk]
        if files:
            reports.append(Block(f"附件：{_refs(files)}。"))
    sections.add("办理情况报告", reports)

    reviews: list[Block] = []
    for index, review in enumerate(
        Review.objects.filter(item=item).select_related("reviewer").order_by("created_at", "id"), start=1
    ):
        reviews.append(
            _numbered(
                index,
                f"{when(review.created_at)}，{person_name(review.reviewer)}：{label_of(Review.Decision, review.decision)}",
            )
        )
        reviews.append(
            Block(
                f"任务完成：{_yes(review.task_completed)}；问题解决：{_yes(review.problem_solved)}；"
                f"结论恰当：{_yes(review.conclusion_appropriate)}；合法合规：{_yes(review.lawful_compliant)}。"
            )
        )
        reviews.append(Block(f"审核意见：{review.opinion}"))
    sections.add("审核意见", reviews)

    extensions: list[Block] = []
    for index, extension in enumerate(item_extensions(item).select_related("decided_by"), start=1):
        extensions.append(
            _numbered(
                index,
                f"{extension.unit.name}于{when(extension.created_at)}申请，原期限{day(extension.old_due_date)}，"
                f"拟延至{day(extension.proposed_due_date)}",
            )
        )
        extensions.append(Block(f"理由：{extension.reason}"))
        result = f"结果：{label_of(ExtensionStatus, extension.status)}"
        if extension.granted_due_date:
            result += f"，延至{day(extension.granted_due_date)}"
        if extension.decided_by_id:
            result += f"；{person_name(extension.decided_by)}于{when(extension.decided_at)}决定"
        if extension.decision_comment:
            result += f"；意见：{extension.decision_comment}"
        extensions.append(Block(result + "。"))
    sections.add("延期申请", extensions)

    disputes: list[Block] = []
    for index, dispute in enumerate(item_disputes(item), start=1):
        disputes.append(_numbered(index, f"{person_name(dispute.raised_by)}于{when(dispute.created_at)}提出"))
        disputes += _lines(
            dispute.description,
            f"督查室协调（{person_name(dispute.coordinated_by)}）：{dispute.coordination}"
            if dispute.coordination
            else "",
            f"领导裁定（{person_name(dispute.ruled_by)}）：{dispute.ruling}" if dispute.ruling else "",
            f"状态：{label_of(DisputeStatus, dispute.status)}。",
        )
    sections.add("分歧协调", disputes)

    children = Item.objects.filter(parent=item).select_related("delegating_unit").order_by("id")
    sections.add(
        "转办事项",
        [
            Block(f"{child.number or '未编号'}《{child.title}》，{label_of(ItemStatus, child.status)}。")
            for child in children
        ],
    )
    sections.add("公文", _documents_section(sources))
    sections.add(
        "附件",
        [
            Block(f"第{s.seq}件：{s.title}（{s.responsible}，{when(s.moment)}上传）。{s.note}")
            for s in attachments.values()
        ],
    )
    sections.add("办理过程记录", _timeline(reminder_selectors.item_timeline(item)))
    return sections.blocks


def inspection_record(inspection: Inspection, sources: list[Source], uses: list[EvidenceUse]) -> list[Block]:
    evidence_seq = {s.obj.pk: s for s in sources if s.kind == "evidence"}

    def evidence_of(**match: Any) -> list[Block]:
        files = {
            use.file_id: evidence_seq[use.file_id]
            for use in uses
            if all(getattr(use, f"{name}_id") == value for name, value in match.items())
        }
        return [Block(f"佐证材料：{_refs(files.values())}。")] if files else []

    sections = _Sections()
    plan = (
        "列入年度督查计划" if inspection.in_plan else f"计划外督查（理由：{inspection.out_of_plan_reason}）"
    )
    if inspection.filed_at:
        plan += f"，{when(inspection.filed_at)}审批报备"
    items = "、".join(f"{item.number}《{item.title}》" for item in inspection.basis_items.order_by("id"))
    basics = _lines(
        f"督查活动：{inspection.topic}",
        f"类型：{label_of(InspectionKind, inspection.kind)}；年度：{inspection.year}",
        f"牵头单位：{inspection.lead_unit.name}",
        f"{plan}。",
        f"授权事项：{inspection.designation.matter}" if inspection.designation else "",
        f"依据：{inspection.basis}" if inspection.basis else "",
        f"督查的事项：{items}" if items else "",
        f"回头看：{inspection.follows_up.topic}" if inspection.follows_up else "",
        f"实施时间：{day(inspection.start_date)}至{day(inspection.end_date)}",
        f"批准：{person_name(inspection.approver) or '—'}，{when(inspection.approved_at)}",
        f"实施：{when(inspection.started_at)}开始，{when(inspection.ended_at)}结束",
        f"办结：{when(inspection.closed_at)}"
        + (f"；{inspection.closing_comment}" if inspection.closing_comment else ""),
    )
    sections.add("基本情况", basics)

    plan_blocks = _lines(
        f"督查内容：{inspection.content}" if inspection.content else "",
        f"督查范围：{inspection.scope}" if inspection.scope else "",
        f"督查方式：{inspection.method}" if inspection.method else "",
        f"时间安排：{inspection.schedule}" if inspection.schedule else "",
    )
    for index, amendment in enumerate(
        Amendment.objects.filter(inspection=inspection)
        .select_related("requested_by", "decided_by")
        .order_by("id"),
        start=1,
    ):
        plan_blocks.append(
            _numbered(
                index, f"方案变更（{when(amendment.created_at)}，{person_name(amendment.requested_by)}）"
            )
        )
        plan_blocks += _lines(
            f"理由：{amendment.reason}",
            "变更内容：" + json.dumps(amendment.changes, ensure_ascii=False),
            f"结果：{label_of(AmendmentStatus, amendment.status)}"
            + (
                f"，{person_name(amendment.decided_by)}于{when(amendment.decided_at)}决定"
                if amendment.decided_by_id
                else ""
            )
            + (f"；{amendment.decision_comment}" if amendment.decision_comment else "")
            + "。",
        )
    sections.add("督查方案", plan_blocks)

    team = []
    for member in TeamMember.objects.filter(inspection=inspection).order_by("id"):
        text = f"{member.name}（{label_of(TeamRole, member.role)}"
        text += f"，{label_of(InvitedKind, member.invited_kind)}）" if member.invited_kind else "）"
        text += f"，{'已培训' if member.is_trained else '未培训'}，{member.days}天。"
        team.append(Block(text))
    sections.add("督查组", team)

    targets = [
        Block(
            f"{target.unit.name}：{when(target.notified_at)}通知；报送材料{target.forms_demanded}份，"
            f"迎检{target.people_days}人·日。"
        )
        for target in inspection.targets.select_related("unit").order_by("id")
    ]
    sections.add("督查对象", targets)

    findings: list[Block] = []
    for index, finding in enumerate(
        Finding.objects.filter(inspection=inspection).select_related("target", "recorded_by").order_by("id"),
        start=1,
    ):
        findings.append(_numbered(index, f"{finding.target.name}：{finding.title}"))
        findings += _lines(
            finding.description,
            f"地点：{finding.place}" if finding.place else "",
            f"发现时间：{when(finding.observed_at)}" if finding.observed_at else "",
            f"整改方式：{label_of(RectificationKind, finding.rectification_kind)}"
            + (f"，期限{day(finding.rectification_due_date)}" if finding.rectification_due_date else "")
            + f"；登记人：{person_name(finding.recorded_by)}。",
        )
        findings += evidence_of(finding=finding.pk)
    sections.add("发现问题", findings)

    conclusions: list[Block] = []
    for index, conclusion in enumerate(
        Conclusion.objects.filter(inspection=inspection)
        .select_related("target", "approved_by", "issued_by", "acknowledged_by")
        .order_by("id"),
        start=1,
    ):
        conclusions.append(
            _numbered(index, f"{conclusion.target.name}（{label_of(ConclusionStatus, conclusion.status)}）")
        )
        conclusions += _lines(
            f"事实：{conclusion.facts}",
            f"证据：{conclusion.evidence_summary}" if conclusion.evidence_summary else "",
            f"结论：{conclusion.judgement}",
            f"复核后结论：{conclusion.revised_judgement}" if conclusion.revised_judgement else "",
            f"批准：{person_name(conclusion.approved_by) or '—'}，{when(conclusion.approved_at)}；"
            f"送达：{when(conclusion.issued_at)}；知悉确认：{person_name(conclusion.acknowledged_by) or '—'}，"
            f"{when(conclusion.acknowledged_at)}；异议期限：{day(conclusion.objection_deadline)}。",
        )
    sections.add("督查结论", conclusions)

    reviews: list[Block] = []
    for index, request in enumerate(
        ReviewRequest.objects.filter(inspection=inspection)
        .select_related("conclusion__target", "filed_by", "decided_by")
        .prefetch_related("reviewers")
        .order_by("id"),
        start=1,
    ):
        reviews.append(
            _numbered(
                index,
                f"{request.conclusion.target.name}于{day(request.filed_on)}申请复核（{person_name(request.filed_by)}）",
            )
        )
        reviews += _lines(
            f"理由：{request.reasons}",
            f"复核人员：{'、'.join(person_name(user) for user in request.reviewers.all()) or '—'}；"
            f"应于{day(request.decide_by)}前决定；状态：{label_of(ReviewStatus, request.status)}。",
            f"复核决定（{label_of(ReviewOutcome, request.outcome)}，{person_name(request.decided_by)}，"
            f"{when(request.decided_at)}）：{request.decision}"
            if request.decided_at
            else "",
        )
        reviews += evidence_of(review_request=request.pk)
    sections.add("复核", reviews)

    rectifications: list[Block] = []
    for index, rectification in enumerate(
        Rectification.objects.filter(inspection=inspection)
        .select_related("finding", "target", "reported_by", "verified_by", "closed_by")
        .prefetch_related("milestones")
        .order_by("id"),
        start=1,
    ):
        rectifications.append(
            _numbered(
                index,
                f"{rectification.target.name}：{rectification.finding.title}"
                f"（{label_of(RectificationStatus, rectification.status)}，期限{day(rectification.due_date)}）",
            )
        )
        rectifications += _lines(
            f"整改方案：{rectification.plan}" if rectification.plan else "",
            *[
                f"节点：{milestone.title}，{day(milestone.due_date)}"
                + (f"，{when(milestone.completed_at)}完成" if milestone.completed_at else "")
                for milestone in rectification.milestones.all()
            ],
            *[
                f"进展（{when(progress.created_at)}）：{progress.text}"
                for progress in RectificationProgress.objects.filter(rectification=rectification).order_by(
                    "created_at", "id"
                )
            ],
            f"完成情况（{person_name(rectification.reported_by)}，{when(rectification.reported_at)}）：{rectification.completion_report}"
            if rectification.completion_report
            else "",
            f"核查（{person_name(rectification.verified_by)}，{when(rectification.verified_at)}）："
            f"{rectification.verification_note}"
            if rectification.verified_at
            else "",
            f"销号：{person_name(rectification.closed_by)}，{when(rectification.closed_at)}。"
            if rectification.closed_at
            else "",
        )
        rectifications += evidence_of(rectification=rectification.pk)
    sections.add("整改", rectifications)

    results = []
    for proposal in (
        ResultProposal.objects.filter(inspection=inspection)
        .select_related("unit", "decided_by")
        .order_by("id")
    ):
        text = f"{proposal.unit.name}：{label_of(ResultProposalKind, proposal.kind)}，{proposal.reason}"
        text += f"（移送{proposal.referred_to}）" if proposal.referred_to else ""
        text += f"；{label_of(ResultProposalStatus, proposal.status)}"
        if proposal.decided_by_id:
            text += f"，{person_name(proposal.decided_by)}于{when(proposal.decided_at)}决定"
        results.append(Block(text + "。"))
    sections.add("结论运用", results)
    sections.add("公文", _documents_section(sources))
    sections.add(
        "佐证材料",
        [
            Block(f"第{s.seq}件：{s.title}（{s.responsible}，{when(s.moment)}）；{s.note}。")
            for s in evidence_seq.values()
        ],
    )
    events = list(
        Event.objects.filter(subject_type="inspection", subject_id=inspection.pk)
        .select_related("actor", "actor_unit")
        .order_by("created_at", "id")
    )
    timeline = reminder_selectors.with_reminders(
        events, reminder_selectors.reminder_timeline(inspection_id=inspection.pk)
    )
    sections.add("办理过程记录", _timeline(timeline))
    return sections.blocks
