"""Demo supervision items (督查事项) for the demo county (see ducha.orgs.demo), used by `ducha demo` and the tests.

Every item is driven through the real services (ducha.items.services) by the demo account who would act in real
life: the supervision office creates, submits, assigns, reviews and archives; the leader approves, rejects and
closes; the unit's handler or liaison signs for, reports progress and files the completion report; the unit head
checks that report. Nothing is written around the services except one thing: the services date everything
"today", so after an item has been driven we move its own dates back (see `_Builder._backdate`) to make a year's
worth of realistic history — items assigned weeks ago, some overdue. Audit events are never touched.

The first items created are the ones that give every demo account something waiting on it (`_core_plans`); the
rest are drawn at random from the same catalogue. A `random.Random(seed)` drives every choice: the same seed on
the same day gives the same items.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    ApprovalBasis,
    Assignment,
    Confidentiality,
    DeadlineBasis,
    Item,
    ProgressCycle,
    Review,
    SourceType,
    Urgency,
)
from ducha.orgs.demo import DemoWorld
from ducha.orgs.models import Unit, User
from ducha.workcalendar import services as workdays

S = ItemStatus
T = TypeVar("T")
RED, YELLOW, GREEN = "red", "yellow", "green"

# --- the catalogue --------------------------------------------------------------------------------------------

# Realistic tasks of a county government, by the department that would lead them. "{town}" is replaced by a
# township's name (a township co-unit's, when there is one).
DEPARTMENT_TITLES: dict[str, list[str]] = {
    "fgw": [
        "加快推进县域重大项目前期工作",
        "做好2027年中央预算内投资项目储备申报",
        "推进县城新型城镇化建设补短板强弱项",
        "落实优化营商环境十项措施",
        "推动工业园区标准厂房建设提速",
        "加快{town}光伏发电项目建设",
    ],
    "jyj": [
        "落实义务教育学校“双减”政策",
        "推进城区学校大班额化解",
        "加快县第二实验小学新建工程",
        "做好农村义务教育学生营养改善计划",
        "解决{town}幼儿园学位紧张问题",
    ],
    "zjj": [
        "推进县城老旧小区改造",
        "加快城市燃气管道老化更新改造",
        "推进保障性租赁住房建设",
        "整治建筑工地扬尘污染",
        "推动已售逾期难交付住宅项目按期交房",
    ],
    "czj": ["加强政府债务风险防范化解", "加快中央直达资金支出进度", "规范政府采购程序"],
    "rsj": ["做好高校毕业生就业服务", "开展根治欠薪冬季专项行动", "推进{town}“家门口”就业服务站建设"],
    "zrzyj": ["推进违法占用耕地问题整改", "推行不动产登记“交房即交证”改革", "做好国土空间规划实施监督"],
    "sthjj": ["落实中央生态环境保护督察反馈问题整改", "推进县城黑臭水体治理", "加强秸秆禁烧和大气污染防治"],
    "jtj": ["加快农村公路提档升级", "优化调整县城公交线路", "整治国省道沿线货车超限超载"],
    "nyncj": ["加快高标准农田建设", "抓好秋冬种生产和粮食安全", "推进{town}农村人居环境整治提升"],
    "slj": ["做好冬春农田水利基本建设", "推进{town}农村供水保障工程", "加强河湖“清四乱”常态化规范化"],
    "swj": ["促进县域商业体系建设", "推动家电以旧换新政策落地见效"],
    "wlj": ["推进县域4A级景区创建", "加强文物安全管理"],
    "wjj": ["推进紧密型县域医共体建设", "做好冬春季传染病防控", "解决县人民医院就医停车难问题"],
    "mzj": ["提升农村敬老院服务水平", "做好困难群众冬季救助工作", "推进{town}社区居家养老服务中心建设"],
    "yjj": ["开展安全生产治本攻坚三年行动", "做好冬季森林防火工作", "开展城镇燃气安全专项整治"],
    "scjgj": [
        "加强校园及周边食品安全监管",
        "开展电动自行车质量安全专项整治",
        "推进个体工商户分型分类精准帮扶",
    ],
    "gaj": ["开展打击治理电信网络诈骗专项行动", "整治城区道路交通秩序"],
    "sfj": ["推进行政执法“三项制度”落实", "开展矛盾纠纷排查化解专项行动"],
    "ybj": ["推进医保基金监管专项整治", "提高城乡居民医保参保率"],
    "xczxj": ["巩固拓展脱贫攻坚成果", "做好防止返贫动态监测帮扶"],
    "sjj": ["推进政务服务“一网通办”", "推动12345热线与110联动对接"],
    "cgj": ["整治城区占道经营和流动摊贩", "推进县城生活垃圾分类", "解决城区停车难问题"],
}

TOWNSHIP_TITLES = [
    "解决{town}农贸市场周边交通拥堵问题",
    "推进{town}集镇环境综合整治",
    "做好{town}防汛备汛和地质灾害防治",
    "加快{town}污水处理设施建设",
    "解决{town}群众反映的饮水安全问题",
    "推进{town}和美乡村示范村建设",
    "化解{town}信访积案",
    "推进{town}撂荒地复耕复种",
]

# What a co-unit typically contributes, by unit code.
CO_UNIT_NOTES = {
    "czj": "负责资金保障",
    "zrzyj": "负责用地保障和规划审批",
    "sthjj": "负责环评审批和环境监管",
    "fgw": "负责项目立项审批",
    "zjj": "负责施工监管",
    "jtj": "负责交通组织",
    "gaj": "负责秩序维护",
    "scjgj": "负责市场监管",
    "rsj": "负责用工保障",
    "sjj": "负责信息系统对接",
}
TOWNSHIP_CO_NOTE = "负责属地组织实施和群众工作"
GENERIC_CO_NOTE = "配合做好相关工作"

REPEAT_SUFFIXES = ["（回头看）", "（第二阶段）", "（整改落实）", "（持续推进）", "（巩固提升）"]

GOALS = [
    "确保年底前全面完成。",
    "确保按期保质完成任务。",
    "切实解决群众急难愁盼问题。",
    "形成可复制可推广的经验做法。",
    "做到件件有着落、事事有回音。",
    "确保取得群众看得见、摸得着的实效。",
]

REQUIREMENTS = [
    "制定具体工作方案，明确责任人、时间表和路线图",
    "建立工作台账，实行销号管理",
    "每月25日前报送阶段性进展情况",
    "办结后及时报送办结报告及佐证材料",
    "主要负责同志亲自研究部署，分管负责同志具体抓落实",
    "涉及群众切身利益的，做好政策解释和舆情应对",
    "对照时间节点倒排工期，确保按期完成",
]

PROGRESS_TEXTS = [
    "已召开专题推进会议{n}次，制定印发工作方案，明确责任分工和时间节点。目前完成总任务量的{p}%。",
    "已完成前期摸底排查，共排查问题{n}个，已整改{m}个，其余正在加快推进。",
    "已组织{n}个工作组分片包干，开展入户走访，收集群众意见建议{m}条，已逐条建立台账。",
    "已与相关单位会商{n}次，就难点问题形成初步解决方案，近期报县政府研究。",
    "已建立工作台账，实行周调度、月通报，目前各项工作按计划推进，完成{p}%。",
    "已开展专项检查{n}次，发现问题{m}个，已督促相关单位限期整改。",
]
# For building works (titles with one of WORKS_WORDS).
WORKS_PROGRESS_TEXTS = [
    "项目已完成立项和可研批复，正在开展施工图设计，预计下月进场施工。",
    "已落实资金{n}0万元，完成招标采购，施工队伍已进场，形象进度约{p}%。",
    "受近期持续降雨影响进度有所滞后，已增加施工人员和设备，确保按期完成。",
    "主体工程已完成{p}%，正在同步推进配套设施建设。",
]
WORKS_WORDS = ("建设", "改造", "工程", "设施", "公路", "厂房", "农田", "管道", "项目")

CO_PROGRESS_TEXTS = [
    "我单位{note}的工作已启动，已安排专人对接牵头单位。",
    "我单位已按分工完成{note}的前期工作，相关材料已报送牵头单位。",
]
CO_FINAL_TEXT = "我单位承担的配合任务（{note}）已全部完成，相关佐证材料已报送牵头单位。"

REPORT_POINTS = [
    "成立工作专班，主要负责同志亲自调度",
    "完成全部建设内容并通过验收",
    "排查出的问题已全部整改到位",
    "建立长效管护机制，明确管护主体和经费来源",
    "群众反映的问题已解决，回访满意率达到98%",
    "相关资金已全部拨付到位",
    "制定出台配套政策文件，形成制度性成果",
]

APPROVE_COMMENTS = ["同意立项，请督查室抓好跟踪督办。", "同意。", "同意立项，按期办结。"]
REJECT_REASONS = [
    "该事项已纳入市级督查计划，为避免重复督查，不再单独立项。",
    "立项依据不充分，请补充相关材料后重新报送。",
    "该事项属部门日常工作职责，不宜作为督查事项立项。",
]
CANCEL_REASONS = [
    "该事项已由市级统一部署推进，撤销县级督办。",
    "因上级政策调整，该事项不再具备办理条件。",
    "经核实，群众反映问题已在立项前解决。",
]
EXTENSION_REASONS = [
    "项目涉及用地报批，需报省级审批，预计无法在原期限内完成，申请延期。",
    "受持续降雨影响，施工进度滞后，申请延期。",
    "需协调多个部门会商，涉及资金调整，申请延期。",
]
HEAD_RETURN_REASONS = [
    "报告内容过于简略，请补充具体数据和佐证材料。",
    "请核实完成情况，附现场照片后重新报送。",
]
REVIEW_RETURN_OPINIONS = [
    "经现场核查，部分整改任务尚未完成，请继续整改后重新报送。",
    "佐证材料不完整，请补充验收资料后重新报送。",
]
REVIEW_ACCEPT_OPINIONS = [
    "经审核，该事项已按要求办结，任务完成、问题解决，同意办结。",
    "经实地核查，办理情况属实，群众反映问题已解决，建议予以办结。",
    "经审核，办结报告内容真实、结论恰当，建议办结。",
]
DISPUTE_TEXTS = ("协办单位对职责分工和资金分担存在不同意见，经多次协商未达成一致，请督查室协调。",)
COORDINATION_TEXT = "经县督查室召集双方协调，明确由牵头单位负责总体推进，协办单位负责相关审批和资金保障。"
RULING_TEXT = "同意督查室协调意见，请各单位按此分工抓好落实。"

SOURCE_WEIGHTS = [
    (SourceType.MEETING_DECISION, 16),
    (SourceType.LEADER_INSTRUCTION, 14),
    (SourceType.WORK_REPORT_TASK, 12),
    (SourceType.POLICY_DOCUMENT, 10),
    (SourceType.PUBLIC_REPORT, 10),
    (SourceType.NPC_SUGGESTION, 9),
    (SourceType.CPPCC_PROPOSAL, 8),
    (SourceType.LEADER_ASSIGNMENT, 6),
    (SourceType.INSPECTION_TOUR, 6),
    (SourceType.LIVELIHOOD_PROJECT, 6),
    (SourceType.OTHER, 3),
]
STATUS_WEIGHTS = [
    (S.DRAFT, 4),
    (S.PENDING_APPROVAL, 5),
    (S.REGISTERED, 4),
    (S.REJECTED, 3),
    (S.ASSIGNED, 12),
    (S.IN_PROGRESS, 30),
    (S.UNDER_REVIEW, 6),
    (S.ACCEPTED, 5),
    (S.CLOSED, 9),
    (S.ARCHIVED, 17),
    (S.CANCELLED, 5),
]
# Among running items: about a quarter overdue, which makes ~10% of all items.
LIGHT_WEIGHTS = [(RED, 22), (YELLOW, 18), (GREEN, 60)]
URGENCY_WEIGHTS = [(Urgency.EXTRA_URGENT, 10), (Urgency.URGENT, 30), (Urgency.NORMAL, 60)]
CONFIDENTIALITY_WEIGHTS = [
    (Confidentiality.SECRET, 3),
    (Confidentiality.PUBLIC, 35),
    (Confidentiality.INTERNAL, 62),
]

LEADERS = {"leader": "陈副县长", "county_head": "林县长"}
# Statuses reached only after the unit head has checked the completion report.
AFTER_REPORT = (S.UNDER_REVIEW, S.ACCEPTED, S.CLOSED, S.ARCHIVED)


# --- plans ----------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What one demo item should look like once driven. Blank fields are drawn at random."""

    status: str
    lead: str  # unit code, as in DemoWorld.departments / townships
    co: tuple[str, ...] = ()
    source_type: str = ""
    urgency: str = ""
    confidentiality: str = ""
    light: str = ""  # running items: red / yellow / green
    co_signed: bool = True  # running items: have the co-units signed for it yet?
    progress: int = 0  # progress reports by the lead unit
    pending_report: bool = False  # in_progress: a completion report waits for the unit head
    extension: str = ""  # pending / endorsed / granted / refused
    delegate_to: str = ""  # township code: a child item for it
    child_status: str = S.ASSIGNED
    dispute: str = ""  # open / coordinated / ruled
    head_returned: bool = False  # the unit head sent a completion report back once
    review_returned: bool = False  # the office sent a completion report back once
    cancel_from: str = ""  # cancelled: the status it was withdrawn in
    cancel_requested: bool = False  # the office asked to withdraw; the leader has not decided
    revised: bool = False  # draft: rejected once and revised


