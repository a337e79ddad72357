"""What `ducha gendata` leaves out, for the provincial office's scope (`ducha gendata_extras`, issue 19): the rows
behind the pages that are not items — inspections, documents, the evaluation's scores, ledgers and reports,
accountability's proposals, sanctions, bulletins and commendations, 互联网+督查's clues, cases, photos, warnings and
briefs, source records and item attachments — so that `ducha bench_urls` can measure every page at scale.

It runs on a database made by `ducha gendata` (the newest `bench_office_<id>` and its province by default) and never
creates or changes an item: its rows point to the items that are there. Two ways of writing:

- **through the real services**, where a row needs their invariants (numbers, lifecycles, audit events): the
  provincial office's annual plan and inspections in every stage (a leader account of the province, made here,
  approves), with findings, evidence, conclusions, rectifications, a review request and a result proposal; its
  documents (an annual plan, supervision bulletins) and a day's batch of notices (the row only: its PDFs need the PDF
  engine); source records; attachments on a few items; for a sample of counties (`counties`) their ledgers of the
  year (opened, filled from their work report tasks and 民生实事, approved), their last ended quarter's report
  (generated, approved, submitted to the city), recorded facts, the triggers' proposals with one accepted into a
  sanction, a criticism bulletin drafted (not issued: issuing makes causes-and-fixes items), a commendation; public
  clues with a photo (each becomes a case) and the analytics' warnings and weekly brief; and the province's own rows,
  which its office's pages show (they read the office's own government, not the counties'): its ledger, a city's
  report submitted to it (a city office and leader are made for it), facts, sanctions, a bulletin and a commendation
  about its cities, public clues with photos, warnings and a brief;
- the scores of the last ended quarter, of this quarter so far and of the year so far for the province and every
  county (scoring.scores_compute, the background job's own code);
- **set-based** where volume matters and a row has no invariant beyond its columns: a province's clues
  (`clues`, with their duplicate-search keys, as `ducha bench_clues` fills them).

Each step checks whether its rows are there and is skipped when they are, so running it again adds nothing (the
clues are filled up to `clues`, not added again). It is benchmark data for measuring, never a way to change real
records.
"""

from __future__ import annotations

import datetime
import io
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from ducha.devtools.bench_evaluation import office_of
from ducha.evaluation.periods import Period
from ducha.orgs.models import Role, Unit, UnitKind, UnitLevel, User

if TYPE_CHECKING:
    from ducha.inspections.services import TeamMemberInput

Write = Callable[[str], None]

MARK = "基准"  # the prefix of the topics, titles and texts written here
PLAN_PROPOSALS = 6
ATTACHMENT_PREFIX = "bench-attachment-"
INSPECTION_STAGES = ("proposed", "approved", "fieldwork", "concluded", "objected")


@dataclass
class ExtrasResult:
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, name: str, count: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + count


@dataclass
class County:
    government: Unit
    office: User  # its supervision office's account
    leader: User
    departments: list[Unit]
    townships: list[Unit]

    def person(self, unit: Unit, role: str) -> User:
        found = User.objects.filter(unit=unit, role_grants__role=role).order_by("id").first()
        if found is None:
            raise RuntimeError(f"No {role} account in {unit.name}: not a `ducha gendata` county.")
        return found


# --- small helpers -------------------------------------------------------------------------------------------


