"""The source records of `ducha demo` (created by the items' part, after its items): one decision,
many items (一事一项). A county government standing meeting's minutes split into five items in different stages
(one waiting for the leader's approval), the year's government work report with three tasks, and a leader's
批示件 with its one item — all through the services, the record dated before its items are registered."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from ducha.devtools.demo.world import DemoWorld
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import SourceKind, SourceRecord, SourceType
from ducha.workcalendar.services import subtract_workdays

# (title, lead unit code, co-unit codes, the status the item is driven to)
MEETING_ITEMS = [
    ("推进县城老旧小区改造二期工程", "zjj", ("fgw",), ItemStatus.IN_PROGRESS),
    ("落实义务教育阶段课后服务全覆盖", "jyj", (), ItemStatus.ASSIGNED),
    ("开展城关镇农贸市场环境整治", "cgz", ("zjj",), ItemStatus.REGISTERED),
    ("编制县域重点项目年度投资计划", "fgw", (), ItemStatus.PENDING_APPROVAL),
    ("研究制定中小学校舍安全排查方案", "jyj", ("zjj",), ItemStatus.DRAFT),
]
WORK_REPORT_ITEMS = [
    ("新增城镇就业岗位不少于2000个", "fgw", ("cgz",), ItemStatus.IN_PROGRESS),
    ("新建改扩建幼儿园3所", "jyj", ("zjj",), ItemStatus.ASSIGNED),
    ("完成农村公路提质改造50公里", "zjj", (), ItemStatus.REGISTERED),
]
INSTRUCTION_ITEMS = [
    ("核查群众反映的城关镇供水水压不足问题", "cgz", (), ItemStatus.PENDING_APPROVAL),
]
# The unit account that signs for each lead unit.
SIGNERS = {"fgw": "fgw", "jyj": "jyj", "zjj": "zjj", "cgz": "cgz"}
ORDER = [
    ItemStatus.DRAFT,
    ItemStatus.PENDING_APPROVAL,
    ItemStatus.REGISTERED,
    ItemStatus.ASSIGNED,
    ItemStatus.IN_PROGRESS,
]


def _unit(world: DemoWorld, code: str) -> int:
    unit = world.departments.get(code) or world.townships[code]
    return unit.pk


def _items(
    world: DemoWorld,
    record: SourceRecord,
    source_type: str,
    rows: Sequence[tuple[str, str, tuple[str, ...], ItemStatus]],
) -> int:
    office, leader = world.user("office"), world.user("leader")
    for title, lead, cos, target in rows:
        item = services.item_create(
            actor=office,
            title=title,
            source_type=source_type,
            content=f"根据{record.title}，{title}。",
            source_reference=record.reference,
            source_date=record.issued_on,
            lead_unit_id=_unit(world, lead),
            co_units=[services.CoUnit(unit_id=_unit(world, code)) for code in cos],
            source_record_id=record.pk,
        )
        for status in ORDER[1 : ORDER.index(target) + 1]:
            if status == ItemStatus.PENDING_APPROVAL:
                services.item_submit(item_id=item.pk, actor=office)
            elif status == ItemStatus.REGISTERED:
                services.item_approve(item_id=item.pk, actor=leader)
            elif status == ItemStatus.ASSIGNED:
                services.item_assign(item_id=item.pk, actor=office)
            elif status == ItemStatus.IN_PROGRESS:
                services.item_sign(item_id=item.pk, actor=world.user(SIGNERS[lead]))
    return len(rows)


@transaction.atomic
def demo_sources_create(world: DemoWorld) -> int:
    """The three source records and their items; returns how many items were created."""
    office = world.user("office")
    today = timezone.localdate()
    meeting = services.source_record_create(
        actor=office,
        kind=SourceKind.MEETING_MINUTES,
        title="县政府第12次常务会议纪要",
        reference="示政纪〔2026〕12号",
        issued_on=subtract_workdays(today, 5),
        leader_id=world.user("county_head").pk,
        summary="会议研究了老旧小区改造、课后服务、农贸市场整治、重点项目投资计划和校舍安全排查五项工作。",
    )
    # The work report of the people's congress in January: this year's once it has met, else last year's.
    year = today.year if today >= datetime.date(today.year, 1, 20) else today.year - 1
    report = services.source_record_create(
        actor=office,
        kind=SourceKind.WORK_REPORT,
        title=f"{year}年县政府工作报告",
        reference=f"{year}年县人代会",
        issued_on=datetime.date(year, 1, 20),
        leader_id=world.user("county_head").pk,
        summary="分解政府工作报告确定的年度重点任务，一事一项，同步建立台账。",
    )
    instruction = services.source_record_create(
        actor=office,
        kind=SourceKind.INSTRUCTION,
        title="陈副县长关于城关镇供水问题的批示",
        reference=f"县领导批示〔{today.year}〕31号",
        issued_on=subtract_workdays(today, 1),
        leader_id=world.user("leader").pk,
        summary="请督查室督促城关镇会同住建局尽快核查，一周内报告处理情况。",
    )
    return (
        _items(world, meeting, SourceType.MEETING_DECISION, MEETING_ITEMS)
        + _items(world, report, SourceType.WORK_REPORT_TASK, WORK_REPORT_ITEMS)
        + _items(world, instruction, SourceType.LEADER_INSTRUCTION, INSTRUCTION_ITEMS)
    )
