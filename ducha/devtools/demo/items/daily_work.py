"""Demo items for the daily work's other paths, driven through the services at the moment the demo runs (each step
after the one before it): a leader's 批示 on an item and on a completion report, the leader in charge, an important
item waiting for its 现场核验 and one verified on site, a complex item whose 综合报告 waits for the leader, a unit's
实施方案 with its milestones, a progress report waiting for the unit head's 审签, an emergency reported daily
(随办随报), and a spot re-check (抽查复核) drawn from the closed items."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ducha.devtools.demo.items.handdown import ACCEPT_CHECKS
from ducha.devtools.demo.world import DemoWorld
from ducha.items import services
from ducha.items.models import (
    Item,
    ProgressCycle,
    Report,
    SiteCheckConclusion,
    SourceType,
    Urgency,
)
from ducha.workcalendar.services import add_workdays


def _running(
    world: DemoWorld, *, title: str, content: str, lead: str, co: tuple[str, ...] = (), **fields
) -> Item:
    """An item approved by the county head, assigned and signed for by its lead unit's handler or head."""
    office = world.user("office")
    item = services.item_create(
        actor=office,
        title=title,
        source_type=fields.pop("source_type", SourceType.LEADER_ASSIGNMENT),
        content=content,
        lead_unit_id=world.departments[lead].pk,
        co_units=[services.CoUnit(unit_id=world.departments[code].pk) for code in co],
        leader_in_charge_id=world.user("leader").pk,
        deadline_workdays=fields.pop("deadline_workdays", 20),
        **fields,
    )
    services.item_submit(item_id=item.pk, actor=office)
    services.item_approve(item_id=item.pk, actor=world.user("county_head"))
    services.item_assign(item_id=item.pk, actor=office)
    services.item_sign(item_id=item.pk, actor=world.user(f"{lead}_head"))
    return item


def _reported(world: DemoWorld, item: Item, lead: str, text: str) -> Report:
    """The lead unit's completion report, checked by its head: the item waits for the office's review."""
    services.item_report(item_id=item.pk, actor=world.user(f"{lead}_head"), text=text)
    return services.item_report_approve(item_id=item.pk, actor=world.user(f"{lead}_head"))


def daily_work_items_create(world: DemoWorld) -> int:
    """The paths above; returns how many items were created."""
    office, leader = world.user("office"), world.user("leader")
    today = timezone.localdate()

    # 批示 on the item, a plan with milestones, a progress report waiting for the head's 审签.
    schools = _running(
        world,
        title="校园周边交通安全隐患集中整治",
        content="对全县中小学校园周边交通安全隐患开展集中排查整治，设置减速带、护栏和警示标志。",
        lead="jyj",
        co=("zjj",),
        progress_check_by_head=True,
    )
    services.item_instruction_write(
        item_id=schools.pk,
        actor=leader,
        text="请教育局会同住建局抓紧排查，开学前完成全部整治，确保学生安全。",
    )
    services.item_plan_save(
        item_id=schools.pk,
        actor=world.user("jyj_head"),
        text="一、全面排查校园周边隐患并建立清单；二、会同住建局逐校整治；三、组织验收并建立长效机制。",
        milestones=[
            services.MilestoneInput("完成隐患排查、建立清单", add_workdays(today, 5)),
            services.MilestoneInput("完成整治并组织验收", add_workdays(today, 15)),
        ],
    )
    services.item_progress(
        item_id=schools.pk,
        actor=world.user("jyj"),
        text="已排查学校32所，发现隐患47处，正在逐校制定整治方案。",
    )

    # An important item: its report waits for the review, which needs the 现场核验 first; the leader's 批示 on the
    # report asks for it.
    market = _running(
        world,
        title="城区农贸市场环境卫生整治",
        content="整治城区三个农贸市场环境卫生，规范摊位经营，完善排水和垃圾收运设施。",
        lead="zjj",
        site_check_required=True,
    )
    report = _reported(
        world, market, "zjj", "三个农贸市场已完成整治：摊位统一规划，排水沟全部清淤，垃圾日产日清。"
    )
    services.item_instruction_write(
        item_id=market.pk, actor=leader, report_id=report.pk, text="请县督查室现场核验整治效果后再审核。"
    )

    # The same kind of item, verified on site: the office may accept it.
    roads = _running(
        world,
        title="城关镇背街小巷路面修复",
        content="修复城关镇背街小巷破损路面，完善照明和排水。",
        lead="zjj",
        site_check_required=True,
    )
    _reported(world, roads, "zjj", "12条背街小巷破损路面全部修复，新增路灯46盏。")
    services.item_site_check_record(
        item_id=roads.pk,
        actor=office,
        checked_on=today,
        inspectors="周督查、吴明",
        findings="实地查看12条背街小巷，路面平整，路灯已通电，排水通畅，与报告一致。",
        conclusion=SiteCheckConclusion.CONFIRMED,
    )

    # A complex item: the units' opinions gathered in a consolidated report that waits for the leader.
    investment = _running(
        world,
        title="重点项目投资计划完成情况专项督查",
        content="督查全县重点项目年度投资计划完成情况，分析滞后原因，提出推进措施。",
        lead="fgw",
        co=("zjj",),
        is_complex=True,
    )
    services.item_sign(item_id=investment.pk, actor=world.user("zjj"))
    services.item_progress(
        item_id=investment.pk,
        actor=world.user("zjj"),
        text="住建领域5个项目完成年度投资的82%，2个项目因征地滞后。",
        is_final=True,
    )
    _reported(world, investment, "fgw", "全县28个重点项目完成年度投资计划的91%，滞后项目均已制定赶超措施。")
    services.item_consolidated_submit(
        item_id=investment.pk,
        actor=office,
        text="综合发改局、住建局意见：重点项目投资总体进度正常，征地滞后的2个项目需县领导协调。建议通过审核，持续跟踪滞后项目。",
    )

    # An emergency, reported daily (随办随报).
    flood = _running(
        world,
        title="入冬前低洼地段排涝设施隐患排查",
        content="对县城和乡镇低洼易涝地段排涝设施开展隐患排查，发现问题立即整改，每日报送进展。",
        lead="zjj",
        urgency=Urgency.EXTRA_URGENT,
        progress_cycle=ProgressCycle.DAILY,
        deadline_workdays=5,
    )
    services.item_progress(
        item_id=flood.pk,
        actor=world.user("zjj"),
        text="今日排查泵站4座、排水管网3.2公里，发现隐患2处，已安排抢修。",
    )

    # A closed item drawn for a spot re-check.
    closed = _running(
        world,
        title="县城公共厕所改造提升",
        content="改造提升县城公共厕所15座。",
        lead="zjj",
    )
    _reported(world, closed, "zjj", "15座公共厕所改造全部完成并投入使用。")
    services.item_review(
        item_id=closed.pk, actor=office, decision="accept", opinion="同意办结。", **ACCEPT_CHECKS
    )
    services.item_close(item_id=closed.pk, actor=leader)
    services.rechecks_draw(
        actor=office,
        closed_from=today - datetime.timedelta(days=30),
        closed_to=today,
        batch=f"{today:%Y年%m月}抽查复核",
        count=1,
        seed=today.toordinal(),
    )
    return 6