@dataclass
class _Timeline:
    created: datetime.date
    source: datetime.date
    approved: datetime.date | None = None
    assigned: datetime.date | None = None
    due: datetime.date | None = None
    completed: datetime.date | None = None
    closed: datetime.date | None = None
    archived: datetime.date | None = None
    workdays: int = 15


def _core_plans(world: DemoWorld) -> list[Plan]:
    """Items that leave something waiting on every demo account, and every status and source type once."""
    st = SourceType
    plans = [
        # leader / county_head: approve, close, decide an endorsed extension, decide a withdrawal request
        Plan(S.PENDING_APPROVAL, "nyncj", ("slj",), source_type=st.NPC_SUGGESTION),
        Plan(S.PENDING_APPROVAL, "wjj", source_type=st.PUBLIC_REPORT, urgency=Urgency.URGENT),
        Plan(S.ACCEPTED, "fgw", ("czj",), source_type=st.WORK_REPORT_TASK),
        Plan(S.ACCEPTED, "cgz", source_type=st.LIVELIHOOD_PROJECT),
        Plan(
            S.IN_PROGRESS,
            "jyj",
            ("czj",),
            source_type=st.LEADER_INSTRUCTION,
            light=YELLOW,
            extension="endorsed",
            progress=1,
        ),
        # office / office2: review, assign, decide an extension, submit a draft, archive
        Plan(S.UNDER_REVIEW, "zjj", ("cgz",), source_type=st.INSPECTION_TOUR),
        Plan(S.UNDER_REVIEW, "jyj", source_type=st.CPPCC_PROPOSAL),
        Plan(S.REGISTERED, "slj", source_type=st.POLICY_DOCUMENT),
        Plan(S.REGISTERED, "wlj", source_type=st.OTHER, cancel_requested=True),
        Plan(
            S.IN_PROGRESS,
            "fgw",
            ("czj",),
            source_type=st.MEETING_DECISION,
            light=GREEN,
            extension="pending",
            progress=2,
        ),
        Plan(S.DRAFT, "cgj", source_type=st.PUBLIC_REPORT),
        Plan(S.CLOSED, "fgw", source_type=st.LEADER_ASSIGNMENT),
        # fgw / fgw_head: sign, report, check a completion report; cgz: sign a delegated child item
        Plan(S.ASSIGNED, "fgw", ("jyj", "zrzyj"), light=GREEN, co_signed=False, urgency=Urgency.EXTRA_URGENT),
        Plan(S.IN_PROGRESS, "fgw", ("sthjj",), light=RED, progress=2),
        Plan(S.IN_PROGRESS, "fgw", light=YELLOW, progress=1, pending_report=True),
        Plan(S.IN_PROGRESS, "fgw", light=GREEN, progress=1, delegate_to="cgz"),
        # jyj / jyj_head
        Plan(S.ASSIGNED, "jyj", light=YELLOW, urgency=Urgency.URGENT),
        Plan(S.IN_PROGRESS, "jyj", ("wjj",), light=GREEN, progress=1),
        Plan(S.IN_PROGRESS, "jyj", light=RED, progress=2, pending_report=True, head_returned=True),
        # zjj
        Plan(S.ASSIGNED, "zjj", light=RED),
        Plan(S.IN_PROGRESS, "zjj", ("cgj",), light=GREEN, progress=2),
        Plan(S.IN_PROGRESS, "zjj", light=GREEN, progress=1, pending_report=True),
        # cgz_head (城关镇): a completion report to check
        Plan(S.IN_PROGRESS, "cgz", light=YELLOW, progress=1, pending_report=True),
        # the remaining statuses
        Plan(S.REJECTED, "swj", source_type=st.OTHER),
        Plan(S.ARCHIVED, "jyj", ("czj",), source_type=st.LIVELIHOOD_PROJECT),
        Plan(S.CANCELLED, "jtj", cancel_from=S.IN_PROGRESS),
    ]
    # Every unit's liaison: an assignment not yet signed for. Units already waiting above are skipped; the rest
    # are grouped by three (a department leading, townships and other departments co-operating).
    waiting = set()
    for plan in plans:
        if plan.status in S.running():
            if plan.status == S.ASSIGNED:
                waiting.add(plan.lead)
            if not plan.co_signed:
                waiting.update(plan.co)
        if plan.delegate_to:
            waiting.add(plan.delegate_to)
    departments = [code for code in world.departments if code not in waiting]
    townships = [code for code in world.townships if code not in waiting]
    lights = [RED, GREEN, YELLOW, GREEN, GREEN]
    urgencies = [Urgency.NORMAL, Urgency.URGENT, Urgency.NORMAL, Urgency.EXTRA_URGENT]
    index = 0
    while departments or townships:
        lead = departments.pop(0) if departments else townships.pop(0)
        co: list[str] = []
        while len(co) < 2 and (departments or townships):
            co.append(townships.pop(0) if townships else departments.pop(0))
        plans.append(
            Plan(
                S.ASSIGNED,
                lead,
                tuple(co),
                light=lights[index % len(lights)],
                urgency=urgencies[index % len(urgencies)],
                co_signed=False,
                confidentiality=Confidentiality.SECRET if index == 0 else "",  # one secret item among them
            )
        )
        index += 1
    return plans


