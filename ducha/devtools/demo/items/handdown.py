"""Two demo items for the paths that do not start and end inside one unit: an item the county supervision office
handles itself (直接办理), and a city item assigned to the county government, which the county office signs for and
passes on to two county units (上级交办逐级落实) — one child closed, one in hand.

They are driven through the services at the moment the demo runs (every step after the one before it, none in the
past), so their 办理过程 and their own times agree without moving anything back."""

from __future__ import annotations

from ducha.devtools.demo.world import DemoWorld
from ducha.items import services
from ducha.items.models import Item, Review, SourceType

ACCEPT_CHECKS = {
    "task_completed": True,
    "problem_solved": True,
    "conclusion_appropriate": True,
    "lawful_compliant": True,
}


def office_handled_item_create(world: DemoWorld) -> Item:
    """The county office's own item, in hand, with the office's first progress report."""
    office, leader = world.user("office"), world.user("county_head")
    item = services.item_create(
        actor=office,
        title="县督查室直接核查：政府投资项目拖欠企业账款清理情况",
        source_type=SourceType.LEADER_INSTRUCTION,
        content="县长批示：请县督查室直接核查政府投资项目拖欠企业账款清理情况，逐项建立台账，按期报告。",
        requirements="逐项核实欠款金额、还款计划和落实情况，发现问题及时督促整改。",
        source_reference="县长批示（县政府督查室直接办理）",
        lead_unit_id=world.supervision_office.pk,
        deadline_workdays=15,
    )
    services.item_submit(item_id=item.pk, actor=office)
    services.item_approve(item_id=item.pk, actor=leader, comment="同意，由县督查室直接办理。")
    services.item_assign(item_id=item.pk, actor=office)
    services.item_sign(item_id=item.pk, actor=office)
    services.item_progress(
        item_id=item.pk,
        actor=office,
        text="已调取 12 个政府投资项目的合同和支付台账，约谈 3 家拖欠单位，正在逐项核对还款计划。",
    )
    return item


def handed_down_item_create(world: DemoWorld) -> list[Item]:
    """The city's item assigned to the county government and passed on to 住建局 (closed) and 城关镇 (in hand).
    Returns the parent and its two children."""
    city_office, city_leader = world.user("city_office"), world.user("city_leader")
    office, leader = world.user("office"), world.user("leader")
    item = services.item_create(
        actor=city_office,
        title="市政府交办：城镇老旧小区改造项目推进情况督查",
        source_type=SourceType.MEETING_DECISION,
        content="按照市政府常务会议部署，请示范县人民政府牵头推进城镇老旧小区改造，按期报送办理情况。",
        requirements="分解到相关部门和乡镇，明确责任人和完成时限，完成后报送办结报告。",
        source_reference="示范市政府第8次常务会议纪要",
        lead_unit_id=world.county.pk,
        deadline_workdays=30,
    )
    services.item_submit(item_id=item.pk, actor=city_office)
    services.item_approve(item_id=item.pk, actor=city_leader, comment="同意交办示范县。")
    services.item_assign(item_id=item.pk, actor=city_office)
    services.item_sign(item_id=item.pk, actor=office)
    services.item_progress(
        item_id=item.pk, actor=office, text="已分解到县住建局（改造实施）和城关镇（居民动员），明确完成时限。"
    )
    zjj, cgz = world.departments["zjj"], world.townships["cgz"]
    done = services.item_delegate(
        item_id=item.pk,
        actor=office,
        unit_id=zjj.pk,
        title=f"{item.title}（住建局）",
        content="请县住建局负责改造项目的实施和质量监管，按期报送办理情况。",
    )
    in_hand = services.item_delegate(
        item_id=item.pk,
        actor=office,
        unit_id=cgz.pk,
        title=f"{item.title}（城关镇）",
        content="请城关镇负责辖区内居民动员和施工协调，按期报送办理情况。",
    )
    services.item_sign(item_id=done.pk, actor=world.user("zjj"))
    services.item_progress(item_id=done.pk, actor=world.user("zjj"), text="6 个小区改造已全部开工。")
    services.item_report(
        item_id=done.pk, actor=world.user("zjj"), text="6 个小区改造全部完工，已通过竣工验收。"
    )
    services.item_report_approve(
        item_id=done.pk, actor=world.user("zjj_head"), comment="情况属实，同意上报。"
    )
    services.item_review(
        item_id=done.pk,
        actor=office,
        decision=Review.Decision.ACCEPT,
        opinion="经审核，改造任务已完成，同意办结。",
        **ACCEPT_CHECKS,
    )
    services.item_close(item_id=done.pk, actor=leader, comment="同意办结。")
    services.item_sign(item_id=in_hand.pk, actor=world.user("cgz_liaison"))
    services.item_progress(
        item_id=in_hand.pk, actor=world.user("cgz"), text="已召开 4 场居民议事会，签约率 92%。"
    )
    return [item, done, in_hand]


def handdown_items_create(world: DemoWorld) -> int:
    """Both paths; returns how many items were created (children included)."""
    office_handled_item_create(world)
    return 1 + len(handed_down_item_create(world))