def png_bytes(width: int = 8, height: int = 8, colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A small valid PNG (the upload checks read the content, not the name)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    row = b"\x00" + bytes(colour) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _photo(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def _pdf(name: str, text: str) -> SimpleUploadedFile:
    """A one-page PDF written by hand (a document as evidence)."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


def province_of(office: User) -> Unit:
    assert office.unit is not None and office.unit.government is not None
    return office.unit.government


def counties_of(province: Unit, limit: int) -> list[County]:
    """The first `limit` counties of the province (by id) with their office, leader, departments and townships."""
    governments = Unit.objects.filter(
        path__startswith=province.path, kind=UnitKind.GOVERNMENT, level=UnitLevel.COUNTY, is_active=True
    ).order_by("id")[:limit]
    out = []
    for government in governments:
        try:
            office = office_of(government.pk)
        except RuntimeError:  # no office account in this county
            continue
        leader = User.objects.filter(role_grants__role=Role.LEADER, unit=government).order_by("id").first()
        if leader is None:
            continue
        units = Unit.objects.filter(parent=government, is_active=True).order_by("sort_order", "id")
        out.append(
            County(
                government=government,
                office=office,
                leader=leader,
                departments=[u for u in units if u.kind == UnitKind.DEPARTMENT],
                townships=[u for u in units if u.kind == UnitKind.GOVERNMENT],
            )
        )
    return out


def province_leader(office: User) -> User:
    """The province's leader who approves the office's plan, inspections and conclusions: made once."""
    from ducha.orgs.services import user_create

    province = province_of(office)
    username = f"bench_leader_{office.pk}"
    found = User.objects.filter(username=username).first()
    if found is not None:
        return found
    return user_create(
        username=username,
        password=None,
        password_hash=office.password,
        unit=province,
        roles=[Role.LEADER],
        full_name="基准副省长",
        title="分管副省长",
    )


def _step(result: ExtrasResult, name: str, done: bool, write: Write) -> bool:
    """True when the step is to run; a step whose rows are there is skipped (and said so)."""
    if done:
        result.skipped.append(name)
        write(f"{name}: already there, skipped")
        return False
    return True


# --- the steps -----------------------------------------------------------------------------------------------


def sources_create(office: User, write: Write) -> int:
    from ducha.items.models import SourceKind
    from ducha.items.services.sources import source_record_create

    today = timezone.localdate()
    kinds = [SourceKind.MEETING_MINUTES, SourceKind.WORK_REPORT, SourceKind.DOCUMENT, SourceKind.INSTRUCTION]
    made = 0
    with transaction.atomic():
        for index in range(12):
            source_record_create(
                actor=office,
                kind=kinds[index % len(kinds)],
                title=f"{MARK}省政府常务会议第{index + 1}次会议纪要",
                reference=f"{MARK}政纪〔{today.year}〕{index + 1}号",
                issued_on=today - datetime.timedelta(days=30 * index),
                summary="研究部署全省重点工作。",
            )
            made += 1
    write(f"source records: {made}")
    return made


def attachments_create(office: User, write: Write, count: int = 5) -> int:
    """A PDF on a few running items in the office's view, attached by the office of each item's government (the items
    themselves are not changed)."""
    from ducha.items.models import Item
    from ducha.items.services.attachments import item_attachment_add
    from ducha.items.statuses import ItemStatus

    running = Item.objects.filter(
        government__path__startswith=province_of(office).path, status=ItemStatus.IN_PROGRESS
    ).only("id", "government_id")
    made = 0
    for item in running.order_by("id")[:count]:
        attaching = (
            User.objects.filter(
                role_grants__role=Role.OFFICE,
                unit__government_id=item.government_id,
                unit__kind=UnitKind.SUPERVISION_OFFICE,
            )
            .order_by("id")
            .first()
        )
        if attaching is None:
            continue
        with transaction.atomic():
            item_attachment_add(
                item_id=item.pk,
                actor=attaching,
                upload=_pdf(f"{ATTACHMENT_PREFIX}{item.pk}.pdf", f"item {item.pk}"),
            )
        made += 1
    write(f"item attachments: {made}")
    return made


def _team(office: User) -> list[TeamMemberInput]:
    from ducha.inspections.models import TeamRole
    from ducha.inspections.services import TeamMemberInput

    return [TeamMemberInput(user_id=office.pk, role=TeamRole.LEADER, is_trained=True, days=5)]


def inspections_create(office: User, leader: User, counties: list[County], count: int, write: Write) -> int:
    """The province's annual plan of the year (approved) and `count` inspections of county departments, in every
    stage (see the module's doc)."""
    from ducha.inspections import services
    from ducha.inspections.models import Rectification

    today = timezone.localdate()
    targets = [(county, unit) for county in counties for unit in county.departments]
    if len(targets) < 2:
        raise RuntimeError("No county departments to inspect: run `ducha gendata` first.")
    with transaction.atomic():
        plan_start = today + datetime.timedelta(days=7)
        if plan_start.year != today.year:
            plan_start = datetime.date(today.year, 12, 31)
        plan = services.annual_plan_create(actor=office, year=today.year, baseline_count=count)
        proposals = [
            services.plan_proposal_add(
                plan_id=plan.pk,
                actor=office,
                topic=f"{MARK}第{n + 1}项专项督查",
                kind="special",
                reason="省政府常务会议部署",
                start_date=plan_start,
                end_date=plan_start,
                target_ids=[targets[n % len(targets)][1].pk],
            )
            for n in range(PLAN_PROPOSALS)
        ]
        for proposal in proposals:
            services.plan_proposal_decide(
                plan_id=plan.pk, proposal_id=proposal.pk, actor=office, decision="accept"
            )
        services.annual_plan_submit(plan_id=plan.pk, actor=office)
        services.annual_plan_approve(plan_id=plan.pk, actor=leader)
    made = 0
    for n in range(count):
        stage = INSPECTION_STAGES[n % len(INSPECTION_STAGES)]
        county, target = targets[(n * 7) % len(targets)]
        started = stage in ("fieldwork", "concluded", "objected")
        start = (
            today - datetime.timedelta(days=30 + n) if started else today + datetime.timedelta(days=10 + n)
        )
        with transaction.atomic():
            inspection = services.inspection_create(
                actor=office,
                topic=f"{MARK}{target.name}重点工作推进情况督查（{n + 1}）",
                kind="special",
                targets=[target.pk],
                start_date=start,
                end_date=start + datetime.timedelta(days=7),
                lead_unit_id=office.unit_id or 0,
                in_plan=False,
                out_of_plan_reason="省政府临时部署",
                content="检查责任落实、资金使用和工作成效。",
                scope="本年度重点工作任务。",
                method="实地查看、个别访谈、查阅资料。",
                schedule="第一周实地督查，第二周形成结论并反馈。",
            )
            services.inspection_team_set(inspection_id=inspection.pk, actor=office, members=_team(office))
            made += 1
            if stage == "proposed":
                continue
            services.inspection_submit(inspection_id=inspection.pk, actor=office)
            services.inspection_approve(inspection_id=inspection.pk, actor=leader)
            if stage == "approved":
                continue
            services.inspection_start(inspection_id=inspection.pk, actor=office)
            finding = services.finding_add(
                inspection_id=inspection.pk,
                actor=office,
                target_id=target.pk,
                title="项目推进滞后",
                description="项目推进滞后，现场核实属实。",
                rectification_kind="deadline",
                rectification_due_date=today + datetime.timedelta(days=45),
            )
            services.finding_evidence_add(
                inspection_id=inspection.pk,
                finding_id=finding.pk,
                actor=office,
                upload=_pdf(f"evidence-{inspection.pk}.pdf", f"inspection {inspection.pk}"),
                description="现场检查记录",
            )
            if stage == "fieldwork":
                continue
            services.inspection_finish(inspection_id=inspection.pk, actor=office)
            conclusion = services.conclusion_draft(
                inspection_id=inspection.pk,
                actor=office,
                target_id=target.pk,
                facts=f"{target.name}存在督查发现的问题。",
                judgement="工作推进不够有力，需按期整改到位。",
            )
            services.conclusion_submit(conclusion_id=conclusion.pk, actor=office)
            services.conclusion_approve(conclusion_id=conclusion.pk, actor=leader)
            services.conclusion_issue(conclusion_id=conclusion.pk, actor=office)
            head = county.person(target, Role.UNIT_HEAD)
            liaison = county.person(target, Role.LIAISON)
            services.conclusion_acknowledge(conclusion_id=conclusion.pk, actor=liaison)
            if stage == "objected":
                services.conclusion_object(
                    conclusion_id=conclusion.pk, actor=head, reasons="项目滞后系上级资金未按期下达。"
                )
                continue
            rectification = Rectification.objects.filter(conclusion=conclusion).first()
            if rectification is not None:
                services.rectification_plan(
                    rectification_id=rectification.pk, actor=liaison, plan="倒排工期，每周调度。"
                )
                services.rectification_report(
                    rectification_id=rectification.pk, actor=head, text="已按期整改到位。"
                )
            services.result_propose(
                inspection_id=inspection.pk,
                actor=office,
                unit_id=target.pk,
                kind="praise",
                reason="立行立改，成效明显",
            )
    write(f"inspections: the annual plan ({PLAN_PROPOSALS} proposals) and {made} inspections")
    return made


def documents_create(office: User, write: Write) -> int:
    """The annual plan's document and a few supervision bulletins of the province, and a batch of the day's
    notices (its row: the PDFs need the PDF engine)."""
    from ducha.documents import services
    from ducha.documents.kinds import KINDS
    from ducha.documents.models import DocumentBatch
    from ducha.inspections.models import AnnualPlan

    province = province_of(office)
    contact = {"contact_name": "王明", "contact_phone": "0931-1234567"}
    made = 0
    with transaction.atomic():
        plan = AnnualPlan.objects.filter(government=province).order_by("-year").first()
        if plan is not None:
            services.document_issue(kind=KINDS["annual_plan"], subject=plan, actor=office, inputs=contact)
            made += 1
        for n in range(5):
            services.document_issue(
                kind=KINDS["bulletin"],
                subject=province,
                actor=office,
                inputs={
                    **contact,
                    "title": f"{MARK}督查通报（第{n + 1}期）",
                    "body": "全省重点工作推进情况通报如下。\n各地要对照问题抓好整改。",
                },
            )
            made += 1
        DocumentBatch.objects.create(
            government=province,
            kind="supervision_notice",
            day=timezone.localdate(),
            total=0,
            created_by=office,
            created_at=timezone.now(),
        )
    write(f"documents: {made} issued, 1 batch")
    return made


def scores_create(province: Unit, write: Write) -> int:
    """The scores of the last ended quarter, of the current one so far (the pages' default) and of the year so far
    (the API's) of the province (its cities) and of every county (the background job's own code)."""
    from ducha.evaluation import scoring

    governments = [
        province.pk,
        *Unit.objects.filter(
            path__startswith=province.path, kind=UnitKind.GOVERNMENT, level=UnitLevel.COUNTY
        ).values_list("id", flat=True),
    ]
    runs = 0
    year = Period(timezone.localdate().year)  # the API's default: the year so far
    for period in dict.fromkeys([last_ended_quarter(), current_quarter(), year]):
        started = time.perf_counter()
        runs += len(scoring.scores_compute(governments, period))
        write(
            f"scores {period.label}: {len(governments)} governments in {time.perf_counter() - started:.1f} s"
        )
    return runs


def current_quarter() -> Period:
    today = timezone.localdate()
    return Period(today.year, (today.month - 1) // 3 + 1)


def last_ended_quarter() -> Period:
    now = timezone.now()
    year = timezone.localdate(now).year
    ended = [Period(year, quarter) for quarter in (1, 2, 3, 4) if Period(year, quarter).end <= now]
    return ended[-1] if ended else Period(year - 1, 4)


def ledgers_create(counties: list[County], write: Write) -> int:
    """Each sample county's ledger of the year: opened, filled, submitted and approved; its last ended quarter's
    report generated, approved and submitted."""
    from ducha.evaluation import ledger as ledgers
    from ducha.evaluation import reports

    year = timezone.localdate().year
    period = last_ended_quarter()
    made = 0
    for county in counties:
        with transaction.atomic():
            ledger = ledgers.ledger_open(actor=county.office, government_id=county.government.pk, year=year)
            ledgers.ledger_entries_add(actor=county.office, ledger_id=ledger.pk)
            if ledger.entries.exists():
                ledgers.ledger_submit(actor=county.office, ledger_id=ledger.pk)
                ledgers.ledger_approve(actor=county.leader, ledger_id=ledger.pk, comment="同意。")
            report = reports.report_generate(
                actor=county.office,
                government_id=county.government.pk,
                kind="quarter",
                year=period.year,
                number=period.quarter,
            )
            reports.report_approve(actor=county.leader, report_id=report.pk)
            reports.report_submit(actor=county.office, report_id=report.pk)
            made += 1
    write(f"evaluation: {made} counties' ledgers of {year} and reports")
    return made


def accountability_create(counties: list[County], write: Write) -> int:
    """Facts, the triggers' proposals (one accepted: a sanction), a criticism bulletin drafted, a commendation."""
    from ducha.accountability import services
    from ducha.accountability.models import FactKind, Proposal, ProposalStatus
    from ducha.accountability.triggers import triggers_run

    today = timezone.localdate()
    period = last_ended_quarter()
    with transaction.atomic():
        for county in counties:
            for kind, unit in (
                (FactKind.MEETING_ABSENT, county.departments[0]),
                (
                    FactKind.CRITICISED_FROM_ABOVE,
                    county.townships[0] if county.townships else county.departments[1],
                ),
            ):
                services.fact_record(
                    actor=county.office,
                    unit_id=unit.pk,
                    kind=kind,
                    occurred_on=today - datetime.timedelta(days=3),
                    description=f"{MARK}：无故缺席全县重点工作推进会。",
                )
        proposals = triggers_run([county.government.pk for county in counties], today.year, today=today)
        for county in counties:
            waiting = (
                Proposal.objects.filter(government=county.government, status=ProposalStatus.PROPOSED)
                .order_by("id")
                .first()
            )
            if waiting is not None:
                services.proposal_decide(
                    actor=county.office,
                    proposal_id=waiting.pk,
                    accept=True,
                    reason="情况属实，按规定处理。",
                    follow_up_due=today + datetime.timedelta(days=15),
                )
            else:
                services.sanction_create(
                    actor=county.office,
                    unit_id=county.departments[0].pk,
                    tier="written_examination",
                    basis=f"{MARK}：无故缺席全县重点工作推进会。",
                    follow_up_due=today + datetime.timedelta(days=15),
                )
            services.bulletin_draft(
                actor=county.office,
                kind="criticism",
                year=period.year,
                quarter=period.quarter,
            )
            services.commendation_propose(
                actor=county.office,
                title=f"{today.year}年度{MARK}督查工作先进单位",
                year=today.year,
                unit_id=county.departments[-1].pk,
            )
    write(f"accountability: {proposals} proposals; {len(counties)} sanctions, bulletins and commendations")
    return proposals


def city_office(province: Unit) -> tuple[Unit, User, User]:
    """The first city's supervision office and leader (gendata's cities have neither): who reports to the province."""
    from ducha.orgs.services import unit_create, user_create

    city = (
        Unit.objects.filter(parent=province, kind=UnitKind.GOVERNMENT, level=UnitLevel.CITY)
        .order_by("id")
        .first()
    )
    if city is None:
        raise RuntimeError("No city in the province: run `ducha gendata` first.")
    office_unit = Unit.objects.filter(government=city, kind=UnitKind.SUPERVISION_OFFICE).first()
    if office_unit is None:
        office_unit = unit_create(
            name=f"{city.name}督查室", level=UnitLevel.CITY, kind=UnitKind.SUPERVISION_OFFICE, parent=city
        )
    password = User.objects.filter(unit__government=province).values_list("password", flat=True).first()
    people = []
    for suffix, unit, role, title in (
        ("office", office_unit, Role.OFFICE, "督查室科员"),
        ("leader", city, Role.LEADER, "副市长"),
    ):
        username = f"bench_city_{suffix}_{city.pk}"
        found = User.objects.filter(username=username).first()
        people.append(
            found
            or user_create(
                username=username,
                password=None,
                password_hash=password,
                unit=unit,
                roles=[role],
                full_name=f"{MARK}{title}",
                title=title,
            )
        )
    return city, people[0], people[1]


def province_rows_create(office: User, write: Write) -> int:
    """What the provincial office's own pages read (they show its own government's rows, not the counties'): its
    ledger of the year (drawn up: the province holds no items of its own), a city's quarterly report submitted to it,
    facts, a sanction, a criticism bulletin drafted and a commendation about its cities, and public clues to the
    province with their cases, photos, warnings and weekly brief."""
    from ducha.accountability import services as accountability
    from ducha.accountability.models import FactKind
    from ducha.clues import analytics
    from ducha.clues import services as clues
    from ducha.evaluation import ledger as ledgers
    from ducha.evaluation import reports

    province = province_of(office)
    today = timezone.localdate()
    period = last_ended_quarter()
    cities = list(
        Unit.objects.filter(parent=province, kind=UnitKind.GOVERNMENT, is_active=True).order_by("id")
    )
    if not cities:
        raise RuntimeError("No city in the province: run `ducha gendata` first.")
    with transaction.atomic():
        ledgers.ledger_open(actor=office, government_id=province.pk, year=today.year)
        reporting_city, city_office_user, city_leader = city_office(province)
        report = reports.report_generate(
            actor=city_office_user,
            government_id=reporting_city.pk,
            kind="quarter",
            year=period.year,
            number=period.quarter,
        )
        reports.report_approve(actor=city_leader, report_id=report.pk)
        reports.report_submit(actor=city_office_user, report_id=report.pk)
        for city in cities[:3]:
            accountability.fact_record(
                actor=office,
                unit_id=city.pk,
                kind=FactKind.MEETING_ABSENT,
                occurred_on=today - datetime.timedelta(days=3),
                description=f"{MARK}：无故缺席全省重点工作推进会。",
            )
            accountability.sanction_create(
                actor=office,
                unit_id=city.pk,
                tier="criticism",
                basis=f"{MARK}：无故缺席全省重点工作推进会。",
                follow_up_due=today + datetime.timedelta(days=30),
            )
        accountability.bulletin_draft(
            actor=office, kind="criticism", year=period.year, quarter=period.quarter
        )
        accountability.commendation_propose(
            actor=office,
            title=f"{today.year}年度{MARK}督查工作先进单位",
            year=today.year,
            unit_id=cities[-1].pk,
        )
        made = 0
        for n in range(10):
            clues.clue_submit(
                government=province,
                text=f"{MARK}：省道路段破损严重，雨天积水，群众出行不便，希望尽快修复（{n + 1}）。",
                category="implementation",
                photos=[_photo(f"province-road-{n}.png")],
            )
            made += 1
        analytics.analytics_run(province)
    write(f"the province's own rows: a ledger, a city's report, 3 sanctions, a bulletin, {made} public clues")
    return made


def clues_fill(province: Unit, target: int, write: Write) -> int:
    """The province's clues up to `target` (set-based, as `ducha bench_clues` fills them: a year, with their keys)."""
    from ducha.clues.models import Clue
    from ducha.devtools import bench_clues

    counties = list(
        Unit.objects.filter(
            path__startswith=province.path, kind=UnitKind.GOVERNMENT, level=UnitLevel.COUNTY
        ).order_by("id")
    )
    if not counties:
        raise RuntimeError("No counties in the province: run `ducha gendata` first.")
    held = Clue.objects.filter(government__path__startswith=province.path).count()
    if held >= target:
        write(f"clues: {held:,} held already")
        return 0
    shape_of = bench_clues.templates(SimpleNamespace(county=counties[0]))
    places = []
    for county in counties:
        units = Unit.objects.filter(parent=county, is_active=True).order_by("sort_order", "id")
        townships = [u.pk for u in units if u.kind == UnitKind.GOVERNMENT]
        departments = [u.pk for u in units if u.kind == UnitKind.DEPARTMENT]
        if townships:
            places.append(bench_clues.County(county.pk, townships, departments))
    # bench_clues.fill counts every clue of the database: fill the province's share up to `target`.
    total = Clue.objects.count()
    bench_clues.fill(places, total + target - held, shape_of, write)
    return target - held


def clue_cases_create(counties: list[County], write: Write, per_county: int = 3) -> int:
    """Public clues with a photo (each becomes a case) and the analytics' warnings and weekly brief."""
    from ducha.clues import analytics, services

    made = 0
    for county in counties:
        with transaction.atomic():
            for n in range(per_county):
                township = county.townships[n % len(county.townships)] if county.townships else None
                services.clue_submit(
                    government=county.government,
                    text=f"{MARK}：村口道路破损严重，雨天积水，群众出行不便，希望尽快修复（{n + 1}）。",
                    category="implementation",
                    township_id=township.pk if township else None,
                    photos=[_photo(f"road-{county.government.pk}-{n}.png")],
                )
                made += 1
            analytics.analytics_run(county.government)
    write(f"clues: {made} public clues with a photo; warnings and briefs of {len(counties)} counties")
    return made


# --- the whole ---------------------------------------------------------------------------------------------------


def generate_extras(
    *,
    office: User | None = None,
    counties: int = 10,
    inspections: int = 30,
    clues: int = 200_000,
    write: Write = lambda message: None,
) -> ExtrasResult:
    """Every step for `office`'s province (the newest `bench_office_<id>` by default); see the module's doc."""
    from ducha.accountability.models import Sanction
    from ducha.clues.models import CluePhoto
    from ducha.devtools.bench import bench_user
    from ducha.documents.models import Document
    from ducha.evaluation.models import LedgerYear, ScoreRun
    from ducha.inspections.models import AnnualPlan
    from ducha.items.models import Attachment, SourceRecord

    started = time.perf_counter()
    if office is None:
        office = bench_user("bench_office_")
    office = User.objects.select_related("unit__government").get(pk=office.pk)
    province = province_of(office)
    sample = counties_of(province, counties)
    if not sample:
        raise RuntimeError(
            "No county with an office and a leader in the province: run `ducha gendata` first."
        )
    result = ExtrasResult()
    leader = province_leader(office)
    sample_ids = [county.government.pk for county in sample]

    if _step(result, "source records", SourceRecord.objects.filter(government=province).exists(), write):
        result.add("source_records", sources_create(office, write))
    if _step(
        result,
        "attachments",
        Attachment.objects.filter(
            original_name__startswith=ATTACHMENT_PREFIX, item__government__path__startswith=province.path
        ).exists(),
        write,
    ):
        result.add("attachments", attachments_create(office, write))
    if _step(result, "inspections", AnnualPlan.objects.filter(government=province).exists(), write):
        result.add("inspections", inspections_create(office, leader, sample, inspections, write))
    if _step(result, "documents", Document.objects.filter(government=province).exists(), write):
        result.add("documents", documents_create(office, write))
    period = Period(timezone.localdate().year)
    if _step(
        result,
        "scores",
        ScoreRun.objects.filter(government=province, year=period.year, quarter=period.quarter).exists(),
        write,
    ):
        result.add("score_runs", scores_create(province, write))
    if _step(
        result, "ledgers and reports", LedgerYear.objects.filter(government_id__in=sample_ids).exists(), write
    ):
        result.add("ledgers", ledgers_create(sample, write))
    if _step(result, "accountability", Sanction.objects.filter(government_id__in=sample_ids).exists(), write):
        result.add("proposals", accountability_create(sample, write))
    if _step(
        result, "the province's own rows", LedgerYear.objects.filter(government=province).exists(), write
    ):
        result.add("province_rows", province_rows_create(office, write))
    result.add("clues", clues_fill(province, clues, write))
    if _step(
        result,
        "cases and photos",
        CluePhoto.objects.filter(clue__government_id__in=sample_ids).exists(),
        write,
    ):
        result.add("cases", clue_cases_create(sample, write))
    result.seconds = time.perf_counter() - started
    return result
