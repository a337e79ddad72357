"""The documents of a supervision item: the 督办通知单 that goes with its assignment (with the 回执 the units
return), the 回执 as the system filled it on signing, the 催办通知单 whose colour follows the delay (blue, yellow,
red), and the 工作提示函."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ducha.documents.kinds.base import (
    COMMON_INPUTS,
    CONTACT_INPUTS,
    Draft,
    InputField,
    Inputs,
    Kind,
    from_office,
    paragraphs,
    register,
    user_name,
)
from ducha.documents.layout import RED, Block, Receipt, RGBColor, chinese_date
from ducha.documents.models import DocumentKind, DocumentProfile
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Assignment, AssignmentRole, Confidentiality, Item, ProgressCycle, Urgency
from ducha.reminders.models import Chase
from ducha.workcalendar.services import workdays_between

BLUE = RGBColor(0x00, 0x5B, 0xAC)
YELLOW = RGBColor(0xC8, 0x8A, 0x00)  # an amber that reads on white paper and on screen

URGENCY_MARKS = {Urgency.EXTRA_URGENT: "特急", Urgency.URGENT: "加急"}
CYCLES = {ProgressCycle.WEEKLY: "每周", ProgressCycle.MONTHLY: "每月", ProgressCycle.QUARTERLY: "每季度"}
ASSIGNED_ON = frozenset(
    {
        ItemStatus.ASSIGNED,
        ItemStatus.IN_PROGRESS,
        ItemStatus.UNDER_REVIEW,
        ItemStatus.ACCEPTED,
        ItemStatus.CLOSED,
        ItemStatus.ARCHIVED,
    }
)


def _assignments(item: Item) -> list[Assignment]:
    if "assignments" in getattr(item, "_prefetched_objects_cache", {}):
        rows = list(item.assignments.all())
    else:
        rows = list(item.assignments.select_related("unit", "signed_by"))
    return sorted(rows, key=lambda a: (a.role != AssignmentRole.LEAD, a.pk))


def _heads(item: Item) -> dict[str, Any]:
    """The marks top left: secrecy and urgency."""
    return {
        "secrecy": "秘密" if item.confidentiality == Confidentiality.SECRET else "",
        "urgency": URGENCY_MARKS.get(Urgency(item.urgency), ""),
    }


def _not_assigned(item: Item) -> str | None:
    if item.status not in ASSIGNED_ON or item.due_date is None:
        return str(_("The item has not been assigned yet: it has no units and no due date."))
    return None


def _not_running(item: Item) -> str | None:
    if item.status not in ItemStatus.running() or item.due_date is None:
        return str(_("Only an item being handled, with its due date, can be chased."))
    return None


def _item_line(item: Item) -> str:
    return f"{item.number}《{item.title}》" if item.number else f"《{item.title}》"


# --- 督办通知单 -------------------------------------------------------------------------------------------------


def _supervision_notice(item: Item, profile: DocumentProfile, values: Inputs, today: datetime.date) -> Draft:
    assert item.due_date is not None
    assignments = _assignments(item)
    lead = [a for a in assignments if a.role == AssignmentRole.LEAD]
    cos = [a for a in assignments if a.role == AssignmentRole.CO]
    body = [
        Block("一、督办事项", 1),
        Block(
            f"{_item_line(item)}。" + (f"来源：{item.source_reference}。" if item.source_reference else "")
        ),
    ]
    body += paragraphs(item.content)
    body.append(Block("二、办理要求", 1))
    body += paragraphs(values["requirements"])
    body.append(Block("三、承办单位", 1))
    if lead:
        body.append(Block(f"主办单位：{lead[0].unit.name}。"))
    for co in cos:
        share = f"（分工：{co.share_note or ''}{'，' if co.share_note and co.share else ''}"
        share += f"承担{co.share}%）" if co.share else ("）" if co.share_note else "")
        body.append(Block(f"协办单位：{co.unit.name}{share if co.share or co.share_note else ''}。"))
    body.append(Block("四、办结时限", 1))
    deadline = f"请于{chinese_date(item.due_date)}前办结，并报送办结报告。"
    cycle = CYCLES.get(ProgressCycle(item.progress_cycle)) if item.progress_cycle else None
    if cycle:
        deadline += f"办理期间{cycle}报送一次阶段性进展。"
    deadline += "确因客观原因不能按期办结的，须在期限届满前提出延期申请，说明理由和拟办结时间。"
    body.append(Block(deadline))
    body.append(Block("五、签收", 1))
    body.append(Block("请承办单位收到本通知单后及时在督查督办平台签收，或填写回执报送督查室。"))
    receipt = Receipt(
        title="回  执",
        rows=[
            ("督办事项", _item_line(item)),
            ("承办单位", ""),
            ("签收人", ""),
            ("签收时间", ""),
            ("联系电话", ""),
            ("备注", ""),
        ],
        note="请于收到之日起一个工作日内签收。",
    )
    content = from_office(
        profile,
        values,
        today,
        title="督办通知单",
        recipients="，".join(a.unit.name for a in assignments),
        body=body,
        receipt=receipt,
        **_heads(item),
    )
    return Draft(content=content, title=f"督办通知单：{item.title}")


register(
    Kind(
        name=DocumentKind.SUPERVISION_NOTICE,
        label=gettext_lazy("supervision notice"),
        subject_type="item",
        build=_supervision_notice,
        code_suffix="办",
        unavailable=_not_assigned,
        inputs=(
            InputField(
                "requirements",
                gettext_lazy("requirements"),
                required=True,
                multiline=True,
                default=lambda item, profile: (
                    item.requirements
                    or "请主要负责同志亲自研究部署，明确责任领导和具体承办人员，按期保质完成督办事项。"
                ),
            ),
            *CONTACT_INPUTS,
            *COMMON_INPUTS,
        ),
    )
)


# --- 回执 as filled by the system ---------------------------------------------------------------------------------


def _receipt(item: Item, profile: DocumentProfile, values: Inputs, today: datetime.date) -> Draft:
    rows: list[tuple[str, str]] = [("督办事项", _item_line(item))]
    for assignment in _assignments(item):
        role = "主办" if assignment.role == AssignmentRole.LEAD else "协办"
        if assignment.signed_at is not None:
            signed = (
                f"{user_name(assignment.signed_by)} 于 "
                f"{timezone.localtime(assignment.signed_at):%Y年%m月%d日 %H:%M} 签收"
            )
        else:
            signed = "尚未签收"
        rows.append((f"{role}：{assignment.unit.name}", signed))
    content = from_office(
        profile,
        values,
        today,
        title="督办通知单回执",
        body=[Block(f"以下为督查督办平台记录的签收情况（截至{chinese_date(today)}）。")],
        receipt=Receipt(title="签收情况", rows=rows, new_page=False),
        **_heads(item),
        printer="",
    )
    return Draft(content=content, title=f"回执：{item.title}")


register(
    Kind(
        name=DocumentKind.RECEIPT,
        label=gettext_lazy("receipt"),
        subject_type="item",
        build=_receipt,
        numbered=False,
        unavailable=_not_assigned,
    )
)


# --- 催办通知单 -------------------------------------------------------------------------------------------------


def chase_level(item: Item, today: datetime.date) -> str:
    """blue (due soon or not yet due), yellow (overdue), red (overdue more than DUCHA_CHASE_RED_OVERDUE_WORKDAYS
    working days, or chased DUCHA_CHASE_RED_AFTER_CHASES times or more)."""
    assert item.due_date is not None
    chases = Chase.objects.filter(item=item).values("created_at").distinct().count()
    overdue = workdays_between(item.due_date, today) if today > item.due_date else 0
    if overdue > settings.DUCHA_CHASE_RED_OVERDUE_WORKDAYS or chases >= settings.DUCHA_CHASE_RED_AFTER_CHASES:
        return "red"
    if today > item.due_date:
        return "yellow"
    return "blue"


CHASE_LEVELS: dict[str, tuple[RGBColor, str, str]] = {
    "blue": (BLUE, "蓝色", "该事项办结时限临近，请抓紧办理，确保按期办结。"),
    "yellow": (
        YELLOW,
        "黄色",
        "该事项已超过办结时限，请立即办理，并于两个工作日内书面说明逾期原因和办结时间。",
    ),
    "red": (
        RED,
        "红色",
        "该事项严重逾期（或经多次催办仍未办结），请主要负责同志亲自过问，立即办结并书面说明原因；"
        "逾期不办的，将按照有关规定予以通报或问责。",
    ),
}


def _chase_notice(item: Item, profile: DocumentProfile, values: Inputs, today: datetime.date) -> Draft:
    assert item.due_date is not None
    level = chase_level(item, today)
    colour, name, demand = CHASE_LEVELS[level]
    units = [a for a in _assignments(item) if a.status != "reported"]
    overdue = workdays_between(item.due_date, today) if today > item.due_date else 0
    state = (
        f"办结时限为{chinese_date(item.due_date)}，已逾期{overdue}个工作日。"
        if overdue
        else f"办结时限为{chinese_date(item.due_date)}。"
    )
    body = [
        Block(f"{_item_line(item)}{state}"),
        Block(demand),
    ]
    body += paragraphs(values.get("text", ""))
    content = from_office(
        profile,
        values,
        today,
        title=f"催办通知单（{name}）",
        recipients="，".join(a.unit.name for a in units),
        body=body,
        colour=colour,
        **_heads(item),
    )
    return Draft(content=content, title=f"催办通知单（{name}）：{item.title}", part=level)


register(
    Kind(
        name=DocumentKind.CHASE_NOTICE,
        label=gettext_lazy("chase notice"),
        subject_type="item",
        build=_chase_notice,
        repeatable=True,
        code_suffix="催",
        unavailable=_not_running,
        inputs=(
            InputField("text", gettext_lazy("chase requirements"), multiline=True),
            *CONTACT_INPUTS,
            InputField("copy_to", gettext_lazy("copy to")),
        ),
    )
)


# --- 工作提示函 -------------------------------------------------------------------------------------------------


def _reminder_letter(item: Item, profile: DocumentProfile, values: Inputs, today: datetime.date) -> Draft:
    assert item.due_date is not None
    units = _assignments(item)
    body = [
        Block(
            f"{_item_line(item)}是{profile.government.name}确定的重点督办事项，办结时限为{chinese_date(item.due_date)}。"
            "为确保按期保质完成，现就有关事项提示如下："
        )
    ]
    body += paragraphs(values["text"])
    body.append(Block("请认真对照，抓好落实，并将落实情况及时报送督查室。"))
    content = from_office(
        profile,
        values,
        today,
        title=f"关于{item.title}的工作提示函",
        recipients="，".join(a.unit.name for a in units),
        body=body,
        **_heads(item),
    )
    return Draft(content=content, title=f"工作提示函：{item.title}")


register(
    Kind(
        name=DocumentKind.REMINDER_LETTER,
        label=gettext_lazy("reminder letter"),
        subject_type="item",
        build=_reminder_letter,
        repeatable=True,
        code_suffix="函",
        unavailable=_not_running,
        inputs=(
            InputField(
                "text",
                gettext_lazy("points to mind"),
                required=True,
                multiline=True,
                default=lambda item, profile: (
                    "一、对照办理要求，逐项梳理进展，查找薄弱环节。\n"
                    "二、按要求报送阶段性进展，反映困难和问题。\n"
                    "三、确需延期的，在期限届满前提出申请。"
                ),
            ),
            *CONTACT_INPUTS,
            InputField("copy_to", gettext_lazy("copy to")),
        ),
    )
)


def prefetch_for_documents(items: Any) -> Any:
    """The item queryset with what the kinds read (units, signers)."""
    return items.prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit", "signed_by"))
    )