# --- the builder ----------------------------------------------------------------------------------------------


def _weighted(rng: random.Random, pairs: list[tuple[T, int]]) -> T:
    return rng.choices([value for value, _weight in pairs], weights=[weight for _value, weight in pairs])[0]


@dataclass
class _Prepared:
    plan: Plan
    timeline: _Timeline
    approver: str  # username of the leader who approves and closes
    task: str
    fields: dict[str, Any]

    @property
    def sort_key(self) -> datetime.date:
        """Items are created in the order they were approved, so that their numbers run with the dates."""
        return self.timeline.approved or self.timeline.created

    @property
    def size(self) -> int:
        return 2 if self.plan.delegate_to else 1


@dataclass
class _Builder:
    world: DemoWorld
    rng: random.Random
    today: datetime.date
    now: datetime.datetime
    units: dict[str, Unit] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)
    tasks: Counter[str] = field(default_factory=Counter)
    titles: Counter[str] = field(default_factory=Counter)
    created: int = 0

    def __post_init__(self) -> None:
        self.units = {**self.world.departments, **self.world.townships}
        self.codes = {unit.pk: code for code, unit in self.units.items()}

    # --- people ---

    def user(self, username: str) -> User:
        return self.world.user(username)

    def worker(self, code: str) -> User:
        """Who does the unit's work on an item: its handler if it has one, else its liaison."""
        return self.world.users.get(code) or self.user(f"{code}_liaison")

    def signer(self, code: str) -> User:
        """Liaisons receive most notices; a unit with a handler often has the handler sign."""
        if code in self.world.users and self.rng.random() < 0.7:
            return self.user(code)
        return self.user(f"{code}_liaison")

    def head(self, code: str) -> User | None:
        return self.world.users.get(f"{code}_head")

    def has_head(self, code: str) -> bool:
        return self.head(code) is not None

    # --- dates ---

    def days_ago(self, days: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days)

    def at(self, day: datetime.date, *, earliest: datetime.datetime | None = None) -> datetime.datetime:
        """A moment in office hours on `day`, never in the future nor before `earliest`."""
        moment = datetime.datetime.combine(
            day,
            datetime.time(self.rng.choice([8, 9, 9, 10, 10, 11, 14, 15, 16, 17]), self.rng.randrange(60)),
            tzinfo=timezone.get_current_timezone(),
        )
        if earliest is not None and moment < earliest:
            moment = earliest + datetime.timedelta(minutes=self.rng.randint(5, 90))
        return min(moment, self.now)

    def later(self, start: datetime.datetime, days: int) -> datetime.datetime:
        """A moment in office hours `days` days after `start` (or soon after it), never in the future."""
        return self.at(timezone.localdate(start) + datetime.timedelta(days=days), earliest=start)

    def timeline(self, plan: Plan, workdays_allowed: int) -> _Timeline:
        """The dates the item would have had, chosen before it is driven (the source date goes into the item)."""
        rng, today = self.rng, self.today
        status = S.CANCELLED if plan.cancel_from else plan.status
        reached = plan.cancel_from or plan.status
        t = _Timeline(created=today, source=today, workdays=workdays_allowed)
        if reached in (S.DRAFT, S.PENDING_APPROVAL, S.REGISTERED, S.REJECTED):
            t.created = self.days_ago(rng.randint(0, 20))
        else:
            if reached in S.running() and status != S.CANCELLED:
                # The due date decides the light: pick it, then count the working days back to the assignment.
                if plan.light == RED:
                    t.due = workdays.subtract_workdays(today, rng.randint(1, 15))
                elif plan.light == YELLOW:
                    t.due = workdays.add_workdays(today, rng.randint(1, 2))
                else:
                    t.due = workdays.add_workdays(today, rng.randint(4, max(4, workdays_allowed)))
                t.assigned = workdays.subtract_workdays(t.due, workdays_allowed)
            elif reached in (S.UNDER_REVIEW, S.ACCEPTED):
                t.completed = self.days_ago(
                    rng.randint(0, 3) if reached == S.UNDER_REVIEW else rng.randint(1, 8)
                )
                t.assigned = t.completed - datetime.timedelta(days=rng.randint(10, 50))
            elif reached in (S.CLOSED, S.ARCHIVED):
                t.assigned = self.days_ago(rng.randint(45, 170))
                t.completed = workdays.add_workdays(
                    t.assigned, rng.randint(max(1, workdays_allowed * 2 // 3), workdays_allowed + 3)
                )
                t.completed = min(t.completed, self.days_ago(25))
                t.closed = min(t.completed + datetime.timedelta(days=rng.randint(2, 8)), self.days_ago(15))
                if reached == S.ARCHIVED:
                    t.archived = min(t.closed + datetime.timedelta(days=rng.randint(3, 14)), self.days_ago(1))
            else:  # withdrawn while running
                t.assigned = self.days_ago(rng.randint(10, 60))
            if t.due is None:
                t.due = workdays.add_workdays(t.assigned, workdays_allowed)
            t.created = t.assigned - datetime.timedelta(days=rng.randint(1, 6))
        if reached not in (S.DRAFT, S.PENDING_APPROVAL, S.REJECTED):
            t.approved = t.assigned or min(t.created + datetime.timedelta(days=rng.randint(0, 3)), today)
        t.source = t.created - datetime.timedelta(days=rng.randint(1, 20))
        return t

    # --- texts ---

    def task(self, plan: Plan) -> str:
        """The task the item names, from the lead unit's part of the catalogue, the least used first."""
        lead = self.units[plan.lead]
        if plan.lead in self.world.townships:
            templates, town = TOWNSHIP_TITLES, lead.short_name
        else:
            templates = DEPARTMENT_TITLES.get(plan.lead) or TOWNSHIP_TITLES
            co_towns = [self.units[code].short_name for code in plan.co if code in self.world.townships]
            town = (
                co_towns[0] if co_towns else self.rng.choice(list(self.world.townships.values())).short_name
            )
        used = [self.tasks[template.format(town=town)] for template in templates]
        fewest = min(used)
        template = self.rng.choice([t for t, n in zip(templates, used, strict=True) if n == fewest])
        task = template.format(town=town)
        self.tasks[task] += 1
        return task

    def title(self, task: str) -> str:
        """The item's title: a task met again (in date order) gets a suffix such as "（回头看）"."""
        repeats = self.titles[task]
        self.titles[task] += 1
        return task + (REPEAT_SUFFIXES[(repeats - 1) % len(REPEAT_SUFFIXES)] if repeats else "")

    def reference(self, source_type: str, day: datetime.date, title: str, plan: Plan) -> tuple[str, str, str]:
        """(source reference, basis of approval, the leader who approves)."""
        rng = self.rng
        year, md = day.year, f"{day.month}月{day.day}日"
        who = rng.choice(["leader", "leader", "county_head"])
        name = LEADERS[who]
        town = (
            self.units[plan.lead].short_name
            if plan.lead in self.world.townships
            else rng.choice([unit.short_name for unit in self.world.townships.values()])
        )
        basis = ApprovalBasis.OFFICE_PROPOSAL
        if source_type == SourceType.LEADER_INSTRUCTION:
            lead_name = self.units[plan.lead].short_name
            paper = rng.choice(
                [
                    f"{lead_name}《关于{title}工作情况的报告》",
                    f"《县政府督查室督查专报》第{rng.randint(3, 40)}期",
                    f"《示范县政务信息》第{rng.randint(10, 120)}期",
                    f"《群众来信摘报》第{rng.randint(5, 60)}期",
                ]
            )
            reference = f"{name}在{paper}上的批示（{md}）"
            if who == "county_head":
                basis = ApprovalBasis.HEAD_INSTRUCTION
        elif source_type == SourceType.MEETING_DECISION:
            reference = rng.choice(
                [
                    f"县政府第{rng.randint(20, 48)}次常务会议纪要",
                    f"县长办公会议纪要〔{year}〕{rng.randint(5, 40)}号",
                    f"全县重点工作推进会议纪要（{md}）",
                    f"县政府第{rng.randint(3, 6)}次全体会议",
                ]
            )
            basis = ApprovalBasis.GOVERNMENT_DECISION
        elif source_type == SourceType.WORK_REPORT_TASK:
            reference = f"{year}年县政府工作报告重点任务分解第{rng.randint(1, 86)}项"
            basis = ApprovalBasis.GOVERNMENT_DECISION
        elif source_type == SourceType.POLICY_DOCUMENT:
            number = rng.choice(
                [
                    f"示政发〔{year}〕{rng.randint(1, 30)}号",
                    f"示政办发〔{year}〕{rng.randint(1, 60)}号",
                    f"示县政发〔{year}〕{rng.randint(1, 25)}号",
                ]
            )
            reference = f"《关于{title}的实施意见》（{number}）"
        elif source_type == SourceType.NPC_SUGGESTION:
            reference = f"县人大十八届三次会议第{rng.randint(1, 120)}号建议"
        elif source_type == SourceType.CPPCC_PROPOSAL:
            reference = f"县政协十届三次会议第{rng.randint(1, 150)}号提案"
        elif source_type == SourceType.PUBLIC_REPORT:
            reference = rng.choice(
                [
                    f"12345政务服务便民热线工单（{day:%Y%m%d}{rng.randint(1000, 9999)}）",
                    f"县长信箱来信（{md}）",
                    f"“互联网+督查”平台群众留言（{md}）",
                    f"人民网领导留言板留言（{md}）",
                ]
            )
        elif source_type == SourceType.LEADER_ASSIGNMENT:
            reference = f"{name}在县政府党组会议上交办（{md}）"
            if who == "county_head":
                basis = ApprovalBasis.HEAD_INSTRUCTION
        elif source_type == SourceType.INSPECTION_TOUR:
            reference = f"{name}{md}到{town}调研时的指示"
            if who == "county_head":
                basis = ApprovalBasis.HEAD_INSTRUCTION
        elif source_type == SourceType.LIVELIHOOD_PROJECT:
            reference = f"{year}年县级十件民生实事第{rng.randint(1, 10)}项"
            basis = ApprovalBasis.GOVERNMENT_DECISION
        else:
            reference = rng.choice(
                [
                    f"市政府督查室转办函（示督函〔{year}〕{rng.randint(1, 50)}号）",
                    f"省“互联网+督查”平台转办线索（{md}）",
                    f"县委督查室移交事项（{md}）",
                ]
            )
        return reference, basis, who

    def content(self, source_type: str, reference: str, title: str, plan: Plan) -> str:
        lead = self.units[plan.lead].short_name
        openings: dict[str, str] = {
            SourceType.LEADER_INSTRUCTION: f"{reference}：“请督查室跟踪督办，{lead}抓紧研究，拿出务实管用的措施。”",
            SourceType.MEETING_DECISION: f"{reference}明确，要{title}。",
            SourceType.WORK_REPORT_TASK: f"{reference}提出“{title}”，列为年度重点工作任务。",
            SourceType.POLICY_DOCUMENT: f"根据{reference}要求，结合我县实际，需{title}。",
            SourceType.NPC_SUGGESTION: f"县人大代表在{reference}中反映群众关注度高，建议{title}。",
            SourceType.CPPCC_PROPOSAL: f"县政协委员在{reference}中建议{title}。",
            SourceType.PUBLIC_REPORT: f"群众通过{reference}反映相关问题，要求{title}。",
            SourceType.LEADER_ASSIGNMENT: f"{reference}：{title}，请督查室跟踪落实。",
            SourceType.INSPECTION_TOUR: f"{reference}：要{title}，切实解决群众急难愁盼问题。",
            SourceType.LIVELIHOOD_PROJECT: f"“{title}”列入{reference}，年内必须完成。",
        }
        opening = openings.get(source_type, f"{reference}：{title}。")
        co = "、".join(self.units[code].short_name for code in plan.co)
        task = f"请{lead}牵头负责" + (f"，{co}配合" if co else "") + "，" + self.rng.choice(GOALS)
        return opening + task

    def requirements(self) -> str:
        picked = self.rng.sample(REQUIREMENTS, self.rng.randint(2, 4))
        return "\n".join(f"{index}. {text}。" for index, text in enumerate(picked, 1))

    def progress_text(self, title: str) -> str:
        rng = self.rng
        works = any(word in title for word in WORKS_WORDS)
        texts = PROGRESS_TEXTS + WORKS_PROGRESS_TEXTS * 2 if works else PROGRESS_TEXTS
        return rng.choice(texts).format(n=rng.randint(2, 12), m=rng.randint(1, 8), p=rng.randint(20, 85))

    def report_text(self, title: str) -> str:
        a, b, c = self.rng.sample(REPORT_POINTS, 3)
        return (
            f"“{title}”任务已办结。一是{a}；二是{b}；三是{c}。下一步将巩固工作成效，防止问题反弹。特此报告。"
        )

    def co_note(self, code: str) -> str:
        if code in self.world.townships:
            return TOWNSHIP_CO_NOTE
        return CO_UNIT_NOTES.get(code, GENERIC_CO_NOTE)

    # --- random plans ---

    def random_plan(self) -> Plan:
        rng = self.rng
        status = _weighted(rng, STATUS_WEIGHTS)
        plan = Plan(status, "")
        if status == S.CANCELLED:
            plan.cancel_from = rng.choice(
                [S.DRAFT, S.PENDING_APPROVAL, S.REGISTERED, S.ASSIGNED, S.IN_PROGRESS]
            )
        if status in AFTER_REPORT:
            # The unit head checks the completion report: only units with a head account get that far.
            candidates = [code for code in self.units if self.has_head(code)]
        elif rng.random() < 0.75:
            candidates = list(self.world.departments)
        else:
            candidates = list(self.world.townships)
        plan.lead = rng.choice(candidates)
        others = [code for code in self.units if code != plan.lead]
        plan.co = tuple(rng.sample(others, _weighted(rng, [(0, 40), (1, 35), (2, 25)])))
        plan.source_type = _weighted(rng, SOURCE_WEIGHTS)
        plan.urgency = _weighted(rng, URGENCY_WEIGHTS)
        plan.confidentiality = _weighted(rng, CONFIDENTIALITY_WEIGHTS)
        if status == S.DRAFT:
            plan.revised = rng.random() < 0.25
        if status in S.running():
            plan.light = _weighted(rng, LIGHT_WEIGHTS)
            plan.co_signed = rng.random() < 0.8
        if status == S.IN_PROGRESS:
            plan.progress = rng.randint(0, 3)
            plan.pending_report = rng.random() < 0.2
            if plan.light != RED and rng.random() < 0.15:
                plan.extension = rng.choice(["pending", "granted", "granted", "refused"])
            if plan.co and rng.random() < 0.08:
                plan.dispute = rng.choice(["open", "coordinated", "ruled"])
            if plan.lead in self.world.departments and not plan.pending_report and rng.random() < 0.12:
                plan.delegate_to = rng.choice(list(self.world.townships))
                child_choices = [S.ASSIGNED, S.IN_PROGRESS]
                if self.has_head(plan.delegate_to) and self.has_head(plan.lead):
                    child_choices.append(S.CLOSED)
                plan.child_status = rng.choice(child_choices)
        if status in AFTER_REPORT:
            plan.progress = rng.randint(1, 2)
            plan.head_returned = rng.random() < 0.1
            plan.review_returned = rng.random() < 0.12
        return plan

    # --- driving one item through the services ---

    def prepare(self, plan: Plan) -> _Prepared:
        """Draw the item's attributes and dates (nothing is written yet)."""
        rng = self.rng
        source_type = plan.source_type or _weighted(rng, SOURCE_WEIGHTS)
        urgency = plan.urgency or _weighted(rng, URGENCY_WEIGHTS)
        confidentiality = plan.confidentiality or _weighted(rng, CONFIDENTIALITY_WEIGHTS[1:])
        if urgency == Urgency.EXTRA_URGENT:
            allowed = rng.choice([5, 7, 10])
        elif source_type in (SourceType.WORK_REPORT_TASK, SourceType.LIVELIHOOD_PROJECT):
            allowed = rng.choice([30, 40, 60])
        elif urgency == Urgency.URGENT:
            allowed = rng.choice([10, 15])
        else:
            allowed = rng.choice([15, 15, 20, 30])
        t = self.timeline(plan, allowed)
        task = self.task(plan)
        reference, basis, approver = self.reference(source_type, t.source, task, plan)
        fields = {
            "source_type": source_type,
            "lead_unit_id": self.units[plan.lead].pk,
            "content": self.content(source_type, reference, task, plan),
            "requirements": self.requirements(),
            "source_reference": reference,
            "source_date": t.source,
            "approval_basis": basis,
            "urgency": urgency,
            "confidentiality": confidentiality,
            "co_units": [
                services.CoUnit(
                    unit_id=self.units[code].pk,
                    share=rng.choice([None, 10, 15, 20, 25, 30, 40]),
                    share_note=self.co_note(code),
                )
                for code in plan.co
            ],
            "deadline_workdays": allowed,
            "progress_cycle": (
                ProgressCycle.WEEKLY
                if urgency == Urgency.EXTRA_URGENT
                else ProgressCycle.MONTHLY
                if allowed >= 30
                else ProgressCycle.NONE
            ),
        }
        return _Prepared(plan=plan, timeline=t, approver=approver, task=task, fields=fields)

    def build(self, prepared: _Prepared) -> Item:
        plan, t = prepared.plan, prepared.timeline
        approver = self.user(prepared.approver)
        item = services.item_create(
            actor=self.user("office"), title=self.title(prepared.task), **prepared.fields
        )
        self.created += 1
        self.drive(item, plan, approver, t)
        self.backdate(item, plan, t)
        return item

    def drive(self, item: Item, plan: Plan, approver: User, t: _Timeline) -> None:
        rng, pk = self.rng, item.pk
        office, leader = self.user("office"), self.user("leader")
        reviewer = self.user(rng.choice(["office", "office", "office2"]))
        stop = plan.cancel_from or plan.status

        if plan.revised:
            services.item_submit(item_id=pk, actor=office)
            services.item_reject(item_id=pk, actor=approver, reason=rng.choice(REJECT_REASONS))
            services.item_revise(item_id=pk, actor=office)
        if stop == S.DRAFT:
            if plan.cancel_from:
                services.item_cancel(item_id=pk, actor=office, reason=rng.choice(CANCEL_REASONS))
            return
        services.item_submit(item_id=pk, actor=office)
        if stop == S.PENDING_APPROVAL:
            if plan.cancel_from:
                services.item_cancel(item_id=pk, actor=leader, reason=rng.choice(CANCEL_REASONS))
            return
        if stop == S.REJECTED:
            services.item_reject(item_id=pk, actor=approver, reason=rng.choice(REJECT_REASONS))
            return
        services.item_approve(item_id=pk, actor=approver, comment=rng.choice(APPROVE_COMMENTS))
        if plan.cancel_requested:
            services.item_cancel(item_id=pk, actor=office, reason=rng.choice(CANCEL_REASONS))
        if stop == S.REGISTERED:
            if plan.cancel_from:
                self.withdraw(item, via_office=True)
            return

        # Extensions are asked for before the due date: such items get a fixed date still ahead.
        if plan.extension:
            assert t.due is not None
            services.item_assign(item_id=pk, actor=office, due_date=t.due)
        else:
            services.item_assign(item_id=pk, actor=office)
        co_sign = plan.co_signed or plan.status in AFTER_REPORT
        if co_sign:
            for code in plan.co:
                services.item_sign(item_id=pk, actor=self.signer(code))
                if rng.random() < 0.5:
                    note = self.co_note(code)
                    text = rng.choice(CO_PROGRESS_TEXTS).format(note=note)
                    services.item_progress(item_id=pk, actor=self.worker(code), text=text)
        if stop == S.ASSIGNED:
            if plan.cancel_from:
                self.withdraw(item, via_office=False)
            return

        lead = self.worker(plan.lead)
        services.item_sign(item_id=pk, actor=self.signer(plan.lead))
        for _ in range(plan.progress):
            services.item_progress(item_id=pk, actor=lead, text=self.progress_text(item.title))
        if plan.extension:
            assert t.due is not None
            services.item_extension_request(
                item_id=pk,
                actor=lead,
                reason=rng.choice(EXTENSION_REASONS),
                proposed_due_date=workdays.add_workdays(t.due, rng.choice([10, 15, 20])),
            )
            if plan.extension == "endorsed":
                services.item_extension_decide(
                    item_id=pk, actor=office, grant=True, comment="情况属实，同意延期，请领导审定。"
                )
            elif plan.extension in ("granted", "refused"):
                extension = item.extensions.get()
                grant = plan.extension == "granted"
                decider = approver if extension.requires_leader else office
                if extension.requires_leader:
                    services.item_extension_decide(
                        item_id=pk, actor=office, grant=True, comment="情况属实，同意延期。"
                    )
                services.item_extension_decide(
                    item_id=pk,
                    actor=decider,
                    grant=grant,
                    comment="同意延期。" if grant else "该事项时限要求刚性，不同意延期，请加快推进。",
                )
        if plan.dispute:
            services.item_dispute_escalate(item_id=pk, actor=lead, description=DISPUTE_TEXTS[0])
            if plan.dispute in ("coordinated", "ruled"):
                services.item_dispute_coordinate(item_id=pk, actor=office, coordination=COORDINATION_TEXT)
            if plan.dispute == "ruled":
                services.item_dispute_rule(item_id=pk, actor=approver, ruling=RULING_TEXT)
        if plan.delegate_to:
            self.delegate(item, plan)
        if stop == S.IN_PROGRESS:
            if plan.cancel_from:
                self.withdraw(item, via_office=True)
            elif plan.pending_report:
                self.report(item, plan, head_check=False)
            return

        for code in plan.co:
            note = self.co_note(code)
            services.item_progress(
                item_id=pk, actor=self.worker(code), text=CO_FINAL_TEXT.format(note=note), is_final=True
            )
        self.report(item, plan, head_check=True)
        if plan.review_returned:
            services.item_review(
                item_id=pk,
                actor=reviewer,
                decision=Review.Decision.RETURN,
                opinion=rng.choice(REVIEW_RETURN_OPINIONS),
            )
            services.item_progress(item_id=pk, actor=lead, text="已按审核意见补充整改，相关佐证材料已补齐。")
            self.report(item, plan, head_check=True)
        if stop == S.UNDER_REVIEW:
            return
        services.item_review(
            item_id=pk,
            actor=reviewer,
            decision=Review.Decision.ACCEPT,
            opinion=rng.choice(REVIEW_ACCEPT_OPINIONS),
            task_completed=True,
            problem_solved=True,
            conclusion_appropriate=True,
            lawful_compliant=True,
        )
        if stop == S.ACCEPTED:
            return
        services.item_close(item_id=pk, actor=approver, comment="同意办结。")
        if stop == S.CLOSED:
            return
        services.item_archive(item_id=pk, actor=office)

    def report(self, item: Item, plan: Plan, *, head_check: bool) -> None:
        """The lead unit files its completion report; its head checks it (unless left waiting for the head)."""
        lead, head = self.worker(plan.lead), self.head(plan.lead)
        title = item.title
        if plan.head_returned and head is not None and not item.reports.filter(head_decided_by=head).exists():
            services.item_report(item_id=item.pk, actor=lead, text=f"“{title}”任务已基本完成，特此报告。")
            services.item_report_return(
                item_id=item.pk, actor=head, reason=self.rng.choice(HEAD_RETURN_REASONS)
            )
        services.item_report(item_id=item.pk, actor=lead, text=self.report_text(title))
        if head_check:
            assert head is not None, f"{plan.lead} has no unit head to check the report"
            services.item_report_approve(item_id=item.pk, actor=head, comment="已审核，情况属实。")

    def withdraw(self, item: Item, *, via_office: bool) -> None:
        """The office asks and the leader approves, or the leader withdraws at once."""
        reason = self.rng.choice(CANCEL_REASONS)
        if via_office:
            services.item_cancel(item_id=item.pk, actor=self.user("office"), reason=reason)
            services.item_cancel_approve(item_id=item.pk, actor=self.user("leader"), comment="同意撤销。")
        else:
            services.item_cancel(item_id=item.pk, actor=self.user("leader"), reason=reason)

    def delegate(self, parent: Item, plan: Plan) -> None:
        """The lead unit passes the township's share on (转办) as a child item with the parent's due date."""
        town = plan.delegate_to
        delegator = self.worker(plan.lead)
        town_name = self.units[town].short_name
        child = services.item_delegate(
            item_id=parent.pk,
            actor=delegator,
            unit_id=self.units[town].pk,
            title=f"{parent.title}（{town_name}）",
            content=f"请{town_name}负责辖区内相关工作，按期报送办理情况。",
        )
        self.created += 1
        if plan.child_status in (S.IN_PROGRESS, S.CLOSED):
            worker = self.worker(town)
            services.item_sign(item_id=child.pk, actor=self.signer(town))
            services.item_progress(item_id=child.pk, actor=worker, text=self.progress_text(child.title))
        if plan.child_status == S.CLOSED:
            head, delegator_head = self.head(town), self.head(plan.lead)
            assert head is not None and delegator_head is not None
            services.item_report(item_id=child.pk, actor=worker, text=self.report_text(child.title))
            services.item_report_approve(item_id=child.pk, actor=head, comment="同意上报。")
            services.item_review(
                item_id=child.pk,
                actor=delegator,
                decision=Review.Decision.ACCEPT,
                opinion="经审核，辖区任务已完成，同意办结。",
                task_completed=True,
                problem_solved=True,
                conclusion_appropriate=True,
                lawful_compliant=True,
            )
            services.item_close(item_id=child.pk, actor=delegator_head)

    # --- moving dates back (demo data only) ---

    def backdate(self, item: Item, plan: Plan, t: _Timeline) -> None:
        """Give the item the history chosen in `timeline()`.

        Demo data only: the services date every step "today", so here the item's and its assignments' own date
        fields are moved back with queryset updates. Audit events (append-only) keep their real time.
        """
        item.refresh_from_db()
        created = self.at(t.created)
        fields: dict[str, object] = {"created_at": created}
        if item.approved_at is not None and t.approved is not None:
            fields["approved_at"] = self.at(t.approved, earliest=created)
        assigned_at = None
        if item.assigned_at is not None and t.assigned is not None:
            assigned_at = self.at(t.assigned, earliest=fields.get("approved_at", created))  # type: ignore[arg-type]
            fields["assigned_at"] = assigned_at
            if not plan.extension:
                # The due date N working days after the (earlier) assignment, as item_assign counts it.
                assert t.due is not None
                result = workdays.add_workdays_detailed(t.assigned, t.workdays)
                fields["due_date"] = t.due
                fields["warn_date"] = workdays.subtract_workdays(t.due, settings.DUCHA_YELLOW_WORKDAYS)
                fields["due_date_is_provisional"] = (
                    result.is_provisional or workdays.year_source(t.due.year) == workdays.SOURCE_PROVISIONAL
                )
                fields["deadline_basis"] = DeadlineBasis.WORKDAYS
        completed_at = None
        if item.completed_at is not None and t.completed is not None:
            completed_at = self.at(t.completed, earliest=assigned_at)
            fields["completed_at"] = completed_at
        if item.closed_at is not None and t.closed is not None:
            fields["closed_at"] = self.at(t.closed, earliest=completed_at)
        if item.archived_at is not None and t.archived is not None:
            fields["archived_at"] = self.at(t.archived, earliest=fields.get("closed_at"))  # type: ignore[arg-type]
        Item.objects.filter(pk=item.pk).update(**fields)
        if assigned_at is not None:
            self._backdate_assignments(item, assigned_at, completed_at)
            for child in item.children.all():
                self._backdate_child(child, item.pk, assigned_at)

    def _backdate_assignments(
        self, item: Item, assigned_at: datetime.datetime, completed_at: datetime.datetime | None
    ) -> None:
        rng = self.rng
        for assignment in item.assignments.order_by("id"):
            values: dict[str, object] = {"notified_at": assigned_at}
            signed_at = None
            if assignment.signed_at is not None:
                # Most units sign the same day; now and then one signs days late (it counts against them).
                signed_at = self.later(assigned_at, rng.choice([0, 0, 0, 0, 0, 1, 1, 2, 3]))
                if completed_at is not None:
                    signed_at = min(signed_at, completed_at)
                values["signed_at"] = signed_at
            if assignment.reported_at is not None and completed_at is not None:
                if assignment.is_lead:
                    values["reported_at"] = completed_at
                else:
                    values["reported_at"] = max(
                        completed_at - datetime.timedelta(days=rng.randint(1, 5)), signed_at or assigned_at
                    )
            Assignment.objects.filter(pk=assignment.pk).update(**values)

    def _backdate_child(self, child: Item, parent_id: int, parent_assigned: datetime.datetime) -> None:
        parent = Item.objects.get(pk=parent_id)
        lead_signed = (
            Assignment.objects.filter(item_id=parent_id, role="lead")
            .values_list("signed_at", flat=True)
            .first()
        )
        start = self.later(lead_signed or parent_assigned, self.rng.choice([0, 1, 2]))
        Item.objects.filter(pk=child.pk).update(
            created_at=start,
            assigned_at=start,
            approved_at=parent.approved_at,
            due_date=parent.due_date,
            warn_date=parent.warn_date,
            due_date_is_provisional=parent.due_date_is_provisional,
        )
        for assignment in child.assignments.all():
            values: dict[str, object] = {"notified_at": start}
            if assignment.signed_at is not None:
                values["signed_at"] = self.later(start, self.rng.choice([0, 0, 1]))
            Assignment.objects.filter(pk=assignment.pk).update(**values)


# --- entry point ----------------------------------------------------------------------------------------------


@transaction.atomic
def demo_items_create(world: DemoWorld, *, count: int = 200, seed: int = 2026) -> int:
    """Create about `count` demo items in the demo county (at least the ones that leave something waiting on every
    demo account, see `_core_plans`), driven through the services. Returns how many items were created,
    delegated child items included."""
    now = timezone.now()
    builder = _Builder(world=world, rng=random.Random(seed), today=timezone.localdate(now), now=now)
    prepared = [builder.prepare(plan) for plan in _core_plans(world)]
    planned = sum(one.size for one in prepared)
    while planned < count:
        prepared.append(builder.prepare(builder.random_plan()))
        planned += prepared[-1].size
    for one in sorted(prepared, key=lambda one: one.sort_key):
        builder.build(one)
    return builder.created
