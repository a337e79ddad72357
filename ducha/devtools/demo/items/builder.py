"""Demo supervision items (督查事项) built one by one: a plan's attributes and dates are drawn (`Builder.prepare`),
then the item is driven through the real services (`Builder.build`).

Every item is driven through the real services (ducha.items.services) by the demo account who would act in real
life: the supervision office creates, submits, assigns, reviews and archives; the leader approves, rejects and
closes; the unit's handler or liaison signs for, reports progress and files the completion report; the unit head
checks that report. Nothing is written around the services except one thing: the services date everything
"today", so after an item has been driven we move its own dates back (see `Builder.backdate`) to make a year's
worth of realistic history — items assigned weeks ago, some overdue. Audit events are never touched.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone

from ducha.devtools.demo.items.catalogue import (
    APPROVE_COMMENTS,
    CANCEL_REASONS,
    CO_FINAL_TEXT,
    CO_PROGRESS_TEXTS,
    CO_UNIT_NOTES,
    CONFIDENTIALITY_WEIGHTS,
    COORDINATION_TEXT,
    DEPARTMENT_TITLES,
    DISPUTE_TEXTS,
    EXTENSION_REASONS,
    GENERIC_CO_NOTE,
    GOALS,
    HEAD_RETURN_REASONS,
    LEADERS,
    LIGHT_WEIGHTS,
    PROGRESS_TEXTS,
    RED,
    REJECT_REASONS,
    REPEAT_SUFFIXES,
    REPORT_POINTS,
    REQUIREMENTS,
    REVIEW_ACCEPT_OPINIONS,
    REVIEW_RETURN_OPINIONS,
    RULING_TEXT,
    SOURCE_WEIGHTS,
    STATUS_WEIGHTS,
    TOWNSHIP_CO_NOTE,
    TOWNSHIP_TITLES,
    URGENCY_WEIGHTS,
    WORKS_PROGRESS_TEXTS,
    WORKS_WORDS,
    YELLOW,
    S,
)
from ducha.devtools.demo.items.history import events_follow_fields
from ducha.devtools.demo.items.plans import AFTER_REPORT, Plan, Timeline
from ducha.devtools.demo.world import DemoWorld
from ducha.items import services
from ducha.items.models import (
    ApprovalBasis,
    Assignment,
    DeadlineBasis,
    Item,
    ProgressCycle,
    Review,
    SourceType,
    Urgency,
)
from ducha.orgs.models import Unit, User
from ducha.workcalendar import services as workdays

T = TypeVar("T")


def _weighted(rng: random.Random, pairs: list[tuple[T, int]]) -> T:
    return rng.choices([value for value, _weight in pairs], weights=[weight for _value, weight in pairs])[0]


@dataclass
class Prepared:
    plan: Plan
    timeline: Timeline
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
class Builder:
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

    def timeline(self, plan: Plan, workdays_allowed: int) -> Timeline:
        """The dates the item would have had, chosen before it is driven (the source date goes into the item)."""
        rng, today = self.rng, self.today
        status = S.CANCELLED if plan.cancel_from else plan.status
        reached = plan.cancel_from or plan.status
        t = Timeline(created=today, source=today, workdays=workdays_allowed)
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

    def prepare(self, plan: Plan) -> Prepared:
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
        return Prepared(plan=plan, timeline=t, approver=approver, task=task, fields=fields)

    def build(self, prepared: Prepared) -> Item:
        plan, t = prepared.plan, prepared.timeline
        approver = self.user(prepared.approver)
        item = services.item_create(
            actor=self.user("office"), title=self.title(prepared.task), **prepared.fields
        )
        self.created += 1
        self.drive(item, plan, approver, t)
        self.backdate(item, plan, t)
        # The 办理过程 in the item's own time, not the moment the demo ran (ducha.devtools.demo.items.history).
        events_follow_fields([item.pk, *item.children.values_list("pk", flat=True)], now=self.now)
        return item

    def drive(self, item: Item, plan: Plan, approver: User, t: Timeline) -> None:
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

    def backdate(self, item: Item, plan: Plan, t: Timeline) -> None:
        """Give the item the history chosen in `timeline()`.

        Demo data only: the services date every step "today", so here the item's and its assignments' own date
        fields are moved back with queryset updates; `build` then moves the audit events into the same past.
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
